import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { markPortalUninstalled } from '../db/portals.js';
import { removePortalSchedules } from '../jobs/portal-schedules.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../logger.js';
import type { HubSpotOAuth } from './hubspot-oauth.js';
import type { TokenVault } from './token-vault.js';

export interface UninstallDeps {
  db: Kysely<Database>;
  queues: Queues;
  logger: Logger;
}

/** The CRM says the install is gone: stop everything for the portal and forget its tokens. */
export async function forgetRevokedPortal(
  deps: UninstallDeps,
  portalId: number,
  reason: string,
): Promise<void> {
  await markPortalUninstalled(deps.db, portalId, reason);
  const removed = await removePortalSchedules(deps.queues, portalId);
  deps.logger.info({ portalId, reason, removedSchedules: removed }, 'portal uninstalled');
}

/**
 * The admin's "Uninstall": asks the CRM to remove the app (cards, webhooks, workflow actions go
 * with it), revokes our refresh token, then forgets the portal as above.
 */
export async function uninstallPortal(
  deps: UninstallDeps & { oauth: HubSpotOAuth; vault: TokenVault },
  portalId: number,
  actor: string,
): Promise<void> {
  const accessToken = await deps.vault.accessToken(portalId);
  const refreshToken = await deps.vault.refreshToken(portalId);
  await deps.oauth.uninstall(accessToken);
  await deps.oauth
    .revoke(refreshToken)
    .catch((error: unknown) =>
      deps.logger.warn({ portalId, err: error }, 'revoking the refresh token failed after uninstall'),
    );
  await forgetRevokedPortal(deps, portalId, `uninstalled by ${actor}`);
}
