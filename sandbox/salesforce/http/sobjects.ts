/**
 * The sObject resources under `/services/data/vNN.N/sobjects`: describe global and describe (per
 * the caller's field-level security), one record read (`?fields=`), create (201
 * `{id, success, errors}`), update (204) and delete (204), upsert by an External ID field
 * (`PATCH …/{T}/{field}/{value}`, see ./upsert.ts), and the replication lists
 * `…/updated/?start=&end=` (`{ids, latestDateCovered}`) and `…/deleted/?start=&end=`
 * (`{deletedRecords, earliestDateAvailable, latestDateCovered}`), which reach back 30 days.
 */
import express, { type Response } from 'express';
import { z } from 'zod';
import { parseDatetime } from '../field-values.js';
import { formatDateTime, wireValue } from '../soql/index.js';
import { SalesforceApiError, type SfObjectSchema, type SfRecord } from '../types.js';
import { describeObject, objectSummary } from './describe.js';
import { notFound, parseOrThrow } from './errors.js';
import { callerOf, type RestCaller } from './guard.js';
import { writeOne, type WriteContext } from './record-writes.js';
import { upsertByExternalId } from './upsert.js';

const DAY_MS = 86_400_000;
/** How far back `updated` and `deleted` reach, as in Salesforce. */
const REPLICATION_DAYS = 30;
/** How long deleted records stay in the recycle bin. */
const RECYCLE_BIN_DAYS = 15;

export const recordBody = z.record(z.string(), z.unknown(), {
  error: 'The request body must be a JSON object of field names and values.',
});

const fieldsParam = z.object({
  fields: z
    .string()
    .regex(
      /^\s*[A-Za-z0-9_.]+(\s*,\s*[A-Za-z0-9_.]+)*\s*$/,
      'fields must be a comma-separated list of field names',
    )
    .optional(),
});

const replicationParams = z.object({
  start: z.string({ error: 'start is required' }),
  end: z.string({ error: 'end is required' }),
});

function replicationError(message: string): SalesforceApiError {
  return new SalesforceApiError(400, 'INVALID_REPLICATION_DATE', message);
}

/** The object type as the caller sees it, or 404. */
export function visibleSchema(caller: RestCaller, sobject: string): SfObjectSchema {
  const schema = caller.source.schema(sobject);
  if (!schema) throw notFound();
  return schema;
}

/** A record as `GET sobjects/{T}/{id}` serves it: `attributes`, then the fields in describe order. */
export function wireRecord(
  record: SfRecord,
  schema: SfObjectSchema,
  version: string,
  only?: string[],
): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    attributes: { type: schema.name, url: `/services/data/v${version}/sobjects/${schema.name}/${record.Id}` },
  };
  const wanted = only ? new Set(only.map((name) => name.toLowerCase())) : undefined;
  for (const field of schema.fields) {
    if (wanted && !wanted.has(field.name.toLowerCase())) continue;
    wire[field.name] = wireValue(field, record.fields[field.name] ?? null);
  }
  return wire;
}

/** The fields a `?fields=` list names, each checked against what the caller may see. */
export function requestedFields(schema: SfObjectSchema, list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!schema.fields.some((field) => field.name.toLowerCase() === name.toLowerCase())) {
      throw new SalesforceApiError(
        400,
        'INVALID_FIELD',
        `No such column '${name}' on entity '${schema.name}'. If you are attempting to use a custom field, be sure ` +
          "to append the '__c' after the custom field name. Please reference your WSDL or the describe call for " +
          'the appropriate names.',
      );
    }
  }
  return names;
}

function replicationWindow(query: unknown, now: Date): { start: Date; end: Date; latestDateCovered: Date } {
  const params = parseOrThrow(replicationParams, query, 'INVALID_REPLICATION_DATE');
  const start = parseDatetime(params.start);
  const end = parseDatetime(params.end);
  if (!start) throw replicationError(`Invalid startDate: ${params.start}`);
  if (!end) throw replicationError(`Invalid endDate: ${params.end}`);
  if (end.getTime() <= start.getTime())
    throw replicationError('EndDate must chronologically follow the StartDate');
  if (start.getTime() < now.getTime() - REPLICATION_DAYS * DAY_MS) {
    throw replicationError(`startDate cannot be more than ${REPLICATION_DAYS} days ago`);
  }
  const covered = Math.min(end.getTime(), now.getTime());
  return { start, end, latestDateCovered: new Date(covered - (covered % 60_000)) };
}

export interface SobjectsDeps {
  writeContext(res: Response): WriteContext;
  now(): Date;
}

export function createSobjectsRouter({ writeContext, now }: SobjectsDeps): express.Router {
  const router = express.Router({ mergeParams: true });

  router.get('/sobjects', (_req, res) => {
    const caller = callerOf(res);
    const sobjects = caller.org
      .objectNames()
      .map((name) => caller.source.schema(name))
      .filter((schema): schema is SfObjectSchema => schema !== undefined)
      .map((schema) => objectSummary(schema, caller.version));
    res.json({ encoding: 'UTF-8', maxBatchSize: 200, sobjects });
  });

  router.get('/sobjects/:sobject', (req, res) => {
    const caller = callerOf(res);
    res.json({
      objectDescribe: objectSummary(visibleSchema(caller, String(req.params.sobject)), caller.version),
      recentItems: [],
    });
  });

  router.get('/sobjects/:sobject/describe', (req, res) => {
    const caller = callerOf(res);
    const schema = visibleSchema(caller, String(req.params.sobject));
    res.json(describeObject(caller.org, schema, caller.user.Id, caller.version));
  });

  router.get('/sobjects/:sobject/updated', (req, res) => {
    const caller = callerOf(res);
    const schema = visibleSchema(caller, String(req.params.sobject));
    const window = replicationWindow(req.query, now());
    res.json({
      ids: caller.org.updatedIds(schema.name, window.start, window.end),
      latestDateCovered: formatDateTime(window.latestDateCovered),
    });
  });

  router.get('/sobjects/:sobject/deleted', (req, res) => {
    const caller = callerOf(res);
    const schema = visibleSchema(caller, String(req.params.sobject));
    const at = now();
    const window = replicationWindow(req.query, at);
    const earliest = at.getTime() - RECYCLE_BIN_DAYS * DAY_MS;
    res.json({
      deletedRecords: caller.org
        .deletedRecords(schema.name, window.start, window.end)
        .map(({ id, deletedDate }) => ({ id, deletedDate: formatDateTime(deletedDate) })),
      earliestDateAvailable: formatDateTime(new Date(earliest - (earliest % 60_000))),
      latestDateCovered: formatDateTime(window.latestDateCovered),
    });
  });

  router.get('/sobjects/:sobject/:id', (req, res) => {
    const caller = callerOf(res);
    const schema = visibleSchema(caller, String(req.params.sobject));
    const only = requestedFields(schema, parseOrThrow(fieldsParam, req.query, 'INVALID_FIELD').fields);
    const record = caller.org.retrieve(schema.name, String(req.params.id));
    res.json(wireRecord(record, schema, caller.version, only));
  });

  router.post('/sobjects/:sobject', (req, res) => {
    const caller = callerOf(res);
    const schema = visibleSchema(caller, String(req.params.sobject));
    const values = parseOrThrow(recordBody, req.body);
    const record = writeOne(writeContext(res), { op: 'create', sobject: schema.name, values });
    res.status(201).json({ id: record.Id, success: true, errors: [] });
  });

  router.patch('/sobjects/:sobject/:id', (req, res) => {
    const caller = callerOf(res);
    const schema = visibleSchema(caller, String(req.params.sobject));
    const values = parseOrThrow(recordBody, req.body);
    writeOne(writeContext(res), { op: 'update', sobject: schema.name, id: String(req.params.id), values });
    res.status(204).end();
  });

  router.patch('/sobjects/:sobject/:field/:value', (req, res) => {
    const caller = callerOf(res);
    const schema = visibleSchema(caller, String(req.params.sobject));
    const values = parseOrThrow(recordBody, req.body);
    const answer = upsertByExternalId(writeContext(res), caller, schema, {
      field: String(req.params.field),
      value: String(req.params.value),
      values,
    });
    res.status(answer.status).json(answer.body);
  });

  router.delete('/sobjects/:sobject/:id', (req, res) => {
    const caller = callerOf(res);
    const schema = visibleSchema(caller, String(req.params.sobject));
    const record = caller.org.retrieve(schema.name, String(req.params.id));
    writeOne(writeContext(res), { op: 'delete', id: record.Id });
    res.status(204).end();
  });

  return router;
}
