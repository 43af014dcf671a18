import type { Kysely } from 'kysely';
import type { CrmOAuth, CrmTokenStore } from '../crm/oauth.js';
import type { Database } from '../db/index.js';
import { markPortalUninstalled } from '../db/portals.js';
import type { Logger } from '../logger.js';
import type { WorkQueue } from '../work-queue.js';

export interface UninstallDeps {
  db: Kysely<Database>;
  work: Pick<WorkQueue, 'unschedulePortal'>;
  logger: Logger;
}

/** The CRM says the install is gone: stop everything for the portal and forget its tokens. */
export async function forgetRevokedPortal(
  deps: UninstallDeps,
  portalId: number,
  reason: string,
): Promise<void> {
  await markPortalUninstalled(deps.db, portalId, reason);
  const removed = await deps.work.unschedulePortal(portalId);
  deps.logger.info({ portalId, reason, removedSchedules: removed }, 'portal uninstalled');
}

/**
 * The admin's "Uninstall": asks the CRM to remove the app (cards, webhooks, workflow actions go
 * with it), revokes our refresh token, then forgets the portal as above.
 */
export async function uninstallPortal(
  deps: UninstallDeps & { oauth: Pick<CrmOAuth, 'uninstall' | 'revoke'>; vault: CrmTokenStore },
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
