import { Router, type RequestHandler } from 'express';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { BadRequestError, NotFoundError } from '../../errors.js';
import { contactRiskView } from '../cards/contact-risk-view.js';
import type { Queues } from '../../jobs/queues.js';
import { schedulePortalCycle } from '../../jobs/cycle-schedule.js';
import { enqueueTraining } from '../../jobs/train-job.js';
import {
  loadPortalSettings,
  PortalNotFoundError,
  PortalSettingsError,
  updatePortalSettings,
} from '../../settings/portal-settings.js';
import { ruleProperties } from '../../settings/churn-rule.js';
import { restartFullSync } from '../../sync/cursors.js';
import { describeUsageApiKey } from '../../sync/usage/api-keys.js';
import { sessionOf } from '../sign-in/session-guard.js';
import { atRiskCsv, atRiskQuerySchema, listAtRisk } from './at-risk.js';
import { loadEngagement } from './engagement.js';
import { loadJobProgress } from './job-progress.js';
import { listLost, lostQuerySchema } from './lost.js';
import { loadModelReport } from './model-report.js';
import { loadOverview } from './overview.js';
import type { RecordLinks } from './record-links.js';

export interface DashboardDeps {
  db: Kysely<Database>;
  queues: Queues;
  /** Checks the signed-in session against `:portalId` (and CSRF on changes). */
  guard: RequestHandler;
  /** Links to contacts' pages in the portal's CRM. */
  recordLinks: RecordLinks;
}

const portalParams = z.object({ portalId: z.coerce.number().int().positive() });
const contactParams = portalParams.extend({ contactId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const CSV_LIMIT = 50_000;

/** The dashboard's read API and its settings, all under `/api/v1/portals/:portalId`. */
export function dashboardRouter(deps: DashboardDeps): Router {
  const router = Router();
  const base = '/api/v1/portals/:portalId';
  const portalOf = (params: unknown) => portalParams.parse(params).portalId;
  const recordUrl = deps.recordLinks;

  router.get(`${base}/overview`, deps.guard, async (req, res) => {
    res.json(await loadOverview(deps.db, portalOf(req.params)));
  });

  router.get(`${base}/at-risk`, deps.guard, async (req, res) => {
    const portalId = portalOf(req.params);
    const query = atRiskQuerySchema.parse(req.query);
    const result = await listAtRisk(deps.db, portalId, query);
    const link = await recordUrl(portalId);
    res.json({ ...result, rows: result.rows.map((r) => ({ ...r, crmUrl: link(r.contactId) })) });
  });

  // Customers who left: when, why, the value lost, and who is worth winning back.
  router.get(`${base}/lost`, deps.guard, async (req, res) => {
    const portalId = portalOf(req.params);
    const result = await listLost(deps.db, portalId, lostQuerySchema.parse(req.query));
    const link = await recordUrl(portalId);
    res.json({ ...result, rows: result.rows.map((r) => ({ ...r, crmUrl: link(r.contactId) })) });
  });

  // Owners of the contacts at risk, for the list's filter: the CRM's owner ids, busiest first.
  router.get(`${base}/owners`, deps.guard, async (req, res) => {
    const { rows } = await sql<{ owner_id: string; contacts: unknown }>`
      select c.owner_id, count(*) as contacts
      from current_scores l join contacts c on c.portal_id = l.portal_id and c.id = l.contact_id
      where l.portal_id = ${portalOf(req.params)} and l.tier in ('high', 'medium') and c.owner_id is not null
      group by c.owner_id order by count(*) desc, c.owner_id limit 200`.execute(deps.db);
    res.json({ owners: rows.map((r) => ({ id: r.owner_id, contacts: Number(r.contacts) })) });
  });

  router.get(`${base}/at-risk.csv`, deps.guard, async (req, res) => {
    const portalId = portalOf(req.params);
    const query = atRiskQuerySchema.omit({ limit: true, offset: true }).parse(req.query);
    const { rows } = await listAtRisk(deps.db, portalId, { ...query, limit: CSV_LIMIT, offset: 0 });
    const day = new Date().toISOString().slice(0, 10);
    res.set('Content-Disposition', `attachment; filename="at-risk-${day}.csv"`);
    res.type('text/csv; charset=utf-8').send(atRiskCsv(rows, await recordUrl(portalId)));
  });

  router.get(`${base}/model`, deps.guard, async (req, res) => {
    res.json(await loadModelReport(deps.db, portalOf(req.params)));
  });

  // Training runs on the worker; the job banner shows it, and the new model when it is active.
  router.post(`${base}/model/retrain`, deps.guard, async (req, res) => {
    const jobId = await enqueueTraining(deps.queues, portalOf(req.params), 'manual');
    res.status(202).json({ queued: true, jobId: jobId ?? null });
  });

  router.get(`${base}/engagement`, deps.guard, async (req, res) => {
    res.json(await loadEngagement(deps.db, portalOf(req.params)));
  });

  router.get(`${base}/jobs`, deps.guard, async (req, res) => {
    res.json(await loadJobProgress(deps.db, deps.queues, portalOf(req.params)));
  });

  // The risk card's own content, so the dashboard and the card never disagree about a contact.
  router.get(`${base}/contacts/:contactId`, deps.guard, async (req, res) => {
    const { portalId, contactId } = contactParams.parse(req.params);
    const card = await contactRiskView(deps.db, portalId, contactId);
    if (!card.contact && !card.score) throw new NotFoundError(`No contact ${contactId} in this portal.`);
    res.json({ ...card, crmUrl: (await recordUrl(portalId))(contactId) });
  });

  router.get(`${base}/settings`, deps.guard, async (req, res) => {
    res.json(await withPortal(() => loadPortalSettings(deps.db, portalOf(req.params))));
  });

  router.put(`${base}/settings`, deps.guard, async (req, res) => {
    const session = sessionOf(res);
    const actor = session.userEmail ?? `user:${session.userId}`;
    const portalId = portalOf(req.params);
    const before = await withPortal(() => loadPortalSettings(deps.db, portalId));
    const settings = await withPortal(() => updatePortalSettings(deps.db, portalId, req.body, actor));
    // A rule that reads other contact properties needs them (and their history) on every contact.
    if (ruleProperties(settings.churnRule).join() !== ruleProperties(before.churnRule).join())
      await restartFullSync(deps.db, portalId, 'contacts');
    // A new weekly slot moves the portal's schedule at once.
    if (req.body && typeof req.body === 'object' && 'schedule' in req.body)
      await schedulePortalCycle(deps.queues, portalId, settings.schedule);
    res.json(settings);
  });

  // The key itself is created and rotated by the usage router; this tells whether there is one.
  router.get(`${base}/usage-api-key-status`, deps.guard, async (req, res) => {
    const info = await describeUsageApiKey(deps.db, portalOf(req.params));
    res.json({
      key: info
        ? {
            prefix: info.prefix,
            createdAt: info.createdAt.toISOString(),
            rotatedAt: info.rotatedAt?.toISOString() ?? null,
          }
        : null,
    });
  });

  return router;
}

async function withPortal<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof PortalNotFoundError) throw new NotFoundError(error.message);
    if (error instanceof PortalSettingsError) throw new BadRequestError(error.message);
    throw error;
  }
}
