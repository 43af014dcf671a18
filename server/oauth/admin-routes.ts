import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { CrmStacks } from '../crm/registry.js';
import { findPortal } from '../db/portals.js';
import { orgCredentialStatus, provisionOrgCredential } from '../crm/org-credentials.js';
import { json } from '../db/json.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { uninstallPortal, type UninstallDeps } from './uninstall.js';

const params = z.object({ portalId: z.coerce.number().int().positive() });

/**
 * The admin's "Uninstall" (removes the app from the CRM portal and stops all work for it), and
 * "Connect the package" (sets the org secret the package's Apex calls in with, now).
 */
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

  async function installedPortal(portalId: number) {
    const portal = await findPortal(deps.db, portalId);
    if (!portal || portal.status === 'uninstalled')
      throw new NotFoundError(`No installed portal ${portalId}.`);
    return portal;
  }

  router.get('/api/v1/portals/:portalId/org-credential', deps.requireAdmin, async (req, res) => {
    const portal = await installedPortal(params.parse(req.params).portalId);
    const row = await orgCredentialStatus(deps.db, portal.id);
    res.json({
      portalId: portal.id,
      needed: Boolean(deps.crms.stackFor(portal).connector.setOrgSecret),
      status: row?.status ?? 'not_set',
      detail: row?.detail ?? null,
      updatedAt: row?.updated_at.toISOString() ?? null,
    });
  });

  router.post('/api/v1/portals/:portalId/org-credential', deps.requireAdmin, async (req, res) => {
    const portal = await installedPortal(params.parse(req.params).portalId);
    const { connector } = deps.crms.stackFor(portal);
    if (!connector.setOrgSecret) {
      throw new BadRequestError(
        'This CRM signs its calls with the app’s client secret; there is no org secret to set.',
      );
    }
    const outcome = await provisionOrgCredential(deps.db, connector, portal.id);
    await deps.db
      .insertInto('audit_log')
      .values({
        portal_id: portal.id,
        actor: `admin from ${req.ip ?? 'unknown'}`,
        action: 'portal.org_credential',
        details: json({ outcome }),
      })
      .execute();
    const row = await orgCredentialStatus(deps.db, portal.id);
    res
      .status(outcome === 'set' ? 200 : 409)
      .json({ portalId: portal.id, status: row?.status, detail: row?.detail ?? null });
  });
  return router;
}
