/**
 * sObject Collections under `/services/data/vNN.N/composite/sobjects`: create (`POST`), update
 * (`PATCH`) and delete (`DELETE ?ids=…&allOrNone=`) of up to 200 records in one call, each
 * answering `{id, success, errors}` in request order, and retrieve (`POST …/{T}` with
 * `{ids, fields}`). More than 200 records is 400 `EXCEEDED_ID_LIMIT`.
 */
import express, { type Response } from 'express';
import { z } from 'zod';
import { SalesforceApiError } from '../types.js';
import { parseOrThrow } from './errors.js';
import { callerOf } from './guard.js';
import { writeRows, type RowWrite, type WriteContext } from './record-writes.js';
import { requestedFields, visibleSchema, wireRecord } from './sobjects.js';

export const MAX_COLLECTION_RECORDS = 200;
const MAX_RETRIEVE_IDS = 2000;

const collectionBody = z.object({
  allOrNone: z.boolean().optional(),
  records: z.array(z.record(z.string(), z.unknown()), { error: 'records must be an array of records' }),
});

const retrieveBody = z.object({
  ids: z.array(z.string()).min(1).max(MAX_RETRIEVE_IDS),
  fields: z.array(z.string().regex(/^[A-Za-z0-9_.]+$/)).min(1),
});

const deleteParams = z.object({
  ids: z.string({ error: 'ids is required' }).min(1, 'ids is required'),
  allOrNone: z.enum(['true', 'false']).optional(),
});

function tooMany(): SalesforceApiError {
  return new SalesforceApiError(
    400,
    'EXCEEDED_ID_LIMIT',
    `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`,
  );
}

/** The object type a collection record names in `attributes.type`. */
function typeOf(record: Record<string, unknown>): string | undefined {
  const attributes = record.attributes;
  if (attributes === null || typeof attributes !== 'object') return undefined;
  const type = (attributes as Record<string, unknown>).type;
  return typeof type === 'string' && type !== '' ? type : undefined;
}

function withoutKeys(record: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}

function noType(): SalesforceApiError {
  return new SalesforceApiError(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
}

export function createCompositeRouter(writeContext: (res: Response) => WriteContext): express.Router {
  const router = express.Router({ mergeParams: true });

  router.post('/composite/sobjects', (req, res) => {
    const body = parseOrThrow(collectionBody, req.body ?? {});
    if (body.records.length > MAX_COLLECTION_RECORDS) throw tooMany();
    const rows = body.records.map((record): RowWrite => {
      const sobject = typeOf(record);
      if (!sobject) return { op: 'invalid', error: noType() };
      if (record.id !== undefined || record.Id !== undefined) {
        return {
          op: 'invalid',
          error: new SalesforceApiError(400, 'INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']),
        };
      }
      return { op: 'create', sobject, values: withoutKeys(record, ['attributes']) };
    });
    res.json(writeRows(writeContext(res), rows, body.allOrNone ?? false));
  });

  router.patch('/composite/sobjects', (req, res) => {
    const body = parseOrThrow(collectionBody, req.body ?? {});
    if (body.records.length > MAX_COLLECTION_RECORDS) throw tooMany();
    const rows = body.records.map((record): RowWrite => {
      const sobject = typeOf(record);
      const id = record.id ?? record.Id;
      if (!sobject) return { op: 'invalid', error: noType() };
      if (typeof id !== 'string' || id === '') {
        return {
          op: 'invalid',
          error: new SalesforceApiError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call'),
        };
      }
      return { op: 'update', sobject, id, values: withoutKeys(record, ['attributes', 'id', 'Id']) };
    });
    res.json(writeRows(writeContext(res), rows, body.allOrNone ?? false));
  });

  router.delete('/composite/sobjects', (req, res) => {
    const params = parseOrThrow(deleteParams, req.query, 'MISSING_ARGUMENT');
    const ids = params.ids.split(',').map((id) => id.trim());
    if (ids.length > MAX_COLLECTION_RECORDS) throw tooMany();
    const rows = ids.map((id): RowWrite => ({ op: 'delete', id }));
    res.json(writeRows(writeContext(res), rows, params.allOrNone === 'true'));
  });

  router.post('/composite/sobjects/:sobject', (req, res) => {
    const caller = callerOf(res);
    const schema = visibleSchema(caller, String(req.params.sobject));
    const body = parseOrThrow(retrieveBody, req.body ?? {});
    const fields = requestedFields(schema, body.fields.join(','));
    res.json(
      body.ids.map((id) => {
        const record = caller.org.byId(id);
        return record && record.type === schema.name
          ? wireRecord(record, schema, caller.version, fields)
          : null;
      }),
    );
  });

  return router;
}
