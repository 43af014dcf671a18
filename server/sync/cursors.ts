import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { CrmObjectType } from '../crm/connector.js';
import type { Database } from '../db/schema.js';

/**
 * Where a portal's sync of one object type stands. A full sync in progress keeps the paging token
 * of the next page (so a restarted worker resumes there); once complete, incremental syncs move
 * `modifiedSince` forward.
 */
const fullProgressSchema = z.object({
  phase: z.enum(['live', 'archived']),
  after: z.string().optional(),
  startedAt: z.string(),
});
export type FullSyncProgress = z.infer<typeof fullProgressSchema>;

export interface SyncCursor {
  full: FullSyncProgress | null;
  fullCompletedAt: Date | null;
  /**
   * The newest change the incremental sync has fetched (or, after a full sync, an instant before it
   * began); the next incremental sync reads again from a margin before it (CHANGES_OVERLAP_MS).
   */
  modifiedSince: Date | null;
}

type Db = Kysely<Database> | Transaction<Database>;

export async function readCursor(db: Db, portalId: number, type: CrmObjectType): Promise<SyncCursor> {
  const row = await db
    .selectFrom('sync_cursors')
    .selectAll()
    .where('portal_id', '=', portalId)
    .where('object_type', '=', type)
    .executeTakeFirst();
  const full = row?.cursor ? fullProgressSchema.safeParse(JSON.parse(row.cursor)) : undefined;
  return {
    full: full?.success ? full.data : null,
    fullCompletedAt: row?.full_sync_completed_at ?? null,
    modifiedSince: row?.last_modified_at ?? null,
  };
}

export async function saveFullProgress(
  db: Db,
  portalId: number,
  type: CrmObjectType,
  progress: FullSyncProgress,
) {
  await upsert(db, portalId, type, { cursor: JSON.stringify(progress) });
}

export async function completeFullSync(db: Db, portalId: number, type: CrmObjectType, modifiedSince: Date) {
  await upsert(db, portalId, type, {
    cursor: null,
    full_sync_completed_at: new Date(),
    last_modified_at: modifiedSince,
  });
}

/**
 * Makes the next sync of this type a full one from the first page (a churn rule that reads a new
 * property needs it on every record); the incremental cursor stays until that sync completes.
 */
export async function restartFullSync(db: Db, portalId: number, type: CrmObjectType, now = new Date()) {
  const progress: FullSyncProgress = { phase: 'live', startedAt: now.toISOString() };
  await upsert(db, portalId, type, { cursor: JSON.stringify(progress) });
}

export async function saveModifiedSince(db: Db, portalId: number, type: CrmObjectType, modifiedSince: Date) {
  await upsert(db, portalId, type, { last_modified_at: modifiedSince });
}

async function upsert(
  db: Db,
  portalId: number,
  type: CrmObjectType,
  values: { cursor?: string | null; full_sync_completed_at?: Date; last_modified_at?: Date },
): Promise<void> {
  await db
    .insertInto('sync_cursors')
    .values({ portal_id: portalId, object_type: type, ...values })
    .onConflict((oc) =>
      oc.columns(['portal_id', 'object_type']).doUpdateSet({ ...values, updated_at: sql`now()` }),
    )
    .execute();
}
