import { Router, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { AppError, NotFoundError } from '../errors.js';
import { enqueueReports, reportsJobProgress } from '../jobs/reports-job.js';
import type { Queues } from '../jobs/queues.js';
import {
  loadStoredReport,
  portalDataVersion,
  REPORT_KINDS,
  type ReportKind,
} from '../reports/stored-reports.js';

const params = z.object({
  portalId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  kind: z.enum(REPORT_KINDS),
});

export interface ReportsDeps {
  db: Kysely<Database>;
  queues: Queues;
  /** Who may read a portal's reports: the dashboard's session guard, which checks `:portalId` too. */
  guard: RequestHandler;
}

/** What the page says about a stored report's age. */
export interface ReportFreshness {
  computedAt: string;
  durationMs: number;
  /** The portal's data changed (a sync, a settings change) after the report was computed. */
  dataChangedSince: boolean;
  /** A worker is computing it again now, with its progress. */
  recomputing: { progress: unknown } | null;
}

class ReportUnavailableError extends AppError {
  constructor(status: number, code: string, message: string, details: { freshness: ReportFreshness }) {
    super(status, code, message, details);
  }
}

/**
 * The data-quality and exploratory reports of a portal, as JSON for the dashboard. A worker
 * computes them after each scoring cycle and on request (`POST …/recompute`); a request is answered
 * at once from the stored report, with `freshness` (when, how long it took, whether the data has
 * changed since, whether it is being computed again). Before the first one exists the answer is
 * 202 `{ available: false, computing: true, progress }` and the computation is queued. No report is
 * ever computed inside a request.
 */
export function reportsRouter(deps: ReportsDeps): Router {
  const router = Router();

  const located = async (req: { params: unknown }) => {
    const { portalId, kind } = params.parse(req.params);
    const version = await portalDataVersion(deps.db, portalId);
    if (version === null) throw new NotFoundError(`No portal ${portalId}.`);
    return { portalId, kind, version };
  };

  router.get('/api/v1/portals/:portalId/reports/:kind', deps.guard, async (req, res) => {
    const { portalId, kind, version } = await located(req);
    const [stored, job] = await Promise.all([
      loadStoredReport(deps.db, portalId, kind),
      reportsJobProgress(deps.queues, portalId),
    ]);
    res.set('Cache-Control', 'no-store');
    if (!stored) {
      if (!job) await enqueueReports(deps.queues, portalId, 'request', [kind]);
      res.status(202).json({ available: false, computing: true, progress: job?.progress ?? null });
      return;
    }
    const freshness: ReportFreshness = {
      computedAt: stored.computedAt.toISOString(),
      durationMs: stored.durationMs,
      dataChangedSince: stored.dataVersion !== version,
      recomputing: job ? { progress: job.progress } : null,
    };
    if (stored.error) {
      throw new ReportUnavailableError(stored.error.status, stored.error.code, stored.error.message, {
        freshness,
      });
    }
    res.json({ ...(stored.report as Record<string, unknown>), freshness });
  });

  router.post('/api/v1/portals/:portalId/reports/:kind/recompute', deps.guard, async (req, res) => {
    const { portalId, kind } = await located(req);
    const running = await reportsJobProgress(deps.queues, portalId);
    if (!running) await enqueueReports(deps.queues, portalId, 'request', [kind satisfies ReportKind]);
    res.status(202).json({ computing: true, progress: running?.progress ?? null });
  });
  return router;
}
