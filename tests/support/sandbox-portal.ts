import { createHash } from 'node:crypto';
import { OBJECT_TYPES, type PortalData, type ObjectType } from '../../sandbox/store.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.js';

/** The object types the product syncs, with their warehouse tables (the sandbox serves more). */
export const WAREHOUSE_TABLE: Partial<Record<ObjectType, keyof Database>> = {
  contacts: 'contacts',
  companies: 'companies',
  emails: 'emails',
  tickets: 'tickets',
  deals: 'deals',
  feedback_submissions: 'feedback',
};

/** What a complete sync must have copied: live records per type, and contact associations. */
export function sandboxCounts(portal: PortalData): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [type, records] of portal.objects) {
    if (WAREHOUSE_TABLE[type]) counts[type] = [...records.values()].filter((r) => !r.archived).length;
  }
  for (const other of ['companies', 'emails', 'tickets', 'deals', 'feedback_submissions'] as const) {
    let links = 0;
    // One per pair of records, as the warehouse keeps them: a primary company is linked by two types.
    for (const id of portal.recordsOf('contacts').keys())
      links += new Set(portal.associationsOf('contacts', id, other).map((a) => a.toId)).size;
    counts[`contacts→${other}`] = links;
  }
  return counts;
}

export async function warehouseCounts(
  db: Kysely<Database>,
  portalId: number,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [type, table] of Object.entries(WAREHOUSE_TABLE)) {
    const row = await db
      .selectFrom(table as 'contacts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('portal_id', '=', portalId)
      .where('archived', '=', false)
      .executeTakeFirstOrThrow();
    counts[type] = Number(row.n);
  }
  for (const other of ['companies', 'emails', 'tickets', 'deals', 'feedback_submissions']) {
    const row = await db
      .selectFrom('associations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('portal_id', '=', portalId)
      .where('from_type', '=', 'contacts')
      .where('to_type', '=', other)
      .executeTakeFirstOrThrow();
    counts[`contacts→${other}`] = Number(row.n);
  }
  return counts;
}

/** A digest of everything a portal holds: records, associations, usage and the hidden truth. */
export function portalDigest(portal: PortalData): string {
  const hash = createHash('sha256');
  for (const type of OBJECT_TYPES) {
    for (const record of portal.recordsOf(type).values()) {
      hash.update(JSON.stringify([type, record.id, record.properties, record.createdAt, record.updatedAt]));
    }
  }
  for (const [key, list] of portal.associations) hash.update(JSON.stringify([key, list]));
  for (const event of portal.usage) hash.update(JSON.stringify(event));
  for (const truth of portal.truth.values()) hash.update(JSON.stringify(truth));
  return hash.digest('hex');
}
