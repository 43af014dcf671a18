import { Router, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { storableString } from '../../storable-text.js';
import type { CrmConnectors } from '../../crm/registry.js';
import { findPortal } from '../../db/portals.js';
import type { Database } from '../../db/schema.js';
import { BadRequestError, NotFoundError } from '../../errors.js';
import { CARD_PLAYS, requestPlay } from '../cards/card-actions.js';
import { contactRiskView } from '../cards/contact-risk-view.js';
import type { RetentionDeps } from '../../workflows/perform-action.js';
import type { Queues } from '../../jobs/queues.js';
import { schedulePortalCycle } from '../../jobs/cycle-schedule.js';
import { enqueueTraining } from '../../jobs/train-job.js';
import {
  loadPortalSettings,
  PortalNotFoundError,
  PortalSettingsError,
  updatePortalSettings,
} from '../../settings/portal-settings.js';
import { ruleProperties, type ChurnRule } from '../../settings/churn-rule.js';
import { loadSettingsOptions } from '../../settings/stage-options.js';
import { restartFullSync } from '../../sync/cursors.js';
import { describeUsageApiKey } from '../../sync/usage/api-keys.js';
import { sessionOf } from '../sign-in/session-guard.js';
import { accountsQuerySchema, listAccounts, loadAccount } from './accounts.js';
import { atRiskQuerySchema, listAtRisk, listAtRiskOwners } from './at-risk.js';
import { atRiskCsv } from './at-risk-csv.js';
import { cardPlaysDecision, loadPortalRoles } from './card-plays-options.js';
import { loadContactDetail } from './contact-detail.js';
import { CONTACT_OUTCOMES, recordContactOutcome, undoContactOutcome } from './contact-outcomes.js';
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
  /** Where plays started from the contact view hand their CRM work, and survey links point. */
  retention: Pick<RetentionDeps, 'work' | 'publicUrl' | 'surveyKey'>;
  /** The portals' CRMs, asked for the roles the settings offer. */
  crms: CrmConnectors;
}

const portalParams = z.object({ portalId: z.coerce.number().int().positive() });
const contactParams = portalParams.extend({ contactId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const companyParams = portalParams.extend({ companyId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const CSV_LIMIT = 50_000;
/** A key the view makes per click, so a retried request does one thing. */
const requestKey = storableString().trim().min(8).max(100);
const playBody = z.object({ play: z.enum(CARD_PLAYS), requestKey });
const outcomeBody = z.object({
  outcome: z.enum(CONTACT_OUTCOMES),
  note: storableString().trim().max(2000).nullish(),
  requestKey,
});
const outcomeParams = contactParams.extend({ outcomeId: z.coerce.number().int().positive() });

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
    const result = await listAtRisk(deps.db, portalId, query, { userId: sessionOf(res).userId });
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

  // Account health: companies by their risk of leaving, as the latest run scored them.
  router.get(`${base}/accounts`, deps.guard, async (req, res) => {
    res.json(await listAccounts(deps.db, portalOf(req.params), accountsQuerySchema.parse(req.query)));
  });

  // One company: its risk, reasons, renewal and value, and its contacts with theirs.
  router.get(`${base}/accounts/:companyId`, deps.guard, async (req, res) => {
    const { portalId, companyId } = companyParams.parse(req.params);
    const account = await loadAccount(deps.db, portalId, companyId, await recordUrl(portalId));
    if (!account) throw new NotFoundError(`No company ${companyId} in this portal.`);
    res.json(account);
  });

  // The owners to filter the list by, with their names, whether they left the CRM, and how many of
  // the list's contacts (under its other filters) each has; `me` is the signed-in user's own owner
  // ("My accounts").
  router.get(`${base}/owners`, deps.guard, async (req, res) => {
    const query = atRiskQuerySchema.omit({ owner: true, sort: true, order: true, limit: true, offset: true });
    res.json(
      await listAtRiskOwners(deps.db, portalOf(req.params), query.parse(req.query), {
        userId: sessionOf(res).userId,
      }),
    );
  });

  router.get(`${base}/at-risk.csv`, deps.guard, async (req, res) => {
    const portalId = portalOf(req.params);
    const query = atRiskQuerySchema.omit({ limit: true, offset: true }).parse(req.query);
    const { rows } = await listAtRisk(
      deps.db,
      portalId,
      { ...query, limit: CSV_LIMIT, offset: 0 },
      { userId: sessionOf(res).userId },
    );
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

  // The risk card's own content, so the dashboard and the card never disagree about a contact,
  // and the view's own facts beside it (company, stage, owner, tickets, emails, the advisor's mark).
  router.get(`${base}/contacts/:contactId`, deps.guard, async (req, res) => {
    const { portalId, contactId } = contactParams.parse(req.params);
    const card = await contactRiskView(deps.db, portalId, contactId);
    if (!card.contact && !card.score) throw new NotFoundError(`No contact ${contactId} in this portal.`);
    const crmUrl = (await recordUrl(portalId))(contactId);
    res.json({ ...card, crmUrl, detail: await loadContactDetail(deps.db, portalId, contactId, crmUrl) });
  });

  // The card's plays (offer, survey, check-in) from the contact view, keyed per click. Who may act:
  // in this release every signed-in user of the portal (the guard checks the session, its portal
  // and the CSRF token); the action records who asked.
  router.post(`${base}/contacts/:contactId/plays`, deps.guard, async (req, res) => {
    const { portalId, contactId } = contactParams.parse(req.params);
    const body = playBody.parse(req.body ?? {});
    const { userId } = sessionOf(res);
    const answer = await requestPlay(
      { db: deps.db, ...deps.retention },
      // A key is the user's own, for this contact: another click's answer is never replayed here.
      {
        portalId,
        contactId,
        userId,
        play: body.play,
        requestKey: `dashboard:${userId}:${contactId}:${body.requestKey}`,
      },
    );
    res.status(answer.replayed ? 200 : 201).json(answer);
  });

  // An advisor's outcome (saved, lost, snoozed for 30 days): every signed-in user may mark one.
  router.post(`${base}/contacts/:contactId/outcomes`, deps.guard, async (req, res) => {
    const { portalId, contactId } = contactParams.parse(req.params);
    const body = outcomeBody.parse(req.body ?? {});
    const session = sessionOf(res);
    const answer = await recordContactOutcome(deps.db, {
      portalId,
      contactId,
      userId: session.userId,
      actor: session.userEmail ?? `user:${session.userId}`,
      outcome: body.outcome,
      note: body.note || null,
      requestKey: `${session.userId}:${body.requestKey}`,
    });
    res.status(answer.replayed ? 200 : 201).json(answer);
  });

  // Undo: the contact's latest mark after it (an earlier one comes back into force), or null.
  router.delete(`${base}/contacts/:contactId/outcomes/:outcomeId`, deps.guard, async (req, res) => {
    const { portalId, contactId, outcomeId } = outcomeParams.parse(req.params);
    const session = sessionOf(res);
    const outcome = await undoContactOutcome(deps.db, {
      portalId,
      contactId,
      outcomeId,
      userId: session.userId,
      actor: session.userEmail ?? `user:${session.userId}`,
    });
    res.json({ outcome });
  });

  const installedPortal = async (portalId: number) => {
    const portal = await findPortal(deps.db, portalId);
    if (!portal) throw new NotFoundError(`Portal ${portalId} does not exist`);
    return portal;
  };

  // The settings, and what the form offers to choose from (the CRM's former-customer stages, and
  // whether the portal's setting or its CRM decides who may start plays from the card).
  const withOptions = async (portalId: number, settings: { churnRule: ChurnRule }) => {
    const named = settings.churnRule.kind === 'lifecycle_stage' ? settings.churnRule.formerStage : undefined;
    const [stages, portal] = await Promise.all([
      loadSettingsOptions(deps.db, portalId, named),
      installedPortal(portalId),
    ]);
    return { ...settings, options: { ...stages, cardPlays: cardPlaysDecision(portal.crm) } };
  };

  router.get(`${base}/settings`, deps.guard, async (req, res) => {
    const portalId = portalOf(req.params);
    res.json(await withOptions(portalId, await withPortal(() => loadPortalSettings(deps.db, portalId))));
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
    res.json(await withOptions(portalId, settings));
  });

  // The roles the portal's CRM lists now, for choosing who may start plays from the card.
  router.get(`${base}/settings/roles`, deps.guard, async (req, res) => {
    res.json(await loadPortalRoles(deps.crms, await installedPortal(portalOf(req.params))));
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
    if (error instanceof PortalSettingsError) throw new BadRequestError(error.message, error.details);
    throw error;
  }
}
