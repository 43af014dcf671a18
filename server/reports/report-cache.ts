/**
 * The last report of each kind per portal, kept in memory and keyed by when the portal's data last
 * changed (its latest sync, or a settings change): a report takes seconds to minutes on a big
 * portal, while the data changes at most with each sync. Concurrent requests share one
 * computation; a failed one is forgotten, so the next request tries again.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** When the portal's warehouse or settings last changed; null for an unknown portal. */
export async function portalDataVersion(db: Kysely<Database>, portalId: number): Promise<string | null> {
  const { rows } = await sql<{ version: Date | string | null }>`
    select greatest(
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

export type CachedReport<T> =
  { state: 'ready'; report: T; cached: boolean } | { state: 'computing'; since: Date };

interface Entry<T> {
  version: string;
  since: Date;
  settled: { report: T } | null;
  report: Promise<T>;
}

export class ReportCache<T> {
  private readonly entries = new Map<number, Entry<T>>();

  constructor(private readonly onError: (portalId: number, error: unknown) => void = () => {}) {}

  /**
   * The report for this version of the portal's data: at once when it is known, after at most
   * `waitMs` when it is being computed, or else word that it is still computing.
   */
  async get(
    portalId: number,
    version: string,
    compute: () => Promise<T>,
    waitMs = Infinity,
  ): Promise<CachedReport<T>> {
    let entry = this.entries.get(portalId);
    if (entry?.version === version && entry.settled)
      return { state: 'ready', report: entry.settled.report, cached: true };
    const fresh = !entry || entry.version !== version;
    if (fresh) entry = this.start(portalId, version, compute);
    const current = entry!;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      if (Number.isFinite(waitMs)) timer = setTimeout(() => resolve(null), waitMs);
    });
    try {
      const report = await Promise.race([current.report, timeout]);
      if (report === null) return { state: 'computing', since: current.since };
      return { state: 'ready', report, cached: !fresh };
    } finally {
      clearTimeout(timer);
    }
  }

  private start(portalId: number, version: string, compute: () => Promise<T>): Entry<T> {
    const entry: Entry<T> = { version, since: new Date(), settled: null, report: compute() };
    entry.report.then(
      (report) => {
        entry.settled = { report };
      },
      (error: unknown) => {
        if (this.entries.get(portalId) === entry) this.entries.delete(portalId);
        this.onError(portalId, error);
      },
    );
    this.entries.set(portalId, entry);
    return entry;
  }
}
