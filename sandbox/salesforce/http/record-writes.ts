/**
 * Record writes as the REST API makes them, one record or a collection: each goes through the
 * org's own checks as the token's user, may meet an injected `UNABLE_TO_LOCK_ROW`, and is logged
 * with the caller's `Sforce-Call-Options` client. A collection answers per record
 * (`{id, success, errors: [{statusCode, message, fields}]}`); with `allOrNone`, one failure fails
 * every record and nothing is written: the others answer `ALL_OR_NONE_OPERATION_ROLLED_BACK`.
 */
import { parseFieldValue } from '../field-values.js';
import type { SalesforceFaults } from '../faults.js';
import { normalizeId } from '../ids.js';
import type { SalesforceOrg } from '../store.js';
import { SalesforceApiError, type SfRecord, type SfValue } from '../types.js';
import type { WriteLog } from './write-log.js';

export type RowWrite =
  | { op: 'create'; sobject: string; values: Record<string, unknown> }
  | { op: 'update'; sobject: string; id: string; values: Record<string, unknown> }
  | { op: 'delete'; id: string }
  /** A row the request itself got wrong (no type, no id): it fails with this error. */
  | { op: 'invalid'; error: SalesforceApiError };

export interface RowError {
  statusCode: string;
  message: string;
  fields: string[];
}

export interface RowResult {
  id?: string;
  success: boolean;
  errors: RowError[];
}

export interface WriteContext {
  org: SalesforceOrg;
  userId: string;
  client: string | undefined;
  faults: SalesforceFaults;
  log: WriteLog;
  now: () => Date;
}

const ROLLED_BACK: RowError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

function rowError(error: SalesforceApiError): RowError {
  return { statusCode: error.errorCode, message: error.message, fields: [...error.fields] };
}

function lockError(id: string | undefined): SalesforceApiError {
  return new SalesforceApiError(
    400,
    'UNABLE_TO_LOCK_ROW',
    `unable to obtain exclusive access to this record or 1 records: ${id ?? ''}`.trimEnd(),
  );
}

/** The id a row names, canonical when it is a well-formed id. */
function rowId(row: RowWrite): string | undefined {
  if (row.op === 'create' || row.op === 'invalid') return undefined;
  return normalizeId(row.id) ?? row.id;
}

/** The object type of a record id, for deletes, which name ids only. */
function typeOfId(org: SalesforceOrg, id: string): string {
  const canonical = normalizeId(id);
  if (!canonical) throw new SalesforceApiError(400, 'MALFORMED_ID', `malformed id ${id}`);
  const record = org.recordIncludingDeleted(canonical);
  if (!record) throw new SalesforceApiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
  return record.type;
}

/** Writes one row through the org; throws the org's error. */
function apply(ctx: WriteContext, row: RowWrite): SfRecord | { Id: string; type: string } {
  if (row.op === 'invalid') throw row.error;
  if (ctx.faults.takeRowLock(ctx.org.orgId)) throw lockError(rowId(row));
  const options = { by: ctx.userId };
  switch (row.op) {
    case 'create':
      return ctx.org.create(row.sobject, row.values, options);
    case 'update':
      return ctx.org.update(row.sobject, row.id, row.values, options);
    case 'delete': {
      const sobject = typeOfId(ctx.org, row.id);
      ctx.org.delete(sobject, row.id, options);
      return { Id: normalizeId(row.id)!, type: sobject };
    }
  }
}

function logWrite(ctx: WriteContext, row: RowWrite, record: { Id: string; type: string }): void {
  if (row.op === 'invalid') return;
  ctx.log.record(ctx.org.orgId, {
    recordId: record.Id,
    sobject: record.type,
    operation: row.op,
    userId: ctx.userId,
    client: ctx.client ?? null,
    at: ctx.now().toISOString(),
  });
}

/** One record write for the single-record endpoints; the org's error is thrown as it is. */
export function writeOne(ctx: WriteContext, row: RowWrite): SfRecord | { Id: string; type: string } {
  const record = apply(ctx, row);
  logWrite(ctx, row, record);
  return record;
}

/**
 * The checks a write meets before the org would store anything, made without writing, so that
 * an all-or-none collection can refuse as a whole: the record exists, each named field exists and
 * the user may write it, each value fits its field, and a new record has its required fields.
 */
function precheck(ctx: WriteContext, row: RowWrite): SalesforceApiError | undefined {
  const { org, userId } = ctx;
  try {
    if (row.op === 'invalid') return row.error;
    if (row.op === 'delete') {
      const sobject = typeOfId(org, row.id);
      if (!org.byId(row.id)) throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
      if (org.fullSchema(sobject)?.deletable === false) {
        throw new SalesforceApiError(
          400,
          'INVALID_TYPE_FOR_OPERATION',
          `entity type cannot be deleted: ${sobject}`,
        );
      }
      return undefined;
    }
    const schema = org.fullSchema(row.sobject);
    if (!schema) throw new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if ((row.op === 'create' ? schema.createable : schema.updateable) === false) {
      const verb = row.op === 'create' ? 'inserted' : 'updated';
      throw new SalesforceApiError(
        400,
        'INVALID_TYPE_FOR_OPERATION',
        `entity type cannot be ${verb}: ${schema.label}`,
      );
    }
    if (row.op === 'update') {
      const record = normalizeId(row.id) ? org.recordIncludingDeleted(row.id) : undefined;
      if (!record || record.type !== schema.name) {
        throw new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      }
      if (record.fields.IsDeleted)
        throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    }
    const values: Record<string, SfValue> = {};
    const refused: string[] = [];
    for (const [name, raw] of Object.entries(row.values)) {
      if (name === 'attributes' || (row.op === 'update' && name === 'Id')) continue;
      const field = schema.fields.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
      if (!field) {
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD',
          `No such column '${name}' on sobject of type ${schema.name}`,
        );
      }
      const writable = row.op === 'create' ? field.createable : field.updateable;
      if (!writable || !org.fieldAccess(schema.name, field.name, userId).edit) refused.push(field.name);
      else values[field.name] = parseFieldValue(field, raw);
    }
    if (refused.length) {
      throw new SalesforceApiError(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${refused.join(', ')}. Please check the security settings of this field ` +
          'and verify that it is read/write for your profile or permission set.',
        refused,
      );
    }
    const required = schema.fields.filter(
      (field) =>
        !field.nillable &&
        field.type !== 'boolean' &&
        (row.op === 'create'
          ? field.createable &&
            field.name !== 'OwnerId' &&
            field.defaultValue === undefined &&
            !field.picklistValues.some((option) => option.defaultValue) &&
            (values[field.name] === undefined || values[field.name] === null)
          : values[field.name] === null),
    );
    if (required.length) {
      const names = required.map((field) => field.name);
      throw new SalesforceApiError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${names.join(', ')}]`,
        names,
      );
    }
    return undefined;
  } catch (error) {
    if (error instanceof SalesforceApiError) return error;
    throw error;
  }
}

/** What a failed row answers: creates carry no id, updates and deletes their own. */
function failed(row: RowWrite, errors: RowError[]): RowResult {
  const id = rowId(row);
  return id === undefined ? { success: false, errors } : { id, success: false, errors };
}

/** Every row refused: the ones that failed with their errors, the rest rolled back. */
function refuseAll(rows: RowWrite[], failures: Map<number, SalesforceApiError>): RowResult[] {
  return rows.map((row, index) => {
    const error = failures.get(index);
    return failed(row, [error ? rowError(error) : ROLLED_BACK]);
  });
}

/**
 * Writes a collection. Without `allOrNone` each row stands alone. With it, rows are checked first
 * and written only when every one passes. A row the org still refuses then (a duplicate name, a
 * reference to a missing record) has the rows written before it undone as far as the org allows:
 * updated and deleted records get their former fields back, created records are deleted (and so
 * remain visible to queryAll).
 */
export function writeRows(ctx: WriteContext, rows: RowWrite[], allOrNone: boolean): RowResult[] {
  if (!allOrNone) {
    return rows.map((row) => {
      try {
        const record = writeOne(ctx, row);
        return { id: record.Id, success: true, errors: [] };
      } catch (error) {
        if (error instanceof SalesforceApiError) return failed(row, [rowError(error)]);
        throw error;
      }
    });
  }

  const failures = new Map<number, SalesforceApiError>();
  rows.forEach((row, index) => {
    const error = precheck(ctx, row);
    if (error) failures.set(index, error);
  });
  if (failures.size === 0) {
    rows.forEach((row, index) => {
      if (ctx.faults.takeRowLock(ctx.org.orgId)) failures.set(index, lockError(rowId(row)));
    });
  }
  if (failures.size) return refuseAll(rows, failures);

  const undo: (() => void)[] = [];
  const written: { row: RowWrite; record: { Id: string; type: string } }[] = [];
  for (const [index, row] of rows.entries()) {
    if (row.op === 'invalid') return refuseAll(rows, new Map([[index, row.error]]));
    const before = row.op === 'create' ? undefined : ctx.org.recordIncludingDeleted(row.id);
    const snapshot = before ? { ...before.fields } : undefined;
    try {
      const options = { by: ctx.userId };
      let record: { Id: string; type: string };
      if (row.op === 'create') record = ctx.org.create(row.sobject, row.values, options);
      else if (row.op === 'update') record = ctx.org.update(row.sobject, row.id, row.values, options);
      else {
        ctx.org.delete(typeOfId(ctx.org, row.id), row.id, options);
        record = before!;
      }
      written.push({ row, record });
      undo.push(
        row.op === 'create'
          ? () => ctx.org.delete(record.type, record.Id)
          : () => Object.assign(before!.fields, snapshot),
      );
    } catch (error) {
      if (!(error instanceof SalesforceApiError)) throw error;
      for (const step of undo.reverse()) step();
      return refuseAll(rows, new Map([[index, error]]));
    }
  }
  for (const { row, record } of written) logWrite(ctx, row, record);
  return written.map(({ record }) => ({ id: record.Id, success: true, errors: [] }));
}
