/**
 * Retention campaigns end to end: the sandbox's workflow engine calls the product's workflow
 * actions as HubSpot would (signed, BLOCK and callback), the product records treatment and control,
 * writes offer codes to the CRM, serves survey links, and reports the effect once the sandbox's
 * hidden process has decided who left.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Job } from 'bullmq';
import { generatePortal } from '../../sandbox/generator/index.js';
import { featuresOfContacts } from '../../server/features/build/build-features.js';
import { loadContacts } from '../../server/features/build/contact-chunks.js';
import type { RetentionOutcomeSummary } from '../../sandbox/generator/retention-outcomes.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { SandboxStore, type PortalData } from '../../sandbox/store.js';
import { actionSignatureHeaders } from '../../sandbox/webhooks/signing.js';
import { createWorkflowsRouter } from '../../sandbox/workflows/router.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { productProcessors } from '../../server/jobs/processors.js';
import { RESCORE_JOB } from '../../server/jobs/rescore-jobs.js';
import { processRetentionAction, RETENTION_ACTION_JOB } from '../../server/jobs/retention-action-job.js';
import { WorkerPool } from '../../server/jobs/worker-pool.js';
import { importOutcome } from '../support/redemption-import.js';
import { fillPublicUrl } from '../../server/manifest/public-url.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import type { RetentionEffectReport } from '../../server/workflows/outcomes.js';
import { performRetentionAction } from '../../server/workflows/perform-action.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { waitForValue } from '../support/processes.js';

const HUB = 820;
const NO_EFFECT_HUB = 821;
const CONTACTS = 500;
const HIGH_RISK = 260;
const CAMPAIGN = 'winback-high-risk';
const OFFER_INPUTS = {
  offer_type: 'discount',
  discount_percent: 20,
  validity_days: 30,
  holdout_percent: 20,
  campaign: CAMPAIGN,
};
const DAY_MS = 86_400_000;

interface Execution {
  type: string;
  callbackId: string;
  state: string;
  outputFields?: Record<string, string>;
}
interface Enrollment {
  objectId: string;
  status: string;
  history: Execution[];
}

let redis: EmbeddedRedis;
let store: SandboxStore;
let sandbox: RunningSandbox;
let closeWorkflows: () => void;
let product: TestProduct;
let worker: WorkerPool;
const portalIds = new Map<number, number>();
const definitionIds = new Map<string, string>();

/** Polls until `read` gives a value: the wait is a bound for a hung test (see waitForValue). */
const until = <T>(read: () => Promise<T | undefined | false>, what: string): Promise<T> =>
  waitForValue(read, what);

async function sandboxApi<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The action as the app's manifest declares it, registered with the CRM's definitions API. */
async function defineAction(key: string): Promise<string> {
  const action = product.ctx.manifest.workflowActions.find((a) => a.key === key)!;
  const created = await sandboxApi<{ id: string }>(
    'POST',
    `/automation/actions/2026-03/${PRODUCT_APP.appId}?hapikey=${PRODUCT_APP.clientSecret}`,
    {
      actionUrl: fillPublicUrl(action.actionUrl, product.url),
      published: action.isPublished,
      objectTypes: action.objectTypes,
      inputFields: action.inputFields,
      outputFields: action.outputFields,
      labels: action.labels,
    },
  );
  return created.id;
}

/** Installs the product in a generated portal and waits for its first sync. */
async function installPortal(hub: number, contacts = CONTACTS): Promise<PortalData> {
  const crmPortal = store.createPortal(hub);
  generatePortal(crmPortal, { contacts, seed: 41 });
  expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  const portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(hub)))!.id;
  portalIds.set(hub, portalId);
  // The install's bootstrap job creates the app's properties; the test syncs the portal itself.
  await until(
    async () => crmPortal.properties.get('contacts')!.has('retention_offer_code'),
    `the properties of portal ${hub}`,
  );
  await syncPortal(
    { db: product.ctx.db.db, connector: product.ctx.services.crms.connectorFor('hubspot') },
    portalId,
    'full',
  );
  return crmPortal;
}

/** The current customers the hidden process rates riskiest: the ones a model would flag high. */
function riskiestCustomers(crmPortal: PortalData, n: number): string[] {
  const contacts = crmPortal.recordsOf('contacts');
  return [...crmPortal.truth.values()]
    .filter((t) => contacts.get(t.contactId)?.properties.lifecyclestage === 'customer')
    .sort((a, b) => b.risk - a.risk)
    .slice(0, n)
    .map((t) => t.contactId);
}

/** A sandbox workflow "churn_risk_tier is high → Send retention offer", and the contacts marked high. */
async function runOfferCampaign(hub: number, contactIds: string[]): Promise<Enrollment[]> {
  const workflow = await sandboxApi<{ id: number }>('POST', `/_sandbox/portals/${hub}/workflows`, {
    name: 'High churn risk: retention offer',
    enrollment: { property: 'churn_risk_tier', operator: 'EQ', value: 'high' },
    steps: [
      {
        id: 'offer',
        type: 'action',
        actionDefinitionId: definitionIds.get('send-retention-offer'),
        inputFields: OFFER_INPUTS,
      },
    ],
  });
  const crmPortal = store.portal(hub)!;
  for (const id of contactIds) {
    crmPortal.updateRecord('contacts', id, { churn_risk_tier: 'high' }, store.now());
  }
  return until(async () => {
    const { results } = await sandboxApi<{ results: Enrollment[] }>(
      'GET',
      `/_sandbox/portals/${hub}/workflows/${workflow.id}/enrollments`,
    );
    return results.length === contactIds.length &&
      results.every((e) => e.status !== 'ACTIVE' && e.status !== 'WAITING')
      ? results
      : undefined;
  }, `the enrolments of portal ${hub}`);
}

async function effectReport(hub: number, asOf: Date): Promise<RetentionEffectReport> {
  const response = await fetch(
    `${product.url}/api/v1/portals/${portalIds.get(hub)}/retention/effect?asOf=${asOf.toISOString()}`,
    { headers: { 'X-Churn-Radar-Admin': '1' } },
  );
  expect(response.status).toBe(200);
  return (await response.json()) as RetentionEffectReport;
}

/** The churn the sandbox's hidden process decides over the next 90 days, then synced into the warehouse. */
async function decideOutcomes(hub: number, offerChurnReduction: number): Promise<RetentionOutcomeSummary> {
  const summary = await sandboxApi<RetentionOutcomeSummary>(
    'POST',
    `/_sandbox/portals/${hub}/retention-outcomes`,
    {
      days: 90,
      offerChurnReduction,
    },
  );
  await syncPortal(
    { db: product.ctx.db.db, connector: product.ctx.services.crms.connectorFor('hubspot') },
    portalIds.get(hub)!,
    'incremental',
  );
  return summary;
}

async function postAction(
  action: string,
  body: unknown,
  sign: 'v2' | 'v3' | 'none' = 'v2',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = `${product.url}/workflow-actions/${action}`;
  const raw = JSON.stringify(body);
  const all = actionSignatureHeaders(PRODUCT_APP.clientSecret, url, raw, Date.now());
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (sign === 'v2') {
    headers['X-HubSpot-Signature'] = all['X-HubSpot-Signature']!;
    headers['X-HubSpot-Signature-Version'] = 'v2';
  } else if (sign === 'v3') {
    headers['X-HubSpot-Signature-v3'] = all['X-HubSpot-Signature-v3']!;
    headers['X-HubSpot-Request-Timestamp'] = all['X-HubSpot-Request-Timestamp']!;
  }
  const response = await fetch(url, { method: 'POST', headers, body: raw });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function tableCounts() {
  const n = async (table: 'retention_actions' | 'retention_offers' | 'survey_requests' | 'feedback') =>
    Number(
      (
        await product.ctx.db.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    actions: await n('retention_actions'),
    offers: await n('retention_offers'),
    surveys: await n('survey_requests'),
    feedback: await n('feedback'),
  };
}

const offerOf = (e: Enrollment) => e.history.find((h) => h.type === 'action')!;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  store = new SandboxStore();
  const workflows = createWorkflowsRouter(store, {
    retry: { maxAttempts: 4, retryDelayMs: 50, maxRetryDelayMs: 200 },
    // A busy HubSpot notices a BLOCKed step later than the product's first completion tries: each
    // treated step is still completed, once HubSpot waits for it.
    blockNoticeDelayMs: 7_000,
  });
  closeWorkflows = workflows.close;
  // Search shows each change at once: the sync right after the outcomes reads all of them.
  sandbox = await startSandbox({
    store,
    extraRouters: [workflows],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    searchIndexLagMs: 0,
  });
  product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 1000, searchPerSecond: 1000 },
  });
  store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  // Install and workflow jobs only: syncing and scoring on their own schedule would race the tests.
  const processors = productProcessors(product.ctx);
  worker = new WorkerPool({
    redisUrl: redis.url,
    prefix: product.ctx.config.queuePrefix,
    processors: { system: processors.system, workflows: processors.workflows },
    concurrency: 4,
    lockDurationMs: 30_000,
    logger: product.ctx.logger,
  });
  await worker.waitUntilReady();
  await installPortal(HUB);
  for (const key of ['send-retention-offer', 'request-feedback'])
    definitionIds.set(key, await defineAction(key));
}, 300_000);

afterAll(async () => {
  closeWorkflows?.();
  await worker?.close(1000);
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

describe('a retention offer campaign with a 20 % holdout', () => {
  let enrollments: Enrollment[];
  let highRisk: string[];

  beforeAll(async () => {
    highRisk = riskiestCustomers(store.portal(HUB)!, HIGH_RISK);
    enrollments = await runOfferCampaign(HUB, highRisk);
  }, 300_000);

  it('enrols every high-tier contact and holds out 15–25 % of them as control', () => {
    expect(enrollments.map((e) => e.objectId).sort()).toEqual([...highRisk].sort());
    expect(enrollments.every((e) => e.status === 'COMPLETED')).toBe(true);
    const control = enrollments.filter((e) => offerOf(e).outputFields?.group === 'control');
    const share = control.length / enrollments.length;
    expect(share).toBeGreaterThanOrEqual(0.15);
    expect(share).toBeLessThanOrEqual(0.25);
    for (const e of control) expect(offerOf(e).state).toBe('SUCCESS');
  });

  it('every treated contact has its own offer code in its CRM properties, and control has none', () => {
    const contacts = store.portal(HUB)!.recordsOf('contacts');
    const codes = new Set<string>();
    for (const e of enrollments) {
      const step = offerOf(e);
      const property = contacts.get(e.objectId)!.properties.retention_offer_code;
      if (step.outputFields?.group === 'control') {
        expect(property ?? '').toBe('');
        continue;
      }
      // Treated steps answered BLOCK and were completed by the product's callback with the code.
      expect(step.state).toBe('SUCCESS');
      expect(step.outputFields).toMatchObject({ group: 'treatment', hs_execution_state: 'SUCCESS' });
      expect(step.outputFields!.offer_code).toMatch(/^CR-/);
      expect(property).toBe(step.outputFields!.offer_code);
      codes.add(property!);
    }
    const treated = enrollments.filter((e) => offerOf(e).outputFields?.group === 'treatment').length;
    expect(codes.size).toBe(treated);
  });

  it('replaying every call, signed v2 or v3, answers the same outputs and changes no count', async () => {
    const before = await tableCounts();
    const crmCodes = () =>
      enrollments.map(
        (e) => store.portal(HUB)!.recordsOf('contacts').get(e.objectId)!.properties.retention_offer_code,
      );
    const codesBefore = crmCodes();
    for (const [i, e] of enrollments.entries()) {
      const step = offerOf(e);
      const replay = await postAction(
        'send-retention-offer',
        {
          callbackId: step.callbackId,
          origin: {
            portalId: HUB,
            actionDefinitionId: Number(definitionIds.get('send-retention-offer')),
            actionDefinitionVersion: 1,
          },
          context: { source: 'WORKFLOWS', workflowId: 1 },
          object: { objectId: Number(e.objectId), objectType: 'CONTACT', properties: {} },
          inputFields: OFFER_INPUTS,
        },
        i % 2 === 0 ? 'v2' : 'v3',
      );
      expect(replay.status).toBe(200);
      const { hs_execution_state: state, ...outputs } = replay.body.outputFields as Record<string, unknown>;
      expect(state).toBe('SUCCESS');
      const { hs_execution_state: _s, ...first } = step.outputFields!;
      expect(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, String(v)]))).toEqual(first);
    }
    expect(await tableCounts()).toEqual(before);
    expect(crmCodes()).toEqual(codesBefore);
    const jobs = await product.ctx.queues.get('workflows').getJobCounts('waiting', 'delayed', 'active');
    expect(jobs).toEqual({ waiting: 0, delayed: 0, active: 0 });
  });

  it('bad requests get a 4xx with a clear message and create nothing', async () => {
    const before = await tableCounts();
    const request = (inputFields: Record<string, unknown>, callbackId = 'ap-bad-1') => ({
      callbackId,
      origin: { portalId: HUB },
      object: { objectId: Number(highRisk[0]), objectType: 'CONTACT' },
      inputFields,
    });
    const unknown = await postAction('send-discount', request(OFFER_INPUTS));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      error: {
        code: 'not_found',
        message: expect.stringMatching(
          /^No workflow action "send-discount"; the actions are send-retention-offer,/,
        ),
      },
    });
    const missing = await postAction(
      'send-retention-offer',
      request({ ...OFFER_INPUTS, validity_days: undefined }),
    );
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/validity_days is required/),
    });
    const range = await postAction(
      'send-retention-offer',
      request({ ...OFFER_INPUTS, holdout_percent: 150 }),
    );
    expect(range.status).toBe(400);
    expect(range.body.error).toMatchObject({
      message: expect.stringMatching(/holdout_percent must be between 0 and 100/),
    });
    const unsigned = await postAction('send-retention-offer', request(OFFER_INPUTS, 'ap-bad-2'), 'none');
    expect(unsigned.status).toBe(401);
    const otherPortal = await postAction('send-retention-offer', {
      ...request(OFFER_INPUTS, 'ap-bad-3'),
      origin: { portalId: 999 },
    });
    expect(otherPortal.status).toBe(404);
    expect(await tableCounts()).toEqual(before);
  });

  it('the effect report shows the offer’s true effect, with a 95 % interval that excludes 0', async () => {
    const truth = await decideOutcomes(HUB, 0.7);
    const report = await effectReport(HUB, new Date(Date.now() + 91 * DAY_MS));
    const campaign = report.campaigns.find(
      (c) => c.campaignId === CAMPAIGN && c.action === 'send-retention-offer',
    )!;
    expect(campaign.enrolled.treatment + campaign.enrolled.control).toBe(HIGH_RISK);
    const ninety = campaign.windows.find((w) => w.days === 90)!;
    expect(ninety.pending).toBe(0);
    expect(ninety.treatment.observed).toBe(campaign.enrolled.treatment);
    expect(ninety.treatment.churned).toBe(truth.offered.churned);
    expect(ninety.uplift).toBeGreaterThan(0);
    expect(ninety.ci95!.low).toBeGreaterThan(0);
    expect(ninety.ci95!.low).toBeLessThan(truth.trueOfferUplift);
    expect(ninety.ci95!.high).toBeGreaterThan(truth.trueOfferUplift);
    // Shorter windows see fewer of the leavers, never more.
    const thirty = campaign.windows.find((w) => w.days === 30)!;
    expect(thirty.treatment.churned + thirty.control.churned).toBeLessThanOrEqual(
      ninety.treatment.churned + ninety.control.churned,
    );
    expect(campaign.offers).toMatchObject({ issued: campaign.enrolled.treatment, redeemed: 0 });
    // Before the windows end, nothing is counted yet.
    const early = await effectReport(HUB, new Date(Date.now() + 10 * DAY_MS));
    const earlyNinety = early.campaigns
      .find((c) => c.campaignId === CAMPAIGN)!
      .windows.find((w) => w.days === 90)!;
    expect(earlyNinety).toMatchObject({ pending: HIGH_RISK, uplift: null, ci95: null });
  }, 300_000);

  it('offers redeemed through the API or a CSV import count in the report, with the cost per saved customer', async () => {
    const base = `${product.url}/api/v1/portals/${portalIds.get(HUB)}/offers`;
    const codes = enrollments
      .map((e) => offerOf(e).outputFields?.offer_code)
      .filter((code): code is string => Boolean(code));
    const redeem = (body: unknown) =>
      fetch(`${base}/redeem`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Churn-Radar-Admin': '1' },
        body: JSON.stringify(body),
      });
    const first = await redeem({ code: codes[0]!.toLowerCase(), value: 40 });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ code: codes[0], status: 'redeemed' });
    expect((await redeem({ code: codes[0] })).status).toBe(409);
    expect((await redeem({ code: 'CR-0000-0000-0000-0000' })).status).toBe(404);
    expect((await redeem({ value: 3 })).status).toBe(400);
    const imported = await fetch(`${base}/redemptions`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv', 'X-Churn-Radar-Admin': '1' },
      body: `code,value\n${codes[1]},35\n${codes[2]},25\n`,
    });
    const outcome = await importOutcome(product.url, imported, { 'X-Churn-Radar-Admin': '1' });
    expect(outcome.counts).toMatchObject({ redeemed: 2 });

    const report = await effectReport(HUB, new Date(Date.now() + 91 * DAY_MS));
    const campaign = report.campaigns.find((c) => c.campaignId === CAMPAIGN)!;
    expect(campaign.offers).toMatchObject({ redeemed: 3, redeemedValue: 100 });
    expect(campaign.savedCustomers).toBeGreaterThan(0);
    expect(campaign.costPerSavedCustomer).toBeCloseTo(100 / campaign.savedCustomers!, 6);
  });

  it('with offers that change nothing, the interval covers 0', async () => {
    const crmPortal = await installPortal(NO_EFFECT_HUB, 300);
    await runOfferCampaign(NO_EFFECT_HUB, riskiestCustomers(crmPortal, 150));
    const truth = await decideOutcomes(NO_EFFECT_HUB, 0);
    expect(truth.trueOfferUplift).toBe(0);
    const report = await effectReport(NO_EFFECT_HUB, new Date(Date.now() + 91 * DAY_MS));
    const ninety = report.campaigns[0]!.windows.find((w) => w.days === 90)!;
    expect(ninety.treatment.observed + ninety.control.observed).toBe(150);
    expect(ninety.ci95!.low).toBeLessThan(0);
    expect(ninety.ci95!.high).toBeGreaterThan(0);
  }, 300_000);
});

describe('a feedback request', () => {
  it('serves a survey page that takes one answer, stored as feedback with its sentiment', async () => {
    const contactId = riskiestCustomers(store.portal(HUB)!, HIGH_RISK + 1).at(-1)!;
    const workflow = await sandboxApi<{ id: number }>('POST', `/_sandbox/portals/${HUB}/workflows`, {
      name: 'Medium churn risk: ask for feedback',
      enrollment: { property: 'churn_risk_tier', operator: 'EQ', value: 'medium' },
      steps: [
        {
          type: 'action',
          actionDefinitionId: definitionIds.get('request-feedback'),
          inputFields: { holdout_percent: 0, campaign: 'voice-of-customer' },
        },
      ],
    });
    store.portal(HUB)!.updateRecord('contacts', contactId, { churn_risk_tier: 'medium' }, store.now());
    const enrollment = await until(async () => {
      const { results } = await sandboxApi<{ results: Enrollment[] }>(
        'GET',
        `/_sandbox/portals/${HUB}/workflows/${workflow.id}/enrollments`,
      );
      return results.find((e) => e.status === 'COMPLETED');
    }, 'the feedback enrolment');
    const surveyUrl = offerOf(enrollment).outputFields!.survey_url!;
    expect(surveyUrl.startsWith(`${product.url}/s/`)).toBe(true);

    const page = await fetch(surveyUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('name="viewport"');
    expect(html.match(/type="radio" name="score"/g)).toHaveLength(11);

    const answer = (score: string, comment: string) =>
      fetch(surveyUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ score, comment }),
      });
    const outOfRange = await answer('11', 'x');
    expect(outOfRange.status).toBe(400);
    expect(await outOfRange.text()).toContain('Please choose a score from 0 to 10.');
    const rescoreJobs = async () =>
      (await product.ctx.queues.get('score').getJobs(['delayed', 'waiting', 'active'])).filter(
        (job) => job.name === RESCORE_JOB && job.data.portalId === portalIds.get(HUB),
      );
    expect(await rescoreJobs()).toHaveLength(0);
    const first = await answer('2', 'Terrible support, nobody answers and billing is a mess.');
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Thank you');
    const second = await answer('10', 'Changed my mind, all great!');
    expect(second.status).toBe(409);
    expect(await second.text()).toContain('already been answered');
    // The answer asks for the contact to be rescored with it (the scoring worker is not running here).
    expect(await rescoreJobs()).toHaveLength(1);

    const feedback = await product.ctx.db.db
      .selectFrom('feedback')
      .innerJoin('associations', (join) =>
        join
          .onRef('associations.to_id', '=', 'feedback.id')
          .onRef('associations.portal_id', '=', 'feedback.portal_id'),
      )
      .select(['feedback.score', 'feedback.comment', 'feedback.sentiment', 'associations.from_id'])
      .where('feedback.portal_id', '=', portalIds.get(HUB)!)
      .where('feedback.id', 'like', 'churn-radar-survey-%')
      .execute();
    expect(feedback).toHaveLength(1);
    expect(feedback[0]).toMatchObject({ score: 2, from_id: contactId });
    expect(feedback[0]!.sentiment).toBeLessThan(-0.3);

    // The answer is a feature of the contact from now on.
    const contacts = await loadContacts(product.ctx.db.db, portalIds.get(HUB)!, { ids: [contactId] });
    const [features] = await featuresOfContacts(
      product.ctx.db.db,
      portalIds.get(HUB)!,
      new Date(Date.now() + 1000),
      contacts,
    );
    expect(features!.values).toMatchObject({ nps_last: 2, nps_detractor_count: expect.any(Number) });
    expect(features!.values.feedback_sentiment_mean).not.toBeNull();
  }, 300_000);
});

describe('actions performed from outside a workflow', () => {
  const deps = () => ({
    db: product.ctx.db.db,
    work: product.ctx.work,
    publicUrl: product.url,
    surveyKey: product.ctx.services.cipher.derive('survey-links'),
  });
  const completed = (id: number) =>
    until(async () => {
      const row = await product.ctx.db.db
        .selectFrom('retention_actions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return row.status === 'completed' ? row : undefined;
    }, `retention action ${id}`);

  it('a proactive check-in opens a ticket on the contact with its reasons and talking points', async () => {
    const crmPortal = store.portal(HUB)!;
    const portalId = portalIds.get(HUB)!;
    const contactId = riskiestCustomers(crmPortal, HIGH_RISK + 2).at(-1)!;
    const model = await product.ctx.db.db
      .insertInto('models')
      .values({ portal_id: portalId, version: 1, family: 'gbdt', feature_spec: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await product.ctx.db.db
      .insertInto('scores')
      .values({
        portal_id: portalId,
        contact_id: contactId,
        model_id: model.id,
        probability: 0.82,
        tier: 'high',
        reasons: JSON.stringify([
          { feature: 'tickets_open_now', label: 'Tickets open now', value: 3, contribution: 0.9 },
          {
            feature: 'sessions_per_week_4w',
            label: 'Sessions per week (4 weeks)',
            value: 0.5,
            contribution: 0.4,
          },
          { feature: 'tenure_days', label: 'Tenure (days)', value: 900, contribution: -0.3 },
        ]),
      })
      .execute();
    const request = {
      portalId,
      contactId,
      action: 'proactive-support' as const,
      requestKey: `card-support-${contactId}`,
      inputs: { holdout_percent: 0, campaign: 'card' },
      source: 'manual' as const,
    };
    const result = await performRetentionAction(deps(), request);
    expect(result).toMatchObject({ group: 'treatment', state: 'BLOCK' });
    const row = await completed(result.id);
    const ticketId = String((row.outputs as Record<string, unknown>).ticket_id);
    const ticket = crmPortal.recordsOf('tickets').get(ticketId)!;
    expect(ticket.properties).toMatchObject({ hs_ticket_priority: 'HIGH', hs_pipeline_stage: '1' });
    expect(ticket.properties.subject).toMatch(/^Proactive check-in: /);
    expect(ticket.properties.content).toContain('Churn risk: 82 / 100 (high).');
    expect(ticket.properties.content).toContain('- Tickets open now: 3');
    expect(ticket.properties.content).toContain('Proactive support call');
    expect(ticket.properties.content).not.toContain('Tenure');
    expect(crmPortal.associationsOf('tickets', ticketId, 'contacts').map((a) => a.toId)).toEqual([contactId]);
    // Asked again with the same key, nothing new is opened.
    const tickets = crmPortal.recordsOf('tickets').size;
    expect(await performRetentionAction(deps(), request)).toMatchObject({
      id: result.id,
      replayed: true,
      state: 'SUCCESS',
    });
    expect(crmPortal.recordsOf('tickets').size).toBe(tickets);
  });

  it('a loyalty reward writes the capped balance to the contact', async () => {
    const contactId = riskiestCustomers(store.portal(HUB)!, HIGH_RISK + 3).at(-1)!;
    const reward = (key: string) =>
      performRetentionAction(deps(), {
        portalId: portalIds.get(HUB)!,
        contactId,
        action: 'loyalty-reward',
        requestKey: key,
        inputs: { points: 300, period_days: 30, cap_per_period: 500, holdout_percent: 0, campaign: key },
        source: 'manual',
      });
    for (const key of ['thanks-1', 'thanks-2']) await completed((await reward(key)).id);
    expect(store.portal(HUB)!.recordsOf('contacts').get(contactId)!.properties.loyalty_points).toBe('500');
  });
});

describe('completing a workflow step', () => {
  it('does not take a step HubSpot keeps refusing to complete (404 on every try) for done', async () => {
    const contactId = riskiestCustomers(store.portal(HUB)!, HIGH_RISK + 4).at(-1)!;
    // A step HubSpot never waits for (its callbackId unknown): every completion is refused.
    const result = await performRetentionAction(
      {
        db: product.ctx.db.db,
        work: { finishRetentionAction: async () => {} },
        publicUrl: product.url,
        surveyKey: product.ctx.services.cipher.derive('survey-links'),
      },
      {
        portalId: portalIds.get(HUB)!,
        contactId,
        action: 'send-retention-offer',
        requestKey: 'ap-820-never-blocked-1-0',
        inputs: { ...OFFER_INPUTS, holdout_percent: 0 },
        source: 'workflow',
      },
    );
    expect(result.state).toBe('BLOCK');
    const job = new Job(product.ctx.queues.get('workflows'), RETENTION_ACTION_JOB, { actionId: result.id });
    const attempt = () =>
      processRetentionAction(job, { db: product.ctx.db.db, crms: product.ctx.services.crms });
    // The job's first attempt and its retry each meet only refusals: neither lands anything.
    await expect(attempt()).rejects.toThrow(/No blocked action is waiting/);
    await expect(attempt()).rejects.toThrow(/No blocked action is waiting/);
    const row = await product.ctx.db.db
      .selectFrom('retention_actions')
      .select(['status', 'callback_sent_at'])
      .where('id', '=', result.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: expect.not.stringMatching(/^completed$/), callback_sent_at: null });
  });
});
