/**
 * Running a query against an org: parse, resolve every name against the describe (so a wrong
 * name fails before any record is read), scan the object's records once through the compiled
 * WHERE, sort, window with OFFSET and LIMIT, and shape the window for the wire.
 */
import type { SfObjectSchema, SfRecord, SoqlSource } from '../types.js';
import type { FieldRef } from './ast.js';
import { queryError, unknownObject } from './errors.js';
import { resolveField, type ResolvedField } from './fields.js';
import { compileOrder, sortRecords } from './order.js';
import { parseSoql } from './parse.js';
import { compileCondition } from './predicate.js';
import { buildProjection, toWireRecord, type SoqlResult } from './wire.js';

/** The largest OFFSET Salesforce accepts. */
export const MAX_OFFSET = 2000;

export interface RunOptions {
  /** queryAll: include deleted records (IsDeleted true). */
  includeDeleted: boolean;
  /** The REST version the records' `attributes.url` names, e.g. `64.0`. */
  apiVersion: string;
  /** The moment `TODAY`, `YESTERDAY` and `LAST_N_DAYS:n` are counted from (UTC days). */
  now: Date;
}

export function runSoql(soql: string, source: SoqlSource, options: RunOptions): SoqlResult {
  const query = parseSoql(soql);
  const schema = source.schema(query.from.name);
  if (!schema) throw unknownObject(soql, query.from.start, query.from.name);
  const selected =
    query.select.kind === 'fields' ? selectedFields(query.select.fields, schema, source, soql) : [];
  const matches = query.where
    ? compileCondition(query.where, { text: soql, schema, source, now: options.now })
    : () => true;
  const order = compileOrder(query.orderBy, schema, source, soql);
  if (query.offset && query.offset.value > MAX_OFFSET) {
    throw queryError(
      soql,
      query.offset.start,
      'NUMBER_OUTSIDE_VALID_RANGE',
      `Maximum SOQL offset allowed is ${MAX_OFFSET}`,
    );
  }
  const offset = query.offset?.value ?? 0;
  const limit = query.limit ?? Infinity;

  const kept = (record: SfRecord) =>
    (options.includeDeleted || record.fields.IsDeleted !== true) && matches(record);

  if (query.select.kind === 'count') {
    let count = 0;
    for (const record of source.records(schema.name)) if (kept(record)) count++;
    return {
      records: [],
      totalSize: Math.min(Math.max(count - offset, 0), limit),
      columns: [],
      columnTypes: [],
    };
  }

  // Without ORDER BY the first OFFSET + LIMIT matches are the answer, so the scan stops there.
  const enough = order.length === 0 ? offset + limit : Infinity;
  let found: SfRecord[] = [];
  if (enough > 0) {
    for (const record of source.records(schema.name)) {
      if (!kept(record)) continue;
      found.push(record);
      if (found.length >= enough) break;
    }
  }
  if (order.length > 0) found = sortRecords(found, order);
  const window = found.slice(offset, offset + limit);
  const projection = buildProjection(selected);
  const urlBase = `/services/data/v${options.apiVersion}/sobjects/`;
  const records = window.map((record) => toWireRecord(record, projection, source, urlBase));
  return {
    records,
    totalSize: records.length,
    columns: selected.map((field) => field.column),
    columnTypes: selected.map((field) => field.field.type),
  };
}

/** The SELECT list resolved; a field named twice is refused, as Salesforce does. */
function selectedFields(
  refs: FieldRef[],
  schema: SfObjectSchema,
  source: SoqlSource,
  text: string,
): ResolvedField[] {
  const seen = new Set<string>();
  return refs.map((ref) => {
    const resolved = resolveField(ref, schema, source, text);
    const key = resolved.column.toLowerCase();
    if (seen.has(key)) {
      throw queryError(text, ref.start, 'INVALID_FIELD', `duplicate field selected: ${resolved.column}`);
    }
    seen.add(key);
    return resolved;
  });
}
