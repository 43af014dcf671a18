import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { findPortal } from '../db/portals.js';
import { NotFoundError, ServiceUnavailableError } from '../errors.js';
import type { HubSpotOAuth } from './hubspot-oauth.js';
import type { TokenVault } from './token-vault.js';
import { uninstallPortal, type UninstallDeps } from './uninstall.js';

const params = z.object({ portalId: z.coerce.number().int().positive() });

/** The admin's "Uninstall": removes the app from the CRM portal and stops all work for it. */
export function portalAdminRouter(
  deps: UninstallDeps & {
    hubspot: { oauth: HubSpotOAuth; vault: TokenVault } | undefined;
    requireAdmin: RequestHandler;
  },
): Router {
  const router = Router();
  router.post('/api/v1/portals/:portalId/uninstall', deps.requireAdmin, async (req, res) => {
    const { portalId } = params.parse(req.params);
    const portal = await findPortal(deps.db, portalId);
    if (!portal || portal.status === 'uninstalled')
      throw new NotFoundError(`No installed portal ${portalId}.`);
    if (!deps.hubspot)
      throw new ServiceUnavailableError('not_configured', 'The HubSpot app is not configured.');
    await uninstallPortal({ ...deps, ...deps.hubspot }, portalId, `admin from ${req.ip ?? 'unknown'}`);
    res.json({ portalId, status: 'uninstalled' });
  });
  return router;
}
