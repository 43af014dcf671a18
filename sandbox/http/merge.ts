/**
 * Record merges (`POST /crm/objects/2026-03/{contacts|companies|tickets}/merge`, and the
 * `/crm/v3/objects/…/merge` path the Node client calls): `objectIdToMerge` is folded into
 * `primaryObjectId` (see `PortalData.mergeRecords`), and the survivor is answered. Reads of the
 * merged id answer 404 from then on.
 */
import express from 'express';
import { z } from 'zod';
import type { ObjectType } from '../store.js';
import { changeSource, callerOf } from './auth.js';
import { parseInput, validationError } from './errors.js';
import type { ApiGuard } from './guards.js';
import { objectNotFound, writeScope } from './objects.js';
import { selectProperties, toPublicObject } from './record-view.js';
import { objectTypeParam, portalOf } from './records.js';
import { PREFIXES, routes } from './version.js';

/** The object types HubSpot's specs offer a merge for. */
const MERGEABLE: readonly ObjectType[] = ['contacts', 'companies', 'tickets'];

const recordId = z.coerce.string().regex(/^\d+$/, 'must be a numeric record id');
const mergeInput = z.object({ primaryObjectId: recordId, objectIdToMerge: recordId });

export function createMergeRouter(guard: ApiGuard): express.Router {
  const router = express.Router();

  router.post(routes(PREFIXES.objects, '/:objectType/merge'), ...guard(writeScope), (req, res) => {
    const caller = callerOf(res);
    const portal = portalOf(caller);
    const type = objectTypeParam(req.params.objectType);
    if (!MERGEABLE.includes(type)) throw validationError(`${type} cannot be merged.`);
    const { primaryObjectId, objectIdToMerge } = parseInput(mergeInput, req.body);
    if (primaryObjectId === objectIdToMerge) {
      throw validationError(`Cannot merge ${type} ${primaryObjectId} with itself.`);
    }
    for (const id of [primaryObjectId, objectIdToMerge]) {
      const record = portal.recordsOf(type).get(id);
      if (!record || record.archived) throw objectNotFound(id);
    }
    const survivor = portal.mergeRecords(
      type,
      primaryObjectId,
      objectIdToMerge,
      caller.store.now(),
      changeSource(caller),
    );
    const shown = Object.keys(survivor.properties).filter((name) => survivor.properties[name] !== null);
    res.json(toPublicObject(survivor, selectProperties(portal, type, survivor, shown)));
  });

  return router;
}
