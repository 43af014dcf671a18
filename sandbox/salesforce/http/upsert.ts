/**
 * Upsert by an External ID (`PATCH sobjects/{T}/{field}/{value}`), as Salesforce's REST API does
 * it: no record holds the value → one is created with it (201 `{id, success, errors, created:
 * true}`); one does → it is updated with the body (200 with `created: false`, as from API version
 * 46.0, the oldest the sandbox serves being 50.0); several do → 300 with their URLs, and nothing is
 * written. A field the caller cannot
 * see is 404 `NOT_FOUND`; one that is not an External ID is 400 `INVALID_FIELD`.
 */
import { SalesforceApiError, type SfObjectSchema, type SfRecord } from '../types.js';
import { notFound } from './errors.js';
import type { RestCaller } from './guard.js';
import { writeOne, type WriteContext } from './record-writes.js';

export interface UpsertRequest {
  field: string;
  value: string;
  values: Record<string, unknown>;
}

export type UpsertAnswer =
  | { status: 200 | 201; body: { id: string; success: true; errors: []; created: boolean } }
  | { status: 300; body: string[] };

function matches(record: SfRecord, field: string, value: string, caseSensitive: boolean): boolean {
  const held = record.fields[field];
  if (typeof held !== 'string' && typeof held !== 'number') return false;
  return caseSensitive ? String(held) === value : String(held).toLowerCase() === value.toLowerCase();
}

export function upsertByExternalId(
  ctx: WriteContext,
  caller: RestCaller,
  schema: SfObjectSchema,
  request: UpsertRequest,
): UpsertAnswer {
  const field = schema.fields.find(
    (candidate) => candidate.name.toLowerCase() === request.field.toLowerCase(),
  );
  if (!field) throw notFound();
  if (!field.externalId) {
    throw new SalesforceApiError(
      400,
      'INVALID_FIELD',
      `Field name provided, ${field.name} is not an External ID or indexed field for ${schema.name}`,
    );
  }
  const named = Object.keys(request.values).find((name) => name.toLowerCase() === field.name.toLowerCase());
  const values = { ...request.values };
  if (named !== undefined) {
    if (String(values[named]) !== request.value) {
      throw new SalesforceApiError(
        400,
        'INVALID_FIELD',
        `The body sets ${field.name} to a value other than the one the URL names.`,
        [field.name],
      );
    }
    delete values[named];
  }
  const found = [...caller.org.records(schema.name)].filter(
    (record) =>
      record.fields.IsDeleted !== true &&
      matches(record, field.name, request.value, field.caseSensitive ?? false),
  );
  if (found.length > 1) {
    return {
      status: 300,
      body: found.map((record) => `/services/data/v${caller.version}/sobjects/${schema.name}/${record.Id}`),
    };
  }
  const existing = found[0];
  if (!existing) {
    const record = writeOne(ctx, {
      op: 'create',
      sobject: schema.name,
      values: { ...values, [field.name]: request.value },
    });
    return { status: 201, body: { id: record.Id, success: true, errors: [], created: true } };
  }
  writeOne(ctx, { op: 'update', sobject: schema.name, id: existing.Id, values });
  return { status: 200, body: { id: existing.Id, success: true, errors: [], created: false } };
}
