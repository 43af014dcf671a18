import { sql, type Kysely, type Transaction } from 'kysely';
import { AssociatedIds, type CrmObjectType, type CrmRecord } from '../crm/connector.js';
import { unnestRows } from '../db/column-arrays.js';
import type { Database } from '../db/schema.js';
import { isTextTable, sentimentOfRows, storeSentiments } from '../features/build/text-sentiment.js';
import { foldMergedContacts, mergesReported } from './merges.js';
import type { ObjectSpec } from './object-specs.js';

const HISTORY = 'property_history';
const SENTIMENT = 'sentiment';

export interface WriteResult {
  /** Rows inserted or changed; a record already stored as it is counts as zero. */
  written: number;
  /** The ids of those rows. */
  writtenIds: ReadonlySet<string>;
}

/**
 * A page of records as the warehouse will store them: one row each (the last of a repeated id),
 * their customer texts' sentiment under way (on the sentiment thread), so a sync can prepare its
 * next page while the one before is written.
 */
export interface PreparedRecords {
  records: CrmRecord[];
  rows: Record<string, unknown>[];
  sentiments: Promise<(number | null)[]>;
}

export function prepareRecords(portalId: number, spec: ObjectSpec, records: CrmRecord[]): PreparedRecords {
  const unique = dedupeById(records);
  const rows = unique.map((r) => spec.map(r, portalId)) as Record<string, unknown>[];
  const sentiments = isTextTable(spec.table) ? sentimentOfRows(spec.table, rows) : Promise.resolve([]);
  sentiments.catch(() => {}); // a failure surfaces when the page is written
  return { records: unique, rows, sentiments };
}

/**
 * Upserts a page of records and replaces their associations, in the caller's transaction. A row
 * is only rewritten when the CRM's copy changed, so a page fetched twice writes nothing twice.
 * Customer texts are scored for sentiment before the page is written, so each row is stored once
 * with its score; a stored row whose text changed loses its score (a trigger) and gets the new one.
 * Contacts the written ones report as merged into them are folded into them (./merges.ts).
 */
export function writeRecords(
  trx: Transaction<Database> | Kysely<Database>,
  portalId: number,
  spec: ObjectSpec,
  records: CrmRecord[],
): Promise<WriteResult> {
  return writePrepared(trx, portalId, spec, prepareRecords(portalId, spec, records));
}

/** `writeRecords` for a page prepared before (`prepareRecords`). */
export async function writePrepared(
  trx: Transaction<Database> | Kysely<Database>,
  portalId: number,
  spec: ObjectSpec,
  prepared: PreparedRecords,
): Promise<WriteResult> {
  const { records: unique, rows } = prepared;
  if (rows.length === 0) return { written: 0, writtenIds: new Set() };
  const columns = Object.keys(rows[0]!).filter((c) => c !== 'portal_id' && c !== 'id');
  const table = spec.table;
  const textTable = isTextTable(table) ? table : undefined;
  const sentiments = await prepared.sentiments;
  const stored = textTable ? rows.map((row, i) => ({ ...row, [SENTIMENT]: sentiments[i] })) : rows;
  const insertedColumns = Object.keys(stored[0]!);
  const changed = await trx
    .insertInto(table)
    .columns(insertedColumns as never)
    // One array per column, not one parameter per value (../db/column-arrays.ts).
    .expression((await unnestRows<Database>(trx, table, stored, insertedColumns)) as never)
    .onConflict((oc) =>
      oc
        .columns(['portal_id', 'id'])
        .doUpdateSet(() => {
          const set: Record<string, unknown> = { synced_at: sql`now()` };
          for (const column of columns) set[column] = sql.ref(`excluded.${column}`);
          // A page read without history keeps the history stored before.
          if (columns.includes(HISTORY))
            set[HISTORY] = sql`coalesce(excluded.${sql.ref(HISTORY)}, ${sql.ref(`${table}.${HISTORY}`)})`;
          return set as never;
        })
        .where(
          sql<boolean>`${sql.ref(`${table}.updated_at`)} is distinct from excluded.updated_at or ${sql.ref(`${table}.archived`)} <> excluded.archived or ${sql.ref(`${table}.properties`)} <> excluded.properties${
            columns.includes(HISTORY)
              ? sql` or (excluded.${sql.ref(HISTORY)} is not null and excluded.${sql.ref(HISTORY)} is distinct from ${sql.ref(`${table}.${HISTORY}`)})`
              : sql``
          }`,
        ),
    )
    .returning([
      'id',
      // A row this statement inserted has no locker; an updated one names this transaction.
      sql<boolean>`xmax = 0`.as('inserted'),
      (textTable ? sql<boolean>`${sql.ref(SENTIMENT)} is null` : sql<boolean>`false`).as('unscored'),
    ])
    .execute();
  const inserted = new Set(changed.filter((r) => r.inserted).map((r) => r.id));
  await replaceAssociations(trx, portalId, spec, unique, inserted);
  await foldMergedContacts(trx, portalId, mergesReported(spec, unique));
  if (textTable) {
    // A stored row whose text this page changed lost its score to the trigger (and one stored
    // without a score has none): it takes the score of the text it now holds.
    const score = new Map(rows.map((row, i) => [String(row.id), sentiments[i]]));
    const rescored = new Map<string, number>();
    for (const { id, unscored } of changed) {
      const value = score.get(id);
      if (unscored && value !== null && value !== undefined) rescored.set(id, value);
    }
    await storeSentiments(trx, portalId, textTable, rescored);
  }
  return { written: changed.length, writtenIds: new Set(changed.map((r) => r.id)) };
}

/** Marks records archived (deleted in the CRM); their rows stay for history and features. */
export async function markArchived(
  trx: Transaction<Database> | Kysely<Database>,
  portalId: number,
  spec: ObjectSpec,
  ids: string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await trx
    .updateTable(spec.table)
    .set({ archived: true, synced_at: sql`now()` } as never)
    .where('portal_id', '=', portalId)
    .where('id', 'in', ids)
    .where('archived', '=', false)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Writes associations found separately (incremental sync reads them in batch), with their types where read. */
export function withAssociations(
  records: CrmRecord[],
  to: CrmObjectType,
  linked: Map<string, string[]>,
): CrmRecord[] {
  const kinds = linked instanceof AssociatedIds ? linked.kinds : undefined;
  return records.map((r) => ({
    ...r,
    associations: { ...r.associations, [to]: linked.get(r.id) ?? [] },
    ...(kinds ? { associationKinds: { ...r.associationKinds, [to]: kinds.get(r.id) ?? {} } } : {}),
  }));
}

/**
 * Makes each record's stored associations (of the types its spec records) the ones it came with,
 * with their type ids (from the `from` side) and primary flag. Records the page's upsert inserted
 * have none stored yet, so theirs are only added; for the others, pairs no longer there are
 * deleted, new ones added and those whose types changed rewritten, in one statement per type.
 */
async function replaceAssociations(
  trx: Transaction<Database> | Kysely<Database>,
  portalId: number,
  spec: ObjectSpec,
  records: CrmRecord[],
  inserted: ReadonlySet<string>,
): Promise<void> {
  for (const other of spec.associations) {
    const withList = records.filter((r) => r.associations?.[other] !== undefined);
    if (withList.length === 0) continue;
    // Stored with contacts on the `from` side whenever one side is contacts.
    const thisIsFrom = spec.type === 'contacts' || other !== 'contacts';
    const fromType = thisIsFrom ? spec.type : other;
    const toType = thisIsFrom ? other : spec.type;
    const fromIds: string[] = [];
    const toIds: string[] = [];
    const typeIds: string[] = [];
    const primary: boolean[] = [];
    for (const record of withList) {
      for (const otherId of new Set(record.associations![other]!)) {
        const kind = record.associationKinds?.[other]?.[otherId];
        fromIds.push(thisIsFrom ? record.id : otherId);
        toIds.push(thisIsFrom ? otherId : record.id);
        // As an array literal, `{279,1}`: each row's list is one text of the array parameter.
        typeIds.push(`{${((thisIsFrom ? kind?.typeIds : kind?.inverseTypeIds) ?? []).join(',')}}`);
        primary.push(kind?.primary ?? false);
      }
    }
    const kept = withList.filter((r) => !inserted.has(r.id)).map((r) => r.id);
    const incoming = sql`
      select from_id, to_id, types::integer[] as type_ids, is_primary
      from unnest(${fromIds}::text[], ${toIds}::text[], ${typeIds}::text[], ${primary}::boolean[])
        as i(from_id, to_id, types, is_primary)`;
    // A link is named by its first type: the connector lists a primary type first.
    const insert = sql`
      insert into associations as a (portal_id, from_type, from_id, to_type, to_id, type_id, type_ids, is_primary)
      select ${portalId}, ${fromType}, from_id, ${toType}, to_id, type_ids[1], type_ids, is_primary
      from incoming
      on conflict (portal_id, from_type, from_id, to_type, to_id) do update
        set type_id = excluded.type_id, type_ids = excluded.type_ids, is_primary = excluded.is_primary
        where a.type_ids is distinct from excluded.type_ids or a.is_primary <> excluded.is_primary`;
    if (kept.length === 0) {
      if (fromIds.length > 0) await sql`with incoming as (${incoming}) ${insert}`.execute(trx);
      continue;
    }
    const mine = sql.ref(`a.${thisIsFrom ? 'from' : 'to'}_id`);
    await sql`
      with incoming as (${incoming}),
      removed as (
        delete from associations a
        where a.portal_id = ${portalId} and a.from_type = ${fromType} and a.to_type = ${toType}
          and ${mine} = any(${kept}::text[])
          and not exists (select 1 from incoming i where i.from_id = a.from_id and i.to_id = a.to_id)
      )
      ${insert}`.execute(trx);
  }
}

function dedupeById(records: CrmRecord[]): CrmRecord[] {
  const byId = new Map<string, CrmRecord>();
  for (const record of records) byId.set(record.id, record);
  return [...byId.values()];
}
