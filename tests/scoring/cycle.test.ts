import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { forwardUsageEvents, subscribeSandboxWebhooks } from '../../cli/demo-install.js';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { ASSOCIATION_TYPE_IDS, SandboxStore } from '../../sandbox/store.js';
import { createWebhooksRouter, type ClosableRouter } from '../../sandbox/webhooks/router.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { enqueueCycle } from '../../server/jobs/cycle-job.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import type { WorkerPool } from '../../server/jobs/worker-pool.js';
import { latestRunProgress } from '../../server/scoring/runs.js';
import { createUsageApiKey } from '../../server/sync/usage/api-keys.js';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { waitUntil } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { firstRunAfter, lastRunInFirstRunsHour, rewritesBetween, storedTiers } from '../support/rewrites.js';
import { rocAuc } from '../support/roc-auc.js';

const HUB = 910;
const CONTACTS = 3000;
const SCORE_PROPERTIES = [
  'churn_risk_score',
  'churn_risk_tier',
  'churn_risk_reasons',
  'churn_risk_updated_at',
  'churn_risk_model',
];

let redis: EmbeddedRedis;
let store: SandboxStore;
let webhooks: ClosableRouter;
let sandbox: RunningSandbox;
let proxy: CountingProxy;
let product: TestProduct;
let worker: WorkerPool;
let portalId: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  store = new SandboxStore();
  webhooks = createWebhooksRouter(store, {
    delivery: { batchWindowMs: 50, retryDelayMs: 100, maxAttempts: 3 },
  });
  sandbox = await startSandbox({
    store,
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    extraRouters: [webhooks],
  });
  generatePortal(store.portal(HUB)!, { contacts: CONTACTS, seed: 77 });
  proxy = await startCountingProxy(sandbox.url);
  product = await startTestProduct({
    crmUrl: proxy.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 1000, searchPerSecond: 1000 },
  });
  store.registerApp({
    ...PRODUCT_APP,
    redirectUris: [`${product.url}/oauth/callback`],
    webhookTargetUrl: `${product.url}/webhooks/hubspot`,
  });
  await subscribeSandboxWebhooks(
    sandbox.url,
    PRODUCT_APP.appId,
    product.ctx.manifest.webhooks?.subscriptions.crmObjects ?? [],
  );
}, 300_000);

afterAll(async () => {
  webhooks.close();
  await worker?.close(1000);
  await product?.close();
  await proxy?.close();
  await sandbox?.close();
  await redis?.stop();
});

function sandboxContacts() {
  return [...store.portal(HUB)!.recordsOf('contacts').values()];
}

function scoreFields() {
  return new Map(
    sandboxContacts().map((c) => [
      c.id,
      Object.fromEntries(SCORE_PROPERTIES.map((p) => [p, c.properties[p] ?? null])),
    ]),
  );
}

describe('the scoring cycle, from install to scores in the CRM', () => {
  it('scores every contact after the install and writes the five properties back', async () => {
    expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
    portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
    // The customers' product usage arrives before the worker starts the first cycle, as it has
    // by the time the demo's rate-limited first sync ends.
    const key = await createUsageApiKey(product.ctx.db.db, portalId);
    await forwardUsageEvents(product.url, key.key, store.portal(HUB)!.usageEvents);
    worker = await product.startWorker();
    await waitUntil(
      async () => (await latestRunProgress(product.ctx.db.db, portalId))?.status === 'succeeded',
      720_000,
    );

    const run = (await latestRunProgress(product.ctx.db.db, portalId))!;
    // Only customers who can still leave get a score: by the hidden truth, those who bought and
    // whose churn the CRM does not show yet.
    const truth = store.portal(HUB)!.truth;
    const active = [...truth.values()].filter((t) => t.churnVisibleAt === null).length;
    expect(run.contactsScored).toBe(active);
    // Every contact the CRM holds (the generated history merged or deleted a few).
    const contacts = sandboxContacts().filter((c) => !c.archived);
    expect(contacts.length).toBeGreaterThan(CONTACTS * 0.95);
    expect(run.written).toBe(contacts.length);
    for (const contact of contacts) {
      const t = truth.get(contact.id);
      const expected = !t ? 'prospect' : t.churnVisibleAt !== null ? 'churned' : null;
      if (expected) {
        expect([contact.id, contact.properties.churn_risk_tier]).toEqual([contact.id, expected]);
        expect(contact.properties.churn_risk_score).toBe('');
      } else {
        for (const name of SCORE_PROPERTIES) expect(contact.properties[name]).toBeTruthy();
      }
    }
    const tiers = new Map<string, number>();
    for (const c of contacts)
      tiers.set(c.properties.churn_risk_tier!, (tiers.get(c.properties.churn_risk_tier!) ?? 0) + 1);
    // Default policy: the riskiest 10 % of active customers high, the next 20 % medium.
    expect(Math.abs(tiers.get('high')! - active * 0.1)).toBeLessThanOrEqual(1);
    expect(Math.abs(tiers.get('medium')! - active * 0.2)).toBeLessThanOrEqual(1);

    // Against the hidden truth: customers today who have decided to leave (the CRM shows it
    // within the next 90 days) versus those who stay.
    const scores: number[] = [];
    const labels: boolean[] = [];
    for (const [id, truth] of store.portal(HUB)!.truth) {
      if (truth.churnVisibleAt !== null) continue;
      const contact = store.portal(HUB)!.recordsOf('contacts').get(id)!;
      scores.push(Number(contact.properties.churn_risk_score));
      labels.push(truth.churnDecidedAt !== null);
    }
    const auc = rocAuc(scores, labels);
    console.log(
      `written churn_risk_score vs hidden churn in the next 90 days: ROC-AUC ${auc.toFixed(3)} ` +
        `(${labels.filter(Boolean).length} churners of ${labels.length} customers; model ${contacts.find((c) => c.properties.churn_risk_model)?.properties.churn_risk_model})`,
    );
    expect(auc).toBeGreaterThanOrEqual(0.8);
  }, 900_000);

  it('sends on a second cycle only what the CRM no longer holds: fields someone cleared or set by hand', async () => {
    const portal = store.portal(HUB)!;
    const scored = sandboxContacts().filter(
      (c) => !c.archived && ['low', 'medium', 'high'].includes(c.properties.churn_risk_tier ?? ''),
    );
    // A user empties the fields of five customers, and sets a sixth's tier by hand.
    const cleared = scored.slice(0, 5);
    const overwritten = scored.slice(5).find((c) => c.properties.churn_risk_tier !== 'high')!;
    for (const c of cleared)
      portal.updateRecord('contacts', c.id, { churn_risk_tier: null, churn_risk_score: null }, store.now());
    portal.updateRecord('contacts', overwritten.id, { churn_risk_tier: 'high' }, store.now());
    const touched = [...cleared, overwritten].map((c) => c.id).sort();
    // HubSpot's search shows a change seconds after it is made (the sandbox: within its lag), and
    // a change it does not show yet reaches the sync a cycle later. The weekly cycle comes long
    // after such edits: this one starts once search shows them.
    await new Promise((resolve) => setTimeout(resolve, store.searchIndexLag.lagMs));
    const fieldsBefore = scoreFields();
    const writesBefore = proxy.contactWrites();
    const first = (await latestRunProgress(product.ctx.db.db, portalId))!;
    await enqueueCycle(product.ctx.queues, portalId, 'manual');
    // The run this request started, whatever else the portal's queue runs after it.
    const second = () => firstRunAfter(product.ctx.db.db, portalId, first.runId, 'manual');
    await waitUntil(async () => (await second())?.status === 'succeeded', 840_000);
    const run = (await second())!;
    const active = [...portal.truth.values()].filter((t) => t.churnVisibleAt === null).length;
    expect(run.summary.scored).toBe(active);

    // The CRM holds the stored tier again where someone changed it.
    const tierOf = await storedTiers(product.ctx.db.db, portalId, touched);
    for (const c of [...cleared, overwritten]) {
      expect([c.id, c.properties.churn_risk_tier]).toEqual([c.id, tierOf.get(c.id)]);
      expect(c.properties.churn_risk_score).toBeTruthy();
    }
    // Nothing the CRM still held was sent again. Within the first cycle's hour no score moves, so
    // only the six go; a cycle that starts in a later hour also sends the few scores that moved.
    const { changed } = rewritesBetween(fieldsBefore, scoreFields(), 'churn_risk_updated_at');
    const sent = [...proxy.contactWrites()]
      .filter(([id, n]) => n > (writesBefore.get(id) ?? 0))
      .map(([id]) => id)
      .sort();
    expect(sent).toEqual(changed);
    for (const id of touched) expect(sent).toContain(id);
    if (await lastRunInFirstRunsHour(product.ctx.db.db, portalId)) expect(sent).toEqual(touched);
  }, 900_000);

  it('rescores a contact and writes its new score back after three angry tickets, without waiting for the weekly run', async () => {
    const portal = store.portal(HUB)!;
    // A customer at low risk whose product use and emails raise nothing now, so the tickets are
    // what changes: they must show among the reasons. (A customer who already stopped using the
    // product may rightly be explained by that first.)
    const customer = sandboxContacts().find(
      (c) =>
        c.properties.lifecyclestage === 'customer' &&
        c.properties.churn_risk_tier === 'low' &&
        !/product use|used the product|opened one of our emails|no purchase/i.test(
          c.properties.churn_risk_reasons ?? '',
        ),
    )!;
    expect(customer).toBeDefined();
    const scoreBefore = Number(customer.properties.churn_risk_score);
    const writtenBefore = customer.properties.churn_risk_updated_at;
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const ticket = portal.createRecord(
        'tickets',
        {
          subject: 'Completely broken again — this is unacceptable',
          content:
            'Nothing works, the export fails every day and nobody answers. Terrible service. We are angry and will cancel.',
          hs_pipeline: '0',
          hs_pipeline_stage: '1',
          hs_ticket_priority: 'HIGH',
        },
        new Date(),
      );
      portal.associate(
        'contacts',
        customer.id,
        'tickets',
        ticket.id,
        ASSOCIATION_TYPE_IDS['contacts:tickets']!,
      );
    }
    // How soon is a figure for the log (and bench/), not a verdict: a busy box only takes longer.
    await waitUntil(() => customer.properties.churn_risk_updated_at !== writtenBefore, 180_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `three angry tickets: score ${scoreBefore} → ${customer.properties.churn_risk_score} ` +
        `(${customer.properties.churn_risk_tier}; ${customer.properties.churn_risk_reasons}) written back after ${seconds.toFixed(1)} s`,
    );
    // The risk rose: by the stored probabilities, since a customer near 1 % may rise by less
    // than the written score's whole point. (The model is held to the direction of support
    // tickets and tone; unheld, a portal's trees lowered this very score on some days.)
    const stored = await product.ctx.db.db
      .selectFrom('scores')
      .select('probability')
      .where('portal_id', '=', portalId)
      .where('contact_id', '=', customer.id)
      .orderBy('scored_at')
      .orderBy('id')
      .execute();
    expect(stored.at(-1)!.probability).toBeGreaterThan(stored.at(-2)!.probability);
    expect(Number(customer.properties.churn_risk_score)).toBeGreaterThanOrEqual(scoreBefore);
    // Named in plain words ("3 support tickets in 30 days, at least one angry"), never as raw numbers.
    expect(customer.properties.churn_risk_reasons).toMatch(
      /\d+ support tickets?|support messages?|message to support/i,
    );
    expect(customer.properties.churn_risk_reasons).not.toMatch(/\d\.\d|Support tickets, last|Most negative/);
  }, 300_000);
});
