/**
 * Reading and writing Salesforce records for the connector: keyset-paged queries (by Id for a
 * full read, by SystemModstamp then Id for changes), reads by id, lookups as associations, and
 * composite writes of up to 200 records a call.
 */
import type { Connection } from 'jsforce';
import { z } from 'zod';
import type {
  BatchUpdateResult,
  ChangedPage,
  CrmObjectType,
  CrmRecord,
  ListOptions,
  ModifiedSinceOptions,
  Page,
  PropertyValueChange,
} from '../connector.js';
import { CrmRequestError } from '../errors.js';
import { BULK_THRESHOLD, bulkPage, isBulkCursor, startBulkExport, type BulkPage } from './bulk-export.js';
import { SALESFORCE_OBJECTS } from './records.js';
import type { SalesforceRequester } from './requester.js';
import { dateTimeLiteral, field, idList, idLiteral, stringLiteral } from './soql.js';

/** Records a query page holds (Salesforce's largest REST page). */
export const QUERY_PAGE = 2000;
/** Ids a read by id names in one query (keeps the URL well under Salesforce's 16,000 characters). */
export const READ_BATCH = 200;
/** Records one composite call writes (Salesforce's limit). */
export const WRITE_BATCH = 200;
/** Times a record Salesforce could not lock is sent again. */
const LOCK_RETRIES = 3;

const SYSTEM = ['Id', 'IsDeleted', 'CreatedDate', 'SystemModstamp'];

const queryAnswer = z.object({
  totalSize: z.number(),
  done: z.boolean(),
  records: z.array(z.record(z.string(), z.unknown())),
});

const saveResults = z.array(
  z.object({
    id: z.string().nullish(),
    success: z.boolean(),
    errors: z
      .array(
        z
          .object({
            statusCode: z.string().optional(),
            errorCode: z.string().optional(),
            message: z.string(),
          })
          .passthrough(),
      )
      .default([]),
  }),
);

type Row = Record<string, unknown>;

/** A query answer's value as the connector's property strings. */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A row's fields, parents flattened (`Activity.WhoId`), `attributes` left out. */
function flatten(
  row: Row,
  prefix = '',
  into: Record<string, string | null> = {},
): Record<string, string | null> {
  for (const [key, value] of Object.entries(row)) {
    if (key === 'attributes') continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      flatten(value as Row, `${prefix}${key}.`, into);
    } else {
      into[`${prefix}${key}`] = text(value);
    }
  }
  return into;
}

function toRecord(type: CrmObjectType, row: Row, withAssociations: boolean): CrmRecord {
  return fromProperties(type, flatten(row), withAssociations);
}

/** A record from its fields as strings, parents flattened (a query answer's, or a Bulk CSV row). */
function fromProperties(
  type: CrmObjectType,
  properties: Record<string, string | null>,
  withAssociations: boolean,
): CrmRecord {
  const record: CrmRecord = {
    id: String(properties.Id),
    properties,
    createdAt: properties.CreatedDate ?? '',
    updatedAt: properties.SystemModstamp ?? properties.CreatedDate ?? '',
    archived: properties.IsDeleted === 'true',
  };
  if (withAssociations) {
    const associations: NonNullable<CrmRecord['associations']> = {};
    for (const [other, lookup] of Object.entries(SALESFORCE_OBJECTS[type].lookups)) {
      const id = properties[lookup];
      associations[other as CrmObjectType] = id ? [id] : [];
    }
    record.associations = associations;
  }
  return record;
}

function selectList(type: CrmObjectType, properties: readonly string[]): string {
  const lookups = Object.values(SALESFORCE_OBJECTS[type].lookups);
  return [...new Set([...SYSTEM, ...properties, ...lookups])].map(field).join(', ');
}

/** A query's first page of records (all of them, under a LIMIT of at most 2,000). */
export async function query(
  requester: SalesforceRequester,
  portalId: number,
  soql: string,
  options: { all?: boolean } = {},
): Promise<Row[]> {
  return (await queryWithTotal(requester, portalId, soql, options)).records;
}

/** A query's first page, and how many records match in all (`totalSize`). */
async function queryWithTotal(
  requester: SalesforceRequester,
  portalId: number,
  soql: string,
  options: { all?: boolean } = {},
): Promise<{ records: Row[]; totalSize: number }> {
  const resource = options.all ? 'queryAll' : 'query';
  const answer = await requester.call(portalId, (conn: Connection) =>
    conn.request({
      method: 'GET',
      url: `/services/data/v${requester.apiVersion}/${resource}?q=${encodeURIComponent(soql)}`,
    }),
  );
  const page = queryAnswer.parse(answer);
  return { records: page.records.slice(0, QUERY_PAGE), totalSize: page.totalSize };
}

/**
 * One page of a full read. Objects above `bulkThreshold` records are read through a Bulk API 2.0
 * job (its cursor names the job's page); the others by Id, 2,000 records a query.
 */
export async function listPage(
  requester: SalesforceRequester,
  portalId: number,
  type: CrmObjectType,
  options: ListOptions,
  bulkThreshold: number = BULK_THRESHOLD,
): Promise<Page<CrmRecord>> {
  const { sobject } = SALESFORCE_OBJECTS[type];
  const withAssociations = (options.associations?.length ?? 0) > 0;
  const fromBulk = (page: BulkPage): Page<CrmRecord> => ({
    results: page.rows.map((row) => fromProperties(type, row, withAssociations)),
    ...(page.next ? { next: page.next } : {}),
  });
  if (isBulkCursor(options.after)) return fromBulk(await bulkPage(requester, portalId, options.after!));
  if (!options.after && !options.archived) {
    // The first page is queried without a LIMIT, so its answer also says how many records there
    // are; a big object's remaining records then come from one Bulk API 2.0 job.
    const first = await queryWithTotal(
      requester,
      portalId,
      `SELECT ${selectList(type, options.properties)} FROM ${sobject} ORDER BY Id`,
    );
    const results = first.records.map((row) => toRecord(type, row, withAssociations));
    const last = results.at(-1);
    if (first.totalSize <= results.length || !last) return { results };
    if (first.totalSize <= bulkThreshold) return { results, next: last.id };
    const rest = await startBulkExport(
      requester,
      portalId,
      `SELECT ${selectList(type, options.properties)} FROM ${sobject} WHERE Id > ${idLiteral(last.id)}`,
    );
    return { results: [...results, ...fromBulk(rest).results], ...(rest.next ? { next: rest.next } : {}) };
  }
  const where = [
    options.archived ? 'IsDeleted = true' : null,
    options.after ? `Id > ${idLiteral(options.after)}` : null,
  ]
    .filter(Boolean)
    .join(' AND ');
  const soql =
    `SELECT ${selectList(type, options.properties)} FROM ${sobject}` +
    (where ? ` WHERE ${where}` : '') +
    ` ORDER BY Id LIMIT ${QUERY_PAGE}`;
  const rows = await query(requester, portalId, soql, { all: options.archived === true });
  const results = rows.map((row) => toRecord(type, row, withAssociations));
  const last = results.at(-1);
  return { results, ...(results.length === QUERY_PAGE && last ? { next: last.id } : {}) };
}

/** A changes cursor: the SystemModstamp and Id of the last record of a page. */
const cursorSchema = z.tuple([z.iso.datetime(), z.string().regex(/^[A-Za-z0-9]{15,18}$/)]);

export async function modifiedSincePage(
  requester: SalesforceRequester,
  portalId: number,
  type: CrmObjectType,
  options: ModifiedSinceOptions,
): Promise<ChangedPage> {
  const { sobject } = SALESFORCE_OBJECTS[type];
  let where = `SystemModstamp >= ${dateTimeLiteral(options.since)}`;
  if (options.after) {
    const parsed = cursorSchema.safeParse(options.after.split('~'));
    if (!parsed.success) throw new CrmRequestError(400, `Not a changes cursor: ${options.after}`);
    const [at, id] = parsed.data;
    const stamp = dateTimeLiteral(new Date(at));
    // Records sharing a SystemModstamp are told apart by Id, so a page end inside a tie loses none.
    where += ` AND (SystemModstamp > ${stamp} OR (SystemModstamp = ${stamp} AND Id > ${idLiteral(id)}))`;
  }
  const soql = `SELECT ${selectList(type, options.properties)} FROM ${sobject} WHERE ${where} ORDER BY SystemModstamp, Id LIMIT ${QUERY_PAGE}`;
  const results = (await query(requester, portalId, soql)).map((row) => toRecord(type, row, false));
  const last = results.at(-1);
  const next =
    results.length === QUERY_PAGE && last
      ? `${new Date(last.updatedAt).toISOString()}~${last.id}`
      : undefined;
  return { results, ...(next ? { next } : {}) };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function batchRead(
  requester: SalesforceRequester,
  portalId: number,
  type: CrmObjectType,
  ids: string[],
  properties: string[],
  options: { propertiesWithHistory?: string[] } = {},
): Promise<CrmRecord[]> {
  const { sobject } = SALESFORCE_OBJECTS[type];
  const records: CrmRecord[] = [];
  for (const chunk of chunks([...new Set(ids)], READ_BATCH)) {
    const soql = `SELECT ${selectList(type, properties)} FROM ${sobject} WHERE Id IN ${idList(chunk)}`;
    const read = (await query(requester, portalId, soql)).map((row) => toRecord(type, row, false));
    const history = options.propertiesWithHistory ?? [];
    if (type === 'contacts' && history.length > 0 && read.length > 0) {
      const changes = await contactHistory(requester, portalId, read, history);
      for (const record of read) record.propertiesWithHistory = changes.get(record.id) ?? {};
    }
    records.push(...read);
  }
  return records;
}

/**
 * Each contact's values of the tracked fields over time, newest first, from ContactHistory. The
 * value a contact was created with is not a history row: it is the oldest change's old value (or
 * today's value when nothing changed), dated at the contact's creation.
 */
async function contactHistory(
  requester: SalesforceRequester,
  portalId: number,
  contacts: CrmRecord[],
  fields: string[],
): Promise<Map<string, Record<string, PropertyValueChange[]>>> {
  const soql =
    `SELECT ContactId, Field, OldValue, NewValue, CreatedDate FROM ContactHistory ` +
    `WHERE ContactId IN ${idList(contacts.map((c) => c.id))} AND Field IN (${fields.map((f) => stringLiteral(field(f))).join(',')}) ` +
    `ORDER BY CreatedDate`;
  const rows = await query(requester, portalId, soql);
  const byContact = new Map<string, Row[]>();
  for (const row of rows) {
    const id = String(row.ContactId);
    byContact.set(id, [...(byContact.get(id) ?? []), row]);
  }
  const out = new Map<string, Record<string, PropertyValueChange[]>>();
  for (const contact of contacts) {
    const history: Record<string, PropertyValueChange[]> = {};
    for (const name of fields) {
      const changes = (byContact.get(contact.id) ?? []).filter((r) => r.Field === name);
      const first = changes[0];
      const initial = first ? text(first.OldValue) : (contact.properties[name] ?? null);
      const values: PropertyValueChange[] = [{ value: initial, timestamp: contact.createdAt }];
      for (const change of changes)
        values.push({ value: text(change.NewValue), timestamp: String(change.CreatedDate) });
      history[name] = values.reverse();
    }
    out.set(contact.id, history);
  }
  return out;
}

export async function associations(
  requester: SalesforceRequester,
  portalId: number,
  from: CrmObjectType,
  to: CrmObjectType,
  fromIds: string[],
): Promise<Map<string, string[]>> {
  const { sobject, lookups } = SALESFORCE_OBJECTS[from];
  const lookup = lookups[to];
  const linked = new Map<string, string[]>();
  if (!lookup) return linked;
  for (const chunk of chunks([...new Set(fromIds)], READ_BATCH)) {
    const rows = await query(
      requester,
      portalId,
      `SELECT Id, ${field(lookup)} FROM ${sobject} WHERE Id IN ${idList(chunk)}`,
    );
    for (const row of rows) {
      const id = flatten(row)[lookup];
      linked.set(String(row.Id), id ? [id] : []);
    }
  }
  return linked;
}

export async function batchUpdate(
  requester: SalesforceRequester,
  portalId: number,
  type: CrmObjectType,
  inputs: { id: string; properties: Record<string, string> }[],
): Promise<BatchUpdateResult> {
  const { sobject } = SALESFORCE_OBJECTS[type];
  const result: BatchUpdateResult = { updated: [], failed: [] };
  for (const chunk of chunks(inputs, WRITE_BATCH)) {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const records = pending.map((input) => ({
        Id: input.id,
        ...Object.fromEntries(
          Object.entries(input.properties).map(([k, v]) => [field(k), v === '' ? null : v]),
        ),
      }));
      const answer = saveResults.parse(
        await requester.call(portalId, (conn) =>
          conn.update(sobject, records, { allOrNone: false, allowRecursive: true }),
        ),
      );
      const locked: typeof pending = [];
      answer.forEach((row, i) => {
        const input = pending[i]!;
        if (row.success) return void result.updated.push(input.id);
        // Per-record errors carry `statusCode` (jsforce's types say `errorCode`).
        const code = row.errors[0]?.statusCode ?? row.errors[0]?.errorCode ?? 'UNKNOWN';
        if (code === 'UNABLE_TO_LOCK_ROW' && attempt < LOCK_RETRIES) return void locked.push(input);
        result.failed.push({
          id: input.id,
          message: `${code}: ${row.errors.map((e) => e.message).join('; ')}`,
        });
      });
      pending = locked;
      if (locked.length > 0) await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
  return result;
}
