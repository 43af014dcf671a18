import { sql, type Kysely, type Transaction } from 'kysely';
import type { CrmObjectType, CrmRecord } from '../crm/connector.js';
import type { Database } from '../db/schema.js';
import { isTextTable, scoreStoredTexts } from '../features/build/text-sentiment.js';
import type { ObjectSpec } from './object-specs.js';

const HISTORY = 'property_history';

export interface WriteResult {
  /** Rows inserted or changed; a record already stored as it is counts as zero. */
  written: number;
}

/**
 * Upserts a page of records and replaces their associations, in the caller's transaction. A row
 * is only rewritten when the CRM's copy changed, so a page fetched twice writes nothing twice.
 * Customer texts are scored for sentiment as they arrive (a changed text lost its score).
 */
export async function writeRecords(
  trx: Transaction<Database> | Kysely<Database>,
  portalId: number,
  spec: ObjectSpec,
  records: CrmRecord[],
): Promise<WriteResult> {
  if (records.length === 0) return { written: 0 };
  const rows = dedupeById(records).map((r) => spec.map(r, portalId)) as Record<string, unknown>[];
  const columns = Object.keys(rows[0]!).filter((c) => c !== 'portal_id' && c !== 'id');
  const table = spec.table;
  const result = await trx
    .insertInto(table)
    .values(rows as never)
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
    .executeTakeFirst();
  await replaceAssociations(trx, portalId, spec, records);
  if (isTextTable(table))
    await scoreStoredTexts(
      trx,
      portalId,
      table,
      rows.map((r) => String(r.id)),
    );
  return { written: Number(result.numInsertedOrUpdatedRows ?? 0) };
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

/** Writes associations found separately (incremental sync reads them in batch). */
export function withAssociations(
  records: CrmRecord[],
  to: CrmObjectType,
  linked: Map<string, string[]>,
): CrmRecord[] {
  return records.map((r) => ({ ...r, associations: { ...r.associations, [to]: linked.get(r.id) ?? [] } }));
}

async function replaceAssociations(
  trx: Transaction<Database> | Kysely<Database>,
  portalId: number,
  spec: ObjectSpec,
  records: CrmRecord[],
): Promise<void> {
  for (const other of spec.associations) {
    const withList = records.filter((r) => r.associations?.[other] !== undefined);
    if (withList.length === 0) continue;
    const ids = withList.map((r) => r.id);
    // Stored with contacts on the `from` side whenever one side is contacts.
    const thisIsFrom = spec.type === 'contacts' || other !== 'contacts';
    const mine = thisIsFrom ? 'from' : 'to';
    await trx
      .deleteFrom('associations')
      .where('portal_id', '=', portalId)
      .where(`${mine}_type`, '=', spec.type)
      .where(`${mine}_id`, 'in', ids)
      .where(`${thisIsFrom ? 'to' : 'from'}_type`, '=', other)
      .execute();
    const rows = withList.flatMap((r) =>
      [...new Set(r.associations![other]!)].map((otherId) =>
        thisIsFrom
          ? {
              portal_id: portalId,
              from_type: spec.type,
              from_id: r.id,
              to_type: other,
              to_id: otherId,
              type_id: null,
            }
          : {
              portal_id: portalId,
              from_type: other,
              from_id: otherId,
              to_type: spec.type,
              to_id: r.id,
              type_id: null,
            },
      ),
    );
    for (let i = 0; i < rows.length; i += 1000) {
      await trx
        .insertInto('associations')
        .values(rows.slice(i, i + 1000))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }
}

function dedupeById(records: CrmRecord[]): CrmRecord[] {
  const byId = new Map<string, CrmRecord>();
  for (const record of records) byId.set(record.id, record);
  return [...byId.values()];
}
