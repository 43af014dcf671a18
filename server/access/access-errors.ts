/** Why a user of the CRM may not do something from the app's surfaces inside it (the risk card). */
import { AppError, ServiceUnavailableError } from '../errors.js';

/** The CRM says this user is not (or no longer) an active user of the account. */
export class NotAPortalUserError extends AppError {
  constructor(userId: string) {
    super(
      403,
      'not_a_portal_user',
      `User ${userId} is not an active user of this account, so Churn Radar does nothing on their behalf.`,
    );
  }
}

/** A user of the account without the right to start retention plays. */
export class PlaysNotAllowedError extends AppError {
  constructor(how: string) {
    super(403, 'plays_not_allowed', `You may not start retention plays from the risk card: ${how}`);
  }
}

/** The CRM could not say who the user is; nothing is done until it can. */
export class UserCheckUnavailableError extends ServiceUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('user_check_unavailable', message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
