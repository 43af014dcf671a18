import { ServiceUnavailableError } from '../errors.js';

/**
 * The CRM module's own errors: each CRM driver translates its API's failures into these once, so
 * callers branch on a type, never on a status code or an SDK's error shape.
 */
export class CrmError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The CRM refused the request as it stands (a 4xx other than 401/429); retrying will not help.
 * `afterUncertainAttempt`: an earlier try of the same call failed in a way that may hide a success
 * (a 5xx or a dropped connection), so this refusal may answer a request that already took effect.
 */
export class CrmRequestError extends CrmError {
  constructor(
    httpStatus: number,
    message: string,
    readonly category?: string,
    readonly afterUncertainAttempt = false,
  ) {
    super('crm_request_refused', message, httpStatus);
  }
}

/** Still rate-limited or failing (429 / 5xx / network) after every retry. */
export class CrmUnavailableError extends CrmError {
  constructor(message: string, httpStatus?: number, options?: { cause?: unknown }) {
    super('crm_unavailable', message, httpStatus, options);
  }
}

/** The CRM rejects our token even after a refresh. */
export class CrmAuthError extends CrmError {
  constructor(message: string) {
    super('crm_unauthorized', message, 401);
  }
}

/** The portal's install is gone (uninstalled or revoked): no call for it can succeed. */
export class CrmAccessRevokedError extends CrmError {
  constructor(readonly portalId: number) {
    super('crm_access_revoked', `Portal ${portalId} has uninstalled the app or revoked its access.`);
  }
}

/**
 * A portal or a request needs a CRM whose app credentials this process does not have: a 503 over
 * HTTP, and a job retried (by a worker that has them).
 */
export class CrmNotConfiguredError extends ServiceUnavailableError {
  constructor(message: string) {
    super('not_configured', message);
  }
}

/**
 * The CRM's allowance for a period is used up (Salesforce's daily API requests): no call for the
 * portal can succeed before `retryAt`, so the work waits until then rather than failing.
 */
export class CrmQuotaExceededError extends CrmError {
  constructor(
    message: string,
    readonly retryAt: Date,
  ) {
    super('crm_quota_exceeded', message, 403);
  }
}
