/**
 * Batch endpoints for CRM objects: read, create, update, upsert (./upsert.ts) and archive, at most
 * 100 inputs each (50 for a read with `propertiesWithHistory`, see history-view.ts).
 * Inputs naming records that do not exist do not fail the batch: the rest is done and the answer
 * is a 207 listing the missing ids, as HubSpot does. An update naming one id twice is refused.
 */
import express from 'express';
import { z } from 'zod';
import type { CrmRecord, ObjectType } from '../store.js';
import { callerOf } from './auth.js';
import { parseInput, validationError } from './errors.js';
import type { ApiGuard } from './guards.js';
import { SINGULAR } from './object-types.js';
import {
  assertHistoryBatchSize,
  historyBodyParam,
  propertiesWithHistory,
  withCurrentValues,
} from './history-view.js';
import { checkPropertyValues, propertyValues } from './property-values.js';
import { readScope, writeScope } from './objects.js';
import { archivedParam, selectProperties, toPublicObject } from './record-view.js';
import {
  createInput,
  createRecords,
  findRecord,
  objectTypeParam,
  portalOf,
  updateRecord,
} from './records.js';
import { assertUniqueValues } from './unique-values.js';
import { upsertInput, upsertRecords } from './upsert.js';
import { PREFIXES, routes } from './version.js';

export const MAX_BATCH_INPUTS = 100;

/** Checks the batch size before anything else, with HubSpot's wording for an oversized batch. */
function inputsOf<T extends z.ZodType>(item: T, body: unknown, extra: z.ZodRawShape = {}) {
  const count = (body as { inputs?: unknown[] } | undefined)?.inputs?.length ?? 0;
  if (count > MAX_BATCH_INPUTS) {
    throw validationError(`Too many inputs: ${count}. The limit for a batch is ${MAX_BATCH_INPUTS} inputs.`);
  }
  return parseInput(z.object({ inputs: z.array(item), ...extra }), body) as {
    inputs: z.infer<T>[];
    [key: string]: unknown;
  };
}

function missingError(type: ObjectType, ids: string[]) {
  return {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Could not get some ${SINGULAR[type].toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
    context: { ids },
    errors: [],
    links: {},
  };
}

function batchBody(startedAt: Date, results: unknown[], missing: string[], type: ObjectType) {
  return {
    status: 'COMPLETE',
    results,
    ...(missing.length > 0 ? { numErrors: 1, errors: [missingError(type, missing)] } : {}),
    startedAt: startedAt.toISOString(),
    completedAt: new Date().toISOString(),
  };
}

/** HubSpot refuses a batch update naming one record twice, before writing anything. */
function assertDistinctIds(inputs: { id: string; idProperty?: string | undefined }[]): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { id, idProperty } of inputs) {
    const key = !idProperty || idProperty === 'hs_object_id' ? id : `${idProperty}\u0000${id.toLowerCase()}`;
    if (seen.has(key)) repeated.add(id);
    seen.add(key);
  }
  if (repeated.size > 0) {
    throw validationError(
      `Duplicate IDs found in batch input: [${[...repeated].join(', ')}]. IDs must be unique`,
    );
  }
}

const idInput = z.object({ id: z.coerce.string() });
const updateInput = z.object({
  id: z.coerce.string(),
  idProperty: z.string().optional(),
  properties: propertyValues,
  objectWriteTraceId: z.string().optional(),
});

export function createBatchRouter(guard: ApiGuard): express.Router {
  const router = express.Router();
  const path = (action: string) => routes(PREFIXES.objects, `/:objectType/batch/${action}`);

  router.post(path('read'), ...guard(readScope), (req, res) => {
    const startedAt = new Date();
    const portal = portalOf(callerOf(res));
    const type = objectTypeParam(req.params.objectType);
    const body = inputsOf(idInput, req.body, {
      properties: z.array(z.string()).optional(),
      propertiesWithHistory: z.array(z.string()).optional(),
      idProperty: z.string().optional(),
    });
    const history = historyBodyParam(body.propertiesWithHistory as string[] | undefined);
    if (history) assertHistoryBatchSize(body.inputs.length);
    const archived = archivedParam(req);
    const idProperty = body.idProperty as string | undefined;
    const requested = body.properties as string[] | undefined;
    const found = new Map<string, CrmRecord>();
    const missing: string[] = [];
    for (const { id } of body.inputs) {
      const record = findRecord(portal, type, id, idProperty);
      if (record && record.archived === archived) found.set(record.id, record);
      else if (!missing.includes(id)) missing.push(id);
    }
    const results = [...found.values()].map((record) => {
      const selected = selectProperties(portal, type, record, requested);
      if (!history) return toPublicObject(record, selected);
      return {
        ...toPublicObject(record, withCurrentValues(portal, type, record, selected, history)),
        propertiesWithHistory: propertiesWithHistory(record, history),
      };
    });
    res.status(missing.length > 0 ? 207 : 200).json(batchBody(startedAt, results, missing, type));
  });

  router.post(path('create'), ...guard(writeScope), (req, res) => {
    const startedAt = new Date();
    const caller = callerOf(res);
    const type = objectTypeParam(req.params.objectType);
    const { inputs } = inputsOf(createInput, req.body);
    const created = createRecords(caller, type, inputs);
    const results = created.map((record) =>
      toPublicObject(record, selectProperties(caller.portal, type, record, Object.keys(record.properties))),
    );
    res.status(201).json(batchBody(startedAt, results, [], type));
  });

  router.post(path('update'), ...guard(writeScope), (req, res) => {
    const startedAt = new Date();
    const caller = callerOf(res);
    const portal = portalOf(caller);
    const type = objectTypeParam(req.params.objectType);
    const { inputs } = inputsOf(updateInput, req.body);
    assertDistinctIds(inputs);
    const targets = inputs.map((input) => {
      const record = findRecord(portal, type, input.id, input.idProperty);
      return record && !record.archived ? record : undefined;
    });
    const missing = inputs.filter((_input, index) => !targets[index]).map((input) => input.id);
    // Every value is checked before anything is written, so a bad input leaves the batch undone.
    const checked = inputs.map((input) => checkPropertyValues(portal, type, input.properties));
    assertUniqueValues(
      portal,
      type,
      checked.flatMap((values, index) => {
        const record = targets[index];
        return record ? [{ values, selfId: record.id }] : [];
      }),
    );
    const updated = inputs.flatMap((input, index) => {
      const record = targets[index];
      return record ? [updateRecord(caller, type, record, input.properties)] : [];
    });
    const results = updated.map((record) =>
      toPublicObject(record, selectProperties(portal, type, record, Object.keys(record.properties))),
    );
    res.status(missing.length > 0 ? 207 : 200).json(batchBody(startedAt, results, missing, type));
  });

  router.post(path('upsert'), ...guard(writeScope), (req, res) => {
    const startedAt = new Date();
    const caller = callerOf(res);
    const type = objectTypeParam(req.params.objectType);
    const { inputs } = inputsOf(upsertInput, req.body);
    const results = upsertRecords(caller, type, inputs).map(({ record, created }) => ({
      ...toPublicObject(
        record,
        selectProperties(caller.portal, type, record, Object.keys(record.properties)),
      ),
      new: created,
    }));
    res.status(200).json(batchBody(startedAt, results, [], type));
  });

  router.post(path('archive'), ...guard(writeScope), (req, res) => {
    const caller = callerOf(res);
    const portal = portalOf(caller);
    const type = objectTypeParam(req.params.objectType);
    const { inputs } = inputsOf(idInput, req.body);
    for (const { id } of inputs) {
      if (portal.recordsOf(type).has(id))
        portal.archiveRecord(type, id, caller.store.now(), String(caller.app.appId));
    }
    res.status(204).end();
  });

  return router;
}
