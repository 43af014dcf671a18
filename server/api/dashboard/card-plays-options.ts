/**
 * What the Settings page offers for who may start plays from the risk card: how the portal's CRM
 * decides it (the portal's `cardPlays` setting, or the org's own permissions), and, where the
 * setting decides, the portal's roles to choose from, read from the CRM when the page asks.
 */
import { withAbortSignal } from '../../crm/abort-scope.js';
import { CrmError, CrmRequestError } from '../../crm/errors.js';
import { playsPermissionsOf } from '../../crm/plays-permissions.js';
import type { CrmConnectors } from '../../crm/registry.js';
import type { CrmKind } from '../../db/schema.js';
import { AppError, ServiceUnavailableError } from '../../errors.js';
import type { CardPlaysDecision, PortalRolesAnswer } from '../contracts/card-plays.js';

/** How a portal of this CRM decides who may start plays from the card. */
export function cardPlaysDecision(crm: CrmKind): CardPlaysDecision {
  const granted = playsPermissionsOf(crm);
  return granted ? { by: 'salesforce_permissions', ...granted } : { by: 'portal_setting' };
}

/** How long the admin waits for the CRM's roles before being told it cannot answer. */
const ROLES_WITHIN_MS = 10_000;

/** The portal's CRM decides who may start plays itself: there are no roles to choose. */
export class PlaysDecidedByCrmError extends AppError {
  constructor(decision: CardPlaysDecision) {
    super(
      409,
      'plays_decided_by_crm',
      decision.by === 'salesforce_permissions'
        ? `In Salesforce the permission set ${decision.permissionSet} (or any permission set with the custom permission ${decision.customPermission}) decides who may start plays from the card: there are no roles to choose here.`
        : 'This CRM decides who may start plays from the card itself: there are no roles to choose here.',
    );
  }
}

/** The CRM could not list the portal's roles, or does not let the app read them. */
export class PortalRolesUnavailableError extends ServiceUnavailableError {
  constructor(
    code: 'roles_unavailable' | 'roles_not_permitted',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The portal's roles as its CRM lists them now (nothing is stored). */
export async function loadPortalRoles(
  crms: CrmConnectors,
  portal: { id: number; crm: CrmKind },
  answerWithinMs = ROLES_WITHIN_MS,
): Promise<PortalRolesAnswer> {
  const decision = cardPlaysDecision(portal.crm);
  const connector = decision.by === 'portal_setting' ? crms.connectorFor(portal) : null;
  if (!connector?.listRoles) throw new PlaysDecidedByCrmError(decision);
  const listRoles = connector.listRoles.bind(connector);

  // An admin waits on the page: the CRM's rate limits and retries are not waited for past this.
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new PortalRolesUnavailableError(
          'roles_unavailable',
          `The CRM did not list this portal’s roles within ${Math.round(answerWithinMs / 1000)} s; try again in a minute.`,
        ),
      );
      stop.abort('the admin stopped waiting');
    }, answerWithinMs);
  });
  try {
    const roles = await Promise.race([withAbortSignal(stop.signal, () => listRoles(portal.id)), late]);
    return { roles };
  } catch (error) {
    if (error instanceof PortalRolesUnavailableError || !(error instanceof CrmError)) throw error;
    if (error instanceof CrmRequestError && error.httpStatus === 403)
      throw new PortalRolesUnavailableError(
        'roles_not_permitted',
        `The CRM does not let Churn Radar read this portal’s roles (${error.message}): an admin must reinstall the app to grant it the settings.users.read scope.`,
        { cause: error },
      );
    throw new PortalRolesUnavailableError(
      'roles_unavailable',
      `The CRM could not list this portal’s roles just now (${error.message}); try again in a minute.`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}
