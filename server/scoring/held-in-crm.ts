/**
 * What the CRM holds in the app's fields, as far as the warehouse knows: the values the CRM last
 * confirmed for a write of ours, unless the sync read the record since and found other values
 * there (someone cleared a tier, a workflow overwrote a score, a CRM was restored from a backup).
 * The write-back compares against this, so a field changed behind the app's back is written again
 * at the next write-back, at no cost in CRM calls: the sync reads the fields with the record.
 */
import { sql, type Kysely } from 'kysely';
import type { ScoreField } from '../crm/warehouse-records.js';
import type { Database } from '../db/schema.js';

/** Values by the app's own field names; null where the CRM holds nothing. */
export type HeldValues = Partial<Record<ScoreField, string | null>>;

/**
 * The same value as the CRM gives it back: empty whether it says null or "", and a number by its
 * value, since a CRM may give "80.0" back as "80" (a Salesforce number field always does).
 */
export function sameFieldValue(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = a ?? '';
  const y = b ?? '';
  if (x === y) return true;
  return NUMBER.test(x) && NUMBER.test(y) && Number(x) === Number(y);
}
const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Each record's values as the CRM holds them by the latest that is known: the synced copy when the
 * sync read the record after the last confirmed write (or there was none) and read these fields,
 * else the last confirmed write. Records with neither are absent.
 */
export async function heldInCrm(
  db: Kysely<Database>,
  portalId: number,
  objectType: 'contacts' | 'companies',
  ids: readonly string[],
  fields: readonly ScoreField[],
  crmNames: Readonly<Record<ScoreField, string>>,
): Promise<Map<string, HeldValues>> {
  const held = new Map<string, HeldValues>();
  if (ids.length === 0) return held;
  const recorded = await db
    .selectFrom('crm_writebacks')
    .select(['record_id', 'written', 'written_at'])
    .where('portal_id', '=', portalId)
    .where('object_type', '=', objectType)
    .where('record_id', 'in', ids)
    .execute();
  const names = fields.map((field) => crmNames[field]);
  // Only the app's fields of each synced copy, each read by its key (not the whole record, nor a
  // row per property): null unless the copy holds every one of them.
  const picked = sql.join(names.map((name) => sql`${name}::text, properties -> ${name}::text`));
  const synced = await db
    .selectFrom(objectType)
    .select([
      'id',
      'synced_at',
      sql<Record<string, string | null> | null>`case when properties ?& ${names}::text[]
        then jsonb_build_object(${picked}) end`.as('values'),
    ])
    .where('portal_id', '=', portalId)
    .where('id', 'in', ids)
    .execute();
  const copies = new Map(synced.map((row) => [row.id, row]));
  for (const row of recorded) if (row.written) held.set(row.record_id, row.written);
  const writtenAt = new Map(recorded.map((row) => [row.record_id, row.written_at]));
  for (const [id, copy] of copies) {
    // A record read without these fields (a CRM whose sync does not ask for them) says nothing.
    const values = copy.values;
    if (!values) continue;
    const confirmed = writtenAt.get(id);
    if (confirmed && copy.synced_at <= confirmed) continue;
    held.set(id, Object.fromEntries(fields.map((field) => [field, values[crmNames[field]] ?? null])));
  }
  return held;
}
