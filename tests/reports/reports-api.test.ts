import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { SandboxStore } from '../../sandbox/store.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import type { ExploreReport, QualityReport } from '../../server/reports/index.js';
import type { WorkerPool } from '../../server/jobs/worker-pool.js';
import { loadSandboxPortal } from '../features/features-sandbox-load.js';
import { waitUntil } from '../support/processes.js';
import { dashboardCall, signInToDashboard, type DashboardSession } from '../support/dashboard-session.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalA: number;
let portalB: number;
let session: DashboardSession;
let worker: WorkerPool;

const HUB_A = 821;
const HUB_B = 822;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB_A, HUB_B], rateLimits: { tenSecondlyMax: 100_000 } });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  for (const hub of [HUB_A, HUB_B])
    expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  await product.ctx.queues.get('system').drain();
  const db = product.ctx.db.db;
  portalA = (await findPortalByExternalId(db, 'hubspot', String(HUB_A)))!.id;
  portalB = (await findPortalByExternalId(db, 'hubspot', String(HUB_B)))!.id;
  // A year and a half of history ending today, as a finished sync would leave it.
  const crm = new SandboxStore().createPortal(HUB_A);
  generatePortal(crm, { contacts: 400, seed: 8, months: 18 });
  await loadSandboxPortal(db, portalA, crm);
  session = await signInToDashboard(product.url, HUB_A);
  worker = await product.startWorker();
}, 300_000);
afterAll(async () => {
  await worker?.close(1000);
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

const get = <T>(path: string, as: Pick<DashboardSession, 'cookie' | 'csrfToken'> = session) =>
  dashboardCall<T>(product.url, as, path);

interface Freshness {
  freshness: { computedAt: string; durationMs: number; dataChangedSince: boolean; recomputing: unknown };
}

/** Asks until the worker has stored the report (the first request queues it and answers 202). */
async function ready<T>(path: string, as: Pick<DashboardSession, 'cookie' | 'csrfToken'> = session) {
  const first = await get<T>(path, as);
  if (first.status !== 202) return first;
  expect(first.body).toMatchObject({ available: false, computing: true });
  let answer = first;
  await waitUntil(async () => {
    answer = await get<T>(path, as);
    return answer.status !== 202;
  }, 300_000);
  return answer;
}

describe('GET /api/v1/portals/:portalId/reports/…', () => {
  it('has a worker compute the data-quality report, then serves it at once with its age', async () => {
    const path = `/api/v1/portals/${portalA}/reports/quality`;
    const first = await ready<QualityReport & Freshness>(path);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      report: 'quality',
      source: { kind: 'portal', name: String(portalA) },
      freshness: { dataChangedSince: false, recomputing: null },
    });
    const contacts = await product.ctx.db.db
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('portal_id', '=', portalA)
      .executeTakeFirstOrThrow();
    expect(first.body.rows).toBe(Number(contacts.n));
    expect(first.body.columns.map((c) => c.name)).toContain('usage_minutes_per_week_4w');

    const again = await get<QualityReport & Freshness>(path);
    expect(again.status).toBe(200);
    expect(again.body.generatedAt).toBe(first.body.generatedAt);
    expect(again.body.freshness.computedAt).toBe(first.body.freshness.computedAt);

    // A sync writes a contact: the stored report is still served at once, and says the data changed.
    const someone = await product.ctx.db.db
      .selectFrom('contacts')
      .select(['email'])
      .where('portal_id', '=', portalA)
      .where('email', 'is not', null)
      .executeTakeFirstOrThrow();
    await product.ctx.db.db
      .insertInto('contacts')
      .values({
        portal_id: portalA,
        id: '99999999',
        email: someone.email!.toUpperCase(),
        properties: '{}',
        created_at: new Date(),
        updated_at: new Date(),
        lifecycle_stage: 'lead',
        owner_id: null,
        company_id: null,
      })
      .execute();
    const stale = await get<QualityReport & Freshness>(path);
    expect(stale.status).toBe(200);
    expect(stale.body.rows).toBe(first.body.rows);
    expect(stale.body.freshness.dataChangedSince).toBe(true);

    // Recomputed on request, by the worker: the new contact and its duplicate are in.
    const asked = await dashboardCall(product.url, session, `${path}/recompute`, { method: 'POST' });
    expect(asked.status).toBe(202);
    let fresh = stale;
    await waitUntil(async () => {
      fresh = await get<QualityReport & Freshness>(path);
      return fresh.body.freshness.dataChangedSince === false;
    }, 300_000);
    expect(fresh.body.rows).toBe(first.body.rows + 1);
    expect(fresh.body.duplicates!.groups).toContainEqual({
      key: someone.email!.toLowerCase(),
      rows: expect.arrayContaining(['99999999']),
    });
  }, 300_000);

  it('serves the exploratory report: ranking, segments and early warning', async () => {
    const res = await ready<ExploreReport>(`/api/v1/portals/${portalA}/reports/explore`);
    expect(res.status).toBe(200);
    expect(res.body.report).toBe('explore');
    expect(res.body.churned).toBeGreaterThan(10);
    expect(res.body.ranking.length).toBeGreaterThan(20);
    expect(res.body.segments.map((s) => s.variable)).toContain('plan');
    expect(res.body.earlyWarning!.length).toBeGreaterThan(10);
  }, 300_000);

  it('refuses a recompute without the CSRF token', async () => {
    const refused = await dashboardCall(
      product.url,
      session,
      `/api/v1/portals/${portalA}/reports/quality/recompute`,
      {
        method: 'POST',
        csrf: false,
      },
    );
    expect(refused.status).toBe(403);
  });

  it('answers 404 for another portal, an unknown report or a malformed id, and 401 without a session', async () => {
    const other = await get<{ error: { code: string } }>(`/api/v1/portals/${portalB}/reports/quality`);
    expect(other.status).toBe(404);
    expect((await get(`/api/v1/portals/abc/reports/explore`)).status).toBe(404);
    expect((await get(`/api/v1/portals/${portalA}/reports/secrets`)).status).toBe(400);
    const anonymous = await fetch(`${product.url}/api/v1/portals/${portalA}/reports/quality`);
    expect(anonymous.status).toBe(401);
  });

  it('answers 422 when the portal has no churn history to explore', async () => {
    const b = await signInToDashboard(product.url, HUB_B);
    const res = await ready<{ error: { code: string; message: string } }>(
      `/api/v1/portals/${portalB}/reports/explore`,
      b,
    );
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('not_enough_history');
  }, 300_000);
});
