/**
 * Single-record CRM object endpoints: list with cursor paging, get (by id or `idProperty`),
 * create, update and archive, under `/crm/objects/2026-03/{objectType}` and `/crm/v3/objects/…`.
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import type { CrmRecord, ObjectType, PortalData } from '../store.js';
import { callerOf } from './auth.js';
import { notFound, parseInput, validationError } from './errors.js';
import type { ApiGuard, ScopeRule } from './guards.js';
import { readScopes, resolveObjectType, writeScopes } from './object-types.js';
import {
  assertHistoryPageLimit,
  historyQueryParam,
  propertiesWithHistory,
  withCurrentValues,
} from './history-view.js';
import { propertyValues } from './property-values.js';
import { archivedParam, associationsOf, listParam, selectProperties, toPublicObject } from './record-view.js';
import {
  createInput,
  createRecords,
  findRecord,
  objectTypeParam,
  portalOf,
  sortedIds,
  updateRecord,
} from './records.js';
import { PREFIXES, routes } from './version.js';

export const readScope: ScopeRule = (req) => readScopes(objectTypeParam(req.params.objectType));
export const writeScope: ScopeRule = (req) => writeScopes(objectTypeParam(req.params.objectType));

function intParam(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) {
    throw validationError(`${name} must be a whole number from 1 to ${max}, not ${String(value)}`);
  }
  return parsed;
}

export function objectNotFound(id: string): Error {
  return notFound('Object not found.  objectId are usually numeric.', { id: [id] });
}

/**
 * What a list or get asks to see of each record, read once per request: Express parses the query
 * string again on every read of `req.query`, and a list page shows a hundred records.
 */
interface ViewRequest {
  properties: string[] | undefined;
  associationTypes: ObjectType[];
  history: string[] | undefined;
}

function viewRequest(req: Request): ViewRequest {
  const query = req.query;
  return {
    properties: listParam(query.properties),
    associationTypes: (listParam(query.associations) ?? []).map((name) => resolveObjectType(name)),
    history: historyQueryParam(query.propertiesWithHistory),
  };
}

/** The first index in `ids` whose id is at or after the cursor (ids are numeric strings). */
function indexAtCursor(ids: string[], after: string): number {
  const cursor = Number(after);
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (Number(ids[middle]) < cursor) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A record as a list or get returns it, with the histories asked for. */
function view(portal: PortalData, type: ObjectType, record: CrmRecord, asked: ViewRequest) {
  const { associationTypes, history } = asked;
  const selected = selectProperties(portal, type, record, asked.properties);
  return {
    ...toPublicObject(
      record,
      history ? withCurrentValues(portal, type, record, selected, history) : selected,
    ),
    ...(history ? { propertiesWithHistory: propertiesWithHistory(record, history) } : {}),
    ...(associationTypes.length > 0
      ? { associations: associationsOf(portal, type, record, associationTypes) }
      : {}),
  };
}

/** All of a record's values that are set: what HubSpot echoes after a create or update. */
function setValues(record: CrmRecord): string[] {
  return Object.keys(record.properties).filter((name) => record.properties[name] !== null);
}

const updateInput = z.object({ properties: propertyValues, objectWriteTraceId: z.string().optional() });

export function createObjectsRouter(guard: ApiGuard): express.Router {
  const router = express.Router();
  const one = routes(PREFIXES.objects, '/:objectType/:objectId');
  const collection = routes(PREFIXES.objects, '/:objectType');

  router.get(collection, ...guard(readScope), (req, res) => {
    const portal = portalOf(callerOf(res));
    const type = objectTypeParam(req.params.objectType);
    const query = req.query;
    const limit = intParam(query.limit, 'limit', 10, 100);
    const asked = viewRequest(req);
    if (asked.history) assertHistoryPageLimit(limit);
    const after = query.after === undefined ? undefined : String(query.after);
    if (after !== undefined && !/^\d+$/.test(after))
      throw validationError(`after is not a valid cursor: ${after}`);
    const archived = archivedParam(req);
    const records = portal.recordsOf(type);
    const ids = sortedIds(records);
    const page: CrmRecord[] = [];
    let nextId: string | undefined;
    for (let index = after ? indexAtCursor(ids, after) : 0; index < ids.length; index += 1) {
      const record = records.get(ids[index]!)!;
      if (record.archived !== archived) continue;
      if (page.length === limit) {
        nextId = record.id;
        break;
      }
      page.push(record);
    }
    const link = new URL(`${req.protocol}://${req.get('host')}${req.originalUrl}`);
    if (nextId) link.searchParams.set('after', nextId);
    res.json({
      results: page.map((record) => view(portal, type, record, asked)),
      ...(nextId ? { paging: { next: { after: nextId, link: link.toString() } } } : {}),
    });
  });

  router.get(one, ...guard(readScope), (req, res) => {
    const portal = portalOf(callerOf(res));
    const type = objectTypeParam(req.params.objectType);
    const id = String(req.params.objectId);
    const idProperty = req.query.idProperty === undefined ? undefined : String(req.query.idProperty);
    const asked = viewRequest(req);
    const record = findRecord(portal, type, id, idProperty);
    if (!record || record.archived !== archivedParam(req)) throw objectNotFound(id);
    res.json(view(portal, type, record, asked));
  });

  router.post(collection, ...guard(writeScope), (req, res) => {
    const caller = callerOf(res);
    const type = objectTypeParam(req.params.objectType);
    const [record] = createRecords(caller, type, [parseInput(createInput, req.body)]);
    res
      .status(201)
      .json(toPublicObject(record!, selectProperties(caller.portal, type, record!, setValues(record!))));
  });

  router.patch(one, ...guard(writeScope), (req, res) => {
    const caller = callerOf(res);
    const portal = portalOf(caller);
    const type = objectTypeParam(req.params.objectType);
    const id = String(req.params.objectId);
    const idProperty = req.query.idProperty === undefined ? undefined : String(req.query.idProperty);
    const body = parseInput(updateInput, req.body);
    const record = findRecord(portal, type, id, idProperty);
    if (!record || record.archived) throw objectNotFound(id);
    const updated = updateRecord(caller, type, record, body.properties);
    res.json(toPublicObject(updated, selectProperties(portal, type, updated, setValues(updated))));
  });

  router.delete(one, ...guard(writeScope), (req, res) => {
    const caller = callerOf(res);
    const type = objectTypeParam(req.params.objectType);
    const record = portalOf(caller).recordsOf(type).get(String(req.params.objectId));
    if (record) caller.portal.archiveRecord(type, record.id, caller.store.now(), String(caller.app.appId));
    res.status(204).end();
  });

  return router;
}
