import { Router, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { AppError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  portalExploreReport,
  portalQualityReport,
  type ExploreReport,
  type QualityReport,
} from '../reports/index.js';
import { portalDataVersion, ReportCache } from '../reports/report-cache.js';

const params = z.object({ portalId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export interface ReportsDeps {
  db: Kysely<Database>;
  logger: Logger;
  /** Who may read a portal's reports: the dashboard's session guard, which checks `:portalId` too. */
  guard: RequestHandler;
  /** How long a request waits for a report being computed before it is told to come back (default 20 s). */
  waitMs?: number;
}

/**
 * The data-quality and exploratory reports of a portal, as JSON for the dashboard. Each is
 * computed on the first request after the portal's data changed and served from memory until the
 * next change; `X-Report-Cache` says which. A report that takes longer than the wait answers 202
 * `{ available: false, computing: true }` and is ready for a later request.
 */
export function reportsRouter(deps: ReportsDeps): Router {
  const router = Router();
  const waitMs = deps.waitMs ?? 20_000;
  const failed = (name: string) => (portalId: number, error: unknown) => {
    if (!(error instanceof AppError))
      deps.logger.error({ err: error, portalId, report: name }, 'report failed');
  };
  const serve = <T>(name: string, compute: (portalId: number) => Promise<T>): RequestHandler => {
    const cache = new ReportCache<T>(failed(name));
    return async (req, res) => {
      const { portalId } = params.parse(req.params);
      const version = await portalDataVersion(deps.db, portalId);
      if (version === null) throw new NotFoundError(`No portal ${portalId}.`);
      const started = Date.now();
      const result = await cache.get(portalId, version, () => compute(portalId), waitMs);
      if (result.state === 'computing') {
        res.status(202).json({ available: false, computing: true, since: result.since.toISOString() });
        return;
      }
      if (!result.cached)
        deps.logger.info({ portalId, report: name, ms: Date.now() - started }, 'report computed');
      res.set('X-Report-Cache', result.cached ? 'hit' : 'miss').json(result.report);
    };
  };
  router.get(
    '/api/v1/portals/:portalId/reports/quality',
    deps.guard,
    serve<QualityReport>('quality', (id) => portalQualityReport(deps.db, id)),
  );
  router.get(
    '/api/v1/portals/:portalId/reports/explore',
    deps.guard,
    serve<ExploreReport>('explore', (id) => portalExploreReport(deps.db, id)),
  );
  return router;
}
