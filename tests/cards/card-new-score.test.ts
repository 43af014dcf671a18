/**
 * The risk card keeps each contact's view between openings, and shows a new score or status the
 * first time it is opened after a worker stored it: a rescoring between runs, and a weekly run in
 * which a customer is found to have left. The worker runs the product's own job processors on the
 * queues (as `churn work` does); the server learns of its writes only through Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { SandboxStore } from '../../sandbox/store.js';
import type { ContactRiskView } from '../../server/api/cards/contact-risk-view.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { QUEUE_NAMES } from '../../server/jobs/queues.js';
import { RESCORE_JOB } from '../../server/jobs/rescore-jobs.js';
import type { WorkerPool } from '../../server/jobs/worker-pool.js';
import { latestRunProgress } from '../../server/scoring/runs.js';
import { waitUntil } from '../support/processes.js';
import {
  PRODUCT_APP,
  runAnotherCycle,
  startTestProduct,
  walkInstall,
  type TestProduct,
} from '../support/product-server.js';
import { fetchRiskCard } from '../support/risk-card-fetch.js';

const HUB = 820;
const CONTACTS = 300;
const DAY_MS = 86_400_000;

let redis: EmbeddedRedis;
let store: SandboxStore;
let sandbox: RunningSandbox;
let product: TestProduct;
let worker: WorkerPool;
let portalId: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  store = new SandboxStore();
  // Search shows each change at once: a cycle started right after a change syncs it.
  sandbox = await startSandbox({
    store,
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    searchIndexLagMs: 0,
  });
  generatePortal(store.portal(HUB)!, { contacts: CONTACTS, seed: 11 });
  product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 1000, searchPerSecond: 1000 },
  });
  store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
  worker = await product.startWorker();
  await waitUntil(
    async () => (await latestRunProgress(product.ctx.db.db, portalId))?.status === 'succeeded',
    600_000,
  );
}, 700_000);

afterAll(async () => {
  await worker?.close(1000);
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

/** The card as HubSpot fetches it for the portal's super admin. */
async function card(contactId: string): Promise<ContactRiskView> {
  const response = await fetchRiskCard(product.url, HUB, contactId);
  expect(response.status).toBe(200);
  return (await response.json()) as ContactRiskView;
}

/** Customers the product scores now, by the sandbox's hidden truth. */
function activeCustomers(): string[] {
  const portal = store.portal(HUB)!;
  return [...portal.recordsOf('contacts').values()]
    .filter((c) => !c.archived && /^(low|medium|high)$/.test(c.properties.churn_risk_tier ?? ''))
    .filter((c) => portal.truth.get(c.id)?.churnVisibleAt === null)
    .map((c) => c.id);
}

async function latestScore(contactId: string) {
  return product.ctx.db.db
    .selectFrom('scores')
    .select(['id', 'probability', 'scored_at'])
    .where('portal_id', '=', portalId)
    .where('contact_id', '=', contactId)
    .orderBy('scored_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
}

/** Until no job waits or runs (the weekly cycle's schedule aside): nothing moves a score meanwhile. */
async function untilNothingRuns(): Promise<void> {
  await waitUntil(async () => {
    for (const name of QUEUE_NAMES) {
      const jobs = await product.ctx.queues
        .get(name)
        .getJobs(['waiting', 'prioritized', 'active', 'waiting-children', 'delayed']);
      if (jobs.some((job) => job && !job.repeatJobKey)) return false;
    }
    return true;
  }, 240_000);
}

/**
 * Opens the card twice once no job runs (the reports after a cycle, say), the second time
 * answered from the kept view; returns what it showed.
 */
async function openTwice(contactId: string): Promise<ContactRiskView> {
  await untilNothingRuns();
  const late = product.ctx.services.cardViews.stats().stampsLate;
  const first = await card(contactId);
  const { hits } = product.ctx.services.cardViews.stats();
  expect(await card(contactId)).toEqual(first);
  const after = product.ctx.services.cardViews.stats();
  // Kept, unless Redis gave a stamp too late for the cache (a slow box): then served without it.
  if (after.stampsLate === late) expect(after.hits).toBe(hits + 1);
  return first;
}

describe('the risk card after a worker stores a new score', () => {
  it('shows the score of a rescoring between runs at the next opening, not the view it kept', async () => {
    const [contactId] = activeCustomers();
    const before = await openTwice(contactId!);
    expect(before.status).toBe('scored');

    const queue = product.ctx.queues.get('score');
    const rescorings = async () =>
      (await queue.getJobs(['completed'])).filter(
        (job) => job.name === RESCORE_JOB && (job.returnvalue as { rescored?: number } | null)?.rescored,
      ).length;
    const done = await rescorings();
    // A survey answer asks for this: the worker scores the contact again, as of now.
    await product.ctx.work.rescoreContacts(portalId, [contactId!], 'survey');
    await waitUntil(async () => (await rescorings()) > done, 240_000);

    const stored = await latestScore(contactId!);
    expect(stored.id).not.toBe(before.score!.id);
    const after = await card(contactId!);
    expect(after.score).toMatchObject({
      id: stored.id,
      probability: stored.probability,
      scoredAt: stored.scored_at.toISOString(),
    });
    expect(Date.parse(after.score!.scoredAt)).toBeGreaterThan(Date.parse(before.score!.scoredAt));
  }, 300_000);

  it('shows a customer the weekly run found gone as churned at the first opening after the run', async () => {
    const portal = store.portal(HUB)!;
    const contactId = activeCustomers().at(-1)!;
    expect((await openTwice(contactId)).status).toBe('scored');

    const leftAt = new Date(Date.now() - 2 * DAY_MS);
    portal.updateRecord(
      'contacts',
      contactId,
      { lifecyclestage: 'other', hs_lifecyclestage_other_date: leftAt.toISOString() },
      new Date(),
    );
    await runAnotherCycle(product, portalId, 600_000);

    const after = await card(contactId);
    expect(after).toMatchObject({ status: 'churned', score: null });
    expect(Math.abs(Date.parse(after.customer!.leftOn!) - leftAt.getTime())).toBeLessThan(1000);
    expect(portal.recordsOf('contacts').get(contactId)!.properties.churn_risk_tier).toBe('churned');
  }, 700_000);
});
