/**
 * The last report of each kind per portal, kept in memory and keyed by when the portal's data last
 * changed (its latest sync, or a settings change): a report takes seconds on a big portal, while
 * the data changes at most with each sync. Concurrent requests share one computation; a failed
 * one is forgotten.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** When the portal's warehouse or settings last changed; null for an unknown portal. */
export async function portalDataVersion(db: Kysely<Database>, portalId: number): Promise<string | null> {
  const { rows } = await sql<{ version: Date | string | null; found: boolean }>`
    select true as found, greatest(
      p.updated_at,
      (select max(updated_at) from sync_cursors where portal_id = p.id),
      (select max(synced_at) from contacts where portal_id = p.id)
    ) as version
    from portals p where p.id = ${portalId}`.execute(db);
  const row = rows[0];
  if (!row) return null;
  const v = row.version;
  return v instanceof Date ? v.toISOString() : String(v);
}

export class ReportCache<T> {
  private readonly entries = new Map<number, { version: string; report: Promise<T> }>();

  async get(
    portalId: number,
    version: string,
    compute: () => Promise<T>,
  ): Promise<{ report: T; cached: boolean }> {
    const entry = this.entries.get(portalId);
    if (entry && entry.version === version) return { report: await entry.report, cached: true };
    const report = compute();
    this.entries.set(portalId, { version, report });
    try {
      return { report: await report, cached: false };
    } catch (error) {
      if (this.entries.get(portalId)?.report === report) this.entries.delete(portalId);
      throw error;
    }
  }
}
