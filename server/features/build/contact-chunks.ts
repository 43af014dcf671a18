import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** What the profile features and the label rules read of a contact and its company. */
export interface ContactRow {
  id: string;
  created_at: Date | null;
  updated_at: Date | null;
  lifecycle_stage: string | null;
  properties: Record<string, string | null>;
  company_properties: Record<string, string | null> | null;
}

export const DEFAULT_CHUNK_SIZE = 1000;

/**
 * The portal's live contacts, a chunk at a time, in id order: each chunk is one keyset query, so
 * a portal of any size is walked with one chunk in memory.
 */
export async function* contactChunks(
  db: Kysely<Database>,
  portalId: number,
  chunkSize = DEFAULT_CHUNK_SIZE,
): AsyncGenerator<ContactRow[]> {
  let after: string | null = null;
  for (;;) {
    let query = db
      .selectFrom('contacts as c')
      .leftJoin('companies as co', (join) =>
        join.onRef('co.portal_id', '=', 'c.portal_id').onRef('co.id', '=', 'c.company_id'),
      )
      .select([
        'c.id',
        'c.created_at',
        'c.updated_at',
        'c.lifecycle_stage',
        'c.properties',
        'co.properties as company_properties',
      ])
      .where('c.portal_id', '=', portalId)
      .where('c.archived', '=', false)
      .orderBy('c.id')
      .limit(chunkSize);
    if (after !== null) query = query.where('c.id', '>', after);
    const rows = (await query.execute()) as ContactRow[];
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < chunkSize) return;
    after = rows[rows.length - 1]!.id;
  }
}
