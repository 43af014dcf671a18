/**
 * GDPR deletion of a contact (`POST /crm/objects/2026-03/contacts/gdpr-delete`, and the
 * `/crm/v3/objects/contacts/gdpr-delete` path the Node client calls): the contact, live or
 * archived, is deleted for good with its associations (see `PortalData.purgeRecord`). Named by an
 * `idProperty` (an email) that no contact holds, HubSpot blocks the address and answers 204 too.
 */
import express from 'express';
import { z } from 'zod';
import { changeSource, callerOf } from './auth.js';
import { parseInput } from './errors.js';
import type { ApiGuard } from './guards.js';
import { objectNotFound } from './objects.js';
import { writeScopes } from './object-types.js';
import { assertIdProperty, portalOf } from './records.js';
import { PREFIXES, routes } from './version.js';

const gdprDeleteInput = z.object({
  objectId: z.coerce.string().min(1, 'names the contact to delete'),
  idProperty: z.string().min(1).optional(),
});

export function createGdprDeleteRouter(guard: ApiGuard): express.Router {
  const router = express.Router();

  router.post(
    routes(PREFIXES.objects, '/contacts/gdpr-delete'),
    ...guard(() => writeScopes('contacts')),
    (req, res) => {
      const caller = callerOf(res);
      const portal = portalOf(caller);
      const { objectId, idProperty } = parseInput(gdprDeleteInput, req.body);
      const byId = !idProperty || idProperty === 'hs_object_id';
      if (!byId) assertIdProperty(portal, 'contacts', idProperty);
      const wanted = objectId.toLowerCase();
      // Archived contacts are deleted too: a GDPR deletion leaves nothing in any list.
      const record = byId
        ? portal.recordsOf('contacts').get(objectId)
        : [...portal.recordsOf('contacts').values()].find(
            (contact) => contact.properties[idProperty]?.toLowerCase() === wanted,
          );
      if (!record) {
        if (byId) throw objectNotFound(objectId);
        res.status(204).end();
        return;
      }
      portal.purgeRecord('contacts', record.id, caller.store.now(), changeSource(caller));
      res.status(204).end();
    },
  );

  return router;
}
