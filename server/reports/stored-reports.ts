/**
 * The reports as the dashboard reads them: computed by a worker after each scoring cycle and on
 * request, and stored with the data version they were computed from, so a page shows one at once
 * with its age, and says when the portal's data has changed since.
 */
import { sql, type Kysely } from 'kysely';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { portalExploreReport, portalQualityReport } from './portal-reports.js';

export const REPORT_KINDS = ['quality', 'explore'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

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

export interface StoredReport {
  kind: ReportKind;
  dataVersion: string;
  report: unknown;
  /** Why the report could not be made from that data (a portal with no churn history yet). */
  error: { code: string; message: string; status: number } | null;
  computedAt: Date;
  durationMs: number;
}

export interface ReportProgress {
  kind: ReportKind;
  done: number;
  total: number | null;
}

/**
 * Computes each kind from the warehouse as it is now and stores it, replacing the last one. A
 * report the data cannot give (an `AppError` such as "no churn history") is stored as that error;
 * anything else fails the job.
 */
export async function computeAndStoreReports(
  db: Kysely<Database>,
  portalId: number,
  options: { kinds?: readonly ReportKind[]; onProgress?: (progress: ReportProgress) => void } = {},
): Promise<void> {
  for (const kind of options.kinds ?? REPORT_KINDS) {
    const dataVersion = await portalDataVersion(db, portalId);
    if (dataVersion === null) return;
    const started = Date.now();
    const onProgress = (done: number, total: number | null) => options.onProgress?.({ kind, done, total });
    let report: unknown = null;
    let error: StoredReport['error'] = null;
    try {
      report =
        kind === 'quality'
          ? await portalQualityReport(db, portalId, { onProgress })
          : await portalExploreReport(db, portalId, { onProgress });
    } catch (failure) {
      if (!(failure instanceof AppError)) throw failure;
      error = { code: failure.code, message: failure.message, status: failure.status };
    }
    const row = {
      data_version: dataVersion,
      report: report === null ? null : json(report),
      error: error === null ? null : json(error),
      computed_at: new Date(),
      duration_ms: Date.now() - started,
    };
    await db
      .insertInto('portal_reports')
      .values({ portal_id: portalId, kind, ...row })
      .onConflict((oc) => oc.columns(['portal_id', 'kind']).doUpdateSet(row))
      .execute();
  }
}

export async function loadStoredReport(
  db: Kysely<Database>,
  portalId: number,
  kind: ReportKind,
): Promise<StoredReport | undefined> {
  const row = await db
    .selectFrom('portal_reports')
    .selectAll()
    .where('portal_id', '=', portalId)
    .where('kind', '=', kind)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    kind,
    dataVersion: row.data_version,
    report: row.report,
    error: row.error as StoredReport['error'],
    computedAt: row.computed_at,
    durationMs: row.duration_ms,
  };
}
