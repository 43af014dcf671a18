import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { CrmStacks } from '../crm/registry.js';
import { findPortal } from '../db/portals.js';
import { NotFoundError } from '../errors.js';
import { uninstallPortal, type UninstallDeps } from './uninstall.js';

const params = z.object({ portalId: z.coerce.number().int().positive() });

/** The admin's "Uninstall": removes the app from the CRM portal and stops all work for it. */
export function portalAdminRouter(
  deps: UninstallDeps & {
    crms: Pick<CrmStacks, 'stackFor'>;
    requireAdmin: RequestHandler;
  },
): Router {
  const router = Router();
  router.post('/api/v1/portals/:portalId/uninstall', deps.requireAdmin, async (req, res) => {
    const { portalId } = params.parse(req.params);
    const portal = await findPortal(deps.db, portalId);
    if (!portal || portal.status === 'uninstalled')
      throw new NotFoundError(`No installed portal ${portalId}.`);
    const { oauth, vault } = deps.crms.stackFor(portal);
    await uninstallPortal({ ...deps, oauth, vault }, portalId, `admin from ${req.ip ?? 'unknown'}`);
    res.json({ portalId, status: 'uninstalled' });
  });
  return router;
}
