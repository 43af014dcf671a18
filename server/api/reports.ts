import { Router, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  portalExploreReport,
  portalQualityReport,
  type ExploreReport,
  type QualityReport,
} from '../reports/index.js';
import { portalDataVersion, ReportCache } from '../reports/report-cache.js';

const params = z.object({
  portalId: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1),
});

export interface ReportsDeps {
  db: Kysely<Database>;
  logger: Logger;
  requireAdmin: RequestHandler;
}

/**
 * The data-quality and exploratory reports of a portal, as JSON for the dashboard. Each is
 * computed on the first request after the portal's data changed and served from memory until the
 * next change; the `X-Report-Cache` header says which.
 */
export function reportsRouter(deps: ReportsDeps): Router {
  const router = Router();
  const quality = new ReportCache<QualityReport>();
  const explore = new ReportCache<ExploreReport>();
  const serve =
    <T>(cache: ReportCache<T>, name: string, compute: (portalId: number) => Promise<T>): RequestHandler =>
    async (req, res) => {
      const { portalId } = params.parse(req.params);
      const version = await portalDataVersion(deps.db, portalId);
      if (version === null) throw new NotFoundError(`No portal ${portalId}.`);
      const started = Date.now();
      const { report, cached } = await cache.get(portalId, version, () => compute(portalId));
      if (!cached) deps.logger.info({ portalId, report: name, ms: Date.now() - started }, 'report computed');
      res.set('X-Report-Cache', cached ? 'hit' : 'miss').json(report);
    };
  router.get(
    '/api/v1/portals/:portalId/reports/quality',
    deps.requireAdmin,
    serve(quality, 'quality', (id) => portalQualityReport(deps.db, id)),
  );
  router.get(
    '/api/v1/portals/:portalId/reports/explore',
    deps.requireAdmin,
    serve(explore, 'explore', (id) => portalExploreReport(deps.db, id)),
  );
  return router;
}
