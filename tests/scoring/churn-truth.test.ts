/**
 * Who the product calls at risk, checked against the sandbox's hidden truth on five generated
 * portals and, where the data set is at hand, a B2B portal built from another simulator's tables
 * (RavenStack: accounts, subscriptions, churn events): the risk list, the card and the CRM hold active customers only, agree on every
 * contact's tier, and the tiers follow the Settings shares. Then the churn rule against the CRM: a
 * `property` rule labels churners through a real sync with the date from the property's history,
 * and a customer who left and came back is scored again from the return.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { subscribeSandboxWebhooks } from '../../cli/demo-install.js';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { loadRavenStack } from '../../sandbox/ravenstack.js';
import { SandboxStore, type HiddenTruth } from '../../sandbox/store.js';
import { createWebhooksRouter, type ClosableRouter } from '../../sandbox/webhooks/router.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import type { WorkerPool } from '../../server/jobs/worker-pool.js';
import { latestRunProgress } from '../../server/scoring/runs.js';
import { dashboardCall, signInToDashboard, type DashboardSession } from '../support/dashboard-session.js';
import { waitUntil } from '../support/processes.js';
import {
  PRODUCT_APP,
  runAnotherCycle,
  startTestProduct,
  walkInstall,
  type TestProduct,
} from '../support/product-server.js';
import { fetchRiskCard } from '../support/risk-card-fetch.js';

const SEEDS = [1, 2, 3, 4, 5];
const CONTACTS = 600;
/** Seeds 1–5 are generated portals; 9 is the RavenStack portal when its tables are present. */
const RAVENSTACK = 9;
const RAVENSTACK_DIR = fileURLToPath(new URL('../../../shared/datasets/behavioural/', import.meta.url));
const withRavenStack = existsSync(`${RAVENSTACK_DIR}ravenstack_accounts.csv`);
if (!withRavenStack) console.warn(`RavenStack data absent (${RAVENSTACK_DIR}): its portal is left out`);
const PORTALS = withRavenStack ? [...SEEDS, RAVENSTACK] : SEEDS;
const hubOf = (seed: number) => 930 + seed;
const DAY_MS = 86_400_000;

let redis: EmbeddedRedis;
let store: SandboxStore;
let webhooks: ClosableRouter;
let sandbox: RunningSandbox;
let product: TestProduct;
let worker: WorkerPool;
const portals = new Map<number, { id: number; session: DashboardSession }>();

interface ListRow {
  contactId: string;
  score: number;
  tier: string;
}

interface CardView {
  status: string;
  score: { tier: string; value: number } | null;
  customer: { status: string; leftOn: string | null; since: string | null; evidence: string | null } | null;
}

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  store = new SandboxStore();
  webhooks = createWebhooksRouter(store, {
    delivery: { batchWindowMs: 50, retryDelayMs: 100, maxAttempts: 3 },
  });
  // Search shows each change at once: a cycle started right after a change syncs it.
  sandbox = await startSandbox({
    store,
    portals: PORTALS.map(hubOf),
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    extraRouters: [webhooks],
    searchIndexLagMs: 0,
  });
  for (const seed of SEEDS) generatePortal(store.portal(hubOf(seed))!, { contacts: CONTACTS, seed });
  if (withRavenStack) {
    // The data's last day is yesterday: an account that signed up on it is a customer by the run's
    // date (the hour it starts), whatever the hour the test runs at.
    const yesterday = new Date((Math.floor(Date.now() / DAY_MS) - 1) * DAY_MS);
    loadRavenStack(store.portal(hubOf(RAVENSTACK))!, { dir: RAVENSTACK_DIR, now: yesterday });
  }
  product = await startTestProduct({
    crmUrl: sandbox.url,
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
  for (const seed of PORTALS) {
    expect((await walkInstall(product.url, { portalId: hubOf(seed) })).status).toBe(200);
  }
  worker = await product.startWorker();
  for (const seed of PORTALS) {
    const id = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(hubOf(seed))))!.id;
    await waitUntil(
      async () => (await latestRunProgress(product.ctx.db.db, id))?.status === 'succeeded',
      400_000,
    );
    portals.set(seed, { id, session: await signInToDashboard(product.url, hubOf(seed)) });
  }
}, 600_000);

afterAll(async () => {
  webhooks?.close();
  await worker?.close(1000);
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

const contactsOf = (seed: number) => [...store.portal(hubOf(seed))!.recordsOf('contacts').values()];

/** The truth of a contact: prospect (no truth kept), churned (the CRM shows it by now) or active. */
function truthOf(truth: HiddenTruth | undefined): 'prospect' | 'churned' | 'active' {
  if (!truth) return 'prospect';
  return truth.churnVisibleAt !== null ? 'churned' : 'active';
}

async function riskList(seed: number): Promise<{ total: number; rows: ListRow[] }> {
  const { id, session } = portals.get(seed)!;
  const rows: ListRow[] = [];
  let total: number;
  for (let offset = 0; ; offset += 500) {
    const page = await dashboardCall<{ total: number; rows: ListRow[] }>(
      product.url,
      session,
      `/api/v1/portals/${id}/at-risk?tier=high,medium,low&sort=risk&order=desc&limit=500&offset=${offset}`,
    );
    expect(page.status).toBe(200);
    total = page.body.total;
    rows.push(...page.body.rows);
    if (page.body.rows.length < 500) break;
  }
  return { total, rows };
}

/** The card as HubSpot fetches it: identity in the URL, v3-signed. */
async function card(seed: number, contactId: string): Promise<CardView> {
  const response = await fetchRiskCard(product.url, hubOf(seed), contactId);
  expect(response.status).toBe(200);
  return (await response.json()) as CardView;
}

async function inBatches<T, R>(items: T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return out;
}

describe.each(PORTALS)('portal %i (1–5: generated with that seed; 9: RavenStack)', (seed) => {
  it('the riskiest 100 and everyone written as high are customers who can still be kept', async () => {
    const truth = store.portal(hubOf(seed))!.truth;
    const { rows } = await riskList(seed);
    const top = rows.slice(0, 100);
    expect(top).toHaveLength(100);
    expect(top.map((r) => truthOf(truth.get(r.contactId))).filter((t) => t !== 'active')).toEqual([]);
    const high = contactsOf(seed).filter((c) => c.properties.churn_risk_tier === 'high');
    expect(high.length).toBeGreaterThan(0);
    expect(high.map((c) => truthOf(truth.get(c.id))).filter((t) => t !== 'active')).toEqual([]);
  });

  it('scores exactly the active customers, and tiers them by the Settings shares', async () => {
    const truth = store.portal(hubOf(seed))!.truth;
    const { total } = await riskList(seed);
    const active = contactsOf(seed).filter((c) => truthOf(truth.get(c.id)) === 'active').length;
    expect(total).toBe(active);
    const counts = new Map<string, number>();
    for (const c of contactsOf(seed)) {
      const tier = c.properties.churn_risk_tier ?? '(none)';
      counts.set(tier, (counts.get(tier) ?? 0) + 1);
    }
    // The default shares: the riskiest 10 % of active customers high, the next 20 % medium.
    expect(Math.abs((counts.get('high') ?? 0) - active * 0.1)).toBeLessThanOrEqual(1);
    expect(Math.abs((counts.get('medium') ?? 0) - active * 0.2)).toBeLessThanOrEqual(1);
    const churned = contactsOf(seed).filter((c) => truthOf(truth.get(c.id)) === 'churned').length;
    expect(counts.get('churned') ?? 0).toBe(churned);
    expect(counts.get('prospect') ?? 0).toBe(contactsOf(seed).length - active - churned);
  });

  it('the list, the card and the CRM property agree on every contact', async () => {
    const truth = store.portal(hubOf(seed))!.truth;
    const listed = new Map((await riskList(seed)).rows.map((r) => [r.contactId, r]));
    const contacts = contactsOf(seed);
    const disagreements = (
      await inBatches(contacts, 16, async (c) => {
        const view = await card(seed, c.id);
        const crm = c.properties.churn_risk_tier;
        const list = listed.get(c.id);
        const cardTier = view.status === 'scored' ? view.score!.tier : view.status;
        const expected = truthOf(truth.get(c.id));
        const fine =
          expected === 'active'
            ? list !== undefined &&
              list.tier === crm &&
              cardTier === crm &&
              String(list.score) === c.properties.churn_risk_score &&
              view.score?.value === list.score
            : list === undefined && crm === expected && cardTier === expected;
        return fine
          ? null
          : {
              id: c.id,
              expected,
              crm,
              list: list?.tier,
              card: cardTier,
              scores: [c.properties.churn_risk_score, list?.score, view.score?.value],
            };
      })
    ).filter((d) => d !== null);
    expect(disagreements).toEqual([]);
  }, 360_000);

  it('a lost customer’s card says when they left and what showed it', async () => {
    const truth = store.portal(hubOf(seed))!.truth;
    const lost = [...truth.values()].find((t) => t.churnVisibleAt !== null)!;
    const view = await card(seed, lost.contactId);
    expect(view.status).toBe('churned');
    expect(view.score).toBeNull();
    expect(view.customer!.evidence).toBeTruthy();
    // The CRM shows the churn on the visible date (the stage change or the lost renewal's close).
    expect(Math.abs(Date.parse(view.customer!.leftOn!) - lost.churnVisibleAt!.getTime())).toBeLessThan(
      DAY_MS,
    );
    const contact = store.portal(hubOf(seed))!.recordsOf('contacts').get(lost.contactId)!;
    expect(contact.properties.churn_risk_reasons).toMatch(/^Left on \d{1,2} \w{3} \d{4}/);
  });
});

describe('the churn rule against the CRM', () => {
  const SEED = 1;

  it('a property rule labels churners through a real sync, dated from the property’s history', async () => {
    const portal = store.portal(hubOf(SEED))!;
    const { id, session } = portals.get(SEED)!;
    portal.properties.get('contacts')!.set('account_closed', {
      ...portal.properties.get('contacts')!.get('plan')!,
      name: 'account_closed',
      label: 'Account closed',
      type: 'bool',
      fieldType: 'booleancheckbox',
      options: [],
    });
    const active = contactsOf(SEED).filter((c) => truthOf(portal.truth.get(c.id)) === 'active');
    const flagged = active.slice(0, 3);
    const closedAt = new Date(Date.now() - 20 * DAY_MS);
    for (const c of flagged) {
      portal.updateRecord('contacts', c.id, { account_closed: 'true' }, closedAt);
      // A later edit of something else: the record's last change is today, the churn 20 days ago.
      portal.updateRecord('contacts', c.id, { jobtitle: 'Former client' }, new Date());
    }
    // Everyone else is marked not closed, as a portal using such a flag would show.
    for (const c of contactsOf(SEED).slice(0, 50))
      if (!flagged.includes(c)) portal.updateRecord('contacts', c.id, { account_closed: 'false' }, closedAt);

    const changed = await dashboardCall(product.url, session, `/api/v1/portals/${id}/settings`, {
      method: 'PUT',
      body: { churnRule: { kind: 'property', property: 'account_closed' } },
    });
    expect(changed.status).toBe(200);
    await runAnotherCycle(product, id, 720_000);

    for (const c of flagged) {
      const view = await card(SEED, c.id);
      expect(view.status).toBe('churned');
      expect(view.customer!.evidence).toBe('account_closed set to true');
      expect(Math.abs(Date.parse(view.customer!.leftOn!) - closedAt.getTime())).toBeLessThan(1000);
      expect(portal.recordsOf('contacts').get(c.id)!.properties.churn_risk_tier).toBe('churned');
    }
    // Everyone else active under the lifecycle stage is still scored.
    expect(portal.recordsOf('contacts').get(active[10]!.id)!.properties.churn_risk_tier).toMatch(
      /^(low|medium|high)$/,
    );
  }, 900_000);

  it('a portal installed by an earlier release gets the new tier values before its next write-back', async () => {
    const SEED_OLD = 3;
    const portal = store.portal(hubOf(SEED_OLD))!;
    const { id } = portals.get(SEED_OLD)!;
    const tier = portal.properties.get('contacts')!.get('churn_risk_tier')!;
    tier.options = tier.options.filter((o) => ['low', 'medium', 'high'].includes(o.value));
    const leaving = contactsOf(SEED_OLD).find(
      (c) => truthOf(portal.truth.get(c.id)) === 'active' && c.properties.churn_risk_tier === 'low',
    )!;
    const leftAt = new Date(Date.now() - 2 * DAY_MS);
    portal.updateRecord(
      'contacts',
      leaving.id,
      { lifecyclestage: 'other', hs_lifecyclestage_other_date: leftAt.toISOString() },
      new Date(),
    );
    await runAnotherCycle(product, id, 360_000);
    expect(tier.options.map((o) => o.value)).toEqual(['low', 'medium', 'high', 'churned', 'prospect']);
    expect(leaving.properties.churn_risk_tier).toBe('churned');
    expect(leaving.properties.churn_risk_score).toBe('');
  }, 300_000);

  it('a customer who left and came back is active again and scored from the return', async () => {
    const SEED_BACK = 2;
    const portal = store.portal(hubOf(SEED_BACK))!;
    const lost = [...portal.truth.values()].find((t) => t.churnVisibleAt !== null)!;
    const contact = portal.recordsOf('contacts').get(lost.contactId)!;
    expect(contact.properties.churn_risk_tier).toBe('churned');
    const returned = new Date();
    // Back in the CRM as a customer; HubSpot's stage dates keep the day they left.
    portal.updateRecord('contacts', contact.id, { lifecyclestage: 'customer' }, returned, 'CRM');
    await waitUntil(() => /^(low|medium|high)$/.test(contact.properties.churn_risk_tier ?? ''), 120_000);
    expect(Number(contact.properties.churn_risk_score)).toBeGreaterThanOrEqual(0);
    const view = await card(SEED_BACK, contact.id);
    expect(view.status).toBe('scored');
    expect(view.customer!.status).toBe('active');
    expect(Math.abs(Date.parse(view.customer!.since!) - returned.getTime())).toBeLessThan(1000);
  }, 300_000);
});
