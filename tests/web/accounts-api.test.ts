import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { AccountList, AccountView } from '../../server/api/contracts/accounts.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { scorePoints } from '../../server/scoring/score-points.js';
import { seedAccounts, type AccountPortal } from '../support/account-portal.js';
import { dashboardCall, signInToDashboard, type DashboardSession } from '../support/dashboard-session.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalA: number;
let portalB: number;
let session: DashboardSession;
let accounts: AccountPortal;

const HUB_A = 821;
const HUB_B = 822;
const CONTACTS = 120;
const PER_COMPANY = 4;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB_A, HUB_B], rateLimits: { tenSecondlyMax: 100_000 } });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  for (const hub of [HUB_A, HUB_B])
    expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  // No worker: the installs' first jobs are dropped and the warehouse is filled here.
  await product.ctx.queues.get('system').drain();
  const db = product.ctx.db.db;
  portalA = (await findPortalByExternalId(db, 'hubspot', String(HUB_A)))!.id;
  portalB = (await findPortalByExternalId(db, 'hubspot', String(HUB_B)))!.id;
  const { modelId } = await seedScoredPortal(db, portalA, { contacts: CONTACTS, weeks: 2, idPrefix: 'a' });
  accounts = await seedAccounts(db, portalA, {
    idPrefix: 'a',
    contacts: CONTACTS,
    perCompany: PER_COMPANY,
    modelId,
  });
  await seedScoredPortal(db, portalB, { contacts: 20, weeks: 1, idPrefix: 'b' });
  session = await signInToDashboard(product.url, HUB_A);
}, 300_000);

afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

const list = (query = '') =>
  dashboardCall<AccountList>(product.url, session, `/api/v1/portals/${portalA}/accounts${query}`);
const view = (companyId: string, portalId = portalA) =>
  dashboardCall<AccountView>(product.url, session, `/api/v1/portals/${portalId}/accounts/${companyId}`);

/** Every account of the run, riskiest first, from the database apart from the API's SQL. */
async function storedAccounts() {
  return product.ctx.db.db
    .selectFrom('account_scores')
    .selectAll()
    .where('run_id', '=', accounts.runId)
    .orderBy('probability', 'desc')
    .orderBy('company_id')
    .execute();
}

describe('GET /accounts: companies by their risk of leaving', () => {
  it('lists every scored company riskiest first, tiered by rank with the Settings shares', async () => {
    const { status, body } = await list('?limit=200');
    expect(status).toBe(200);
    const stored = await storedAccounts();
    expect(stored).toHaveLength(CONTACTS / PER_COMPANY);
    expect(body.total).toBe(stored.length);
    expect(body.run).toEqual({ id: accounts.runId, scoredAt: expect.any(String) });
    expect(body.rows.map((r) => r.companyId)).toEqual(stored.map((s) => s.company_id));
    // 30 companies: the riskiest 3 (10 %) high, the next 6 (20 %) medium.
    expect(body.summary).toMatchObject({ accounts: 30, high: 3, medium: 6 });
    expect(body.rows.slice(0, 3).every((r) => r.tier === 'high')).toBe(true);
    expect(body.rows.slice(3, 9).every((r) => r.tier === 'medium')).toBe(true);
    expect(body.rows.slice(9).every((r) => r.tier === 'low')).toBe(true);

    const top = body.rows[0]!;
    expect(top).toMatchObject({
      name: expect.any(String),
      score: scorePoints(top.probability),
      activeContacts: PER_COMPANY,
      scoredAt: expect.any(String),
    });
    expect(top.reasons.length).toBeGreaterThan(0);
    for (const reason of top.reasons) expect(reason.text).not.toMatch(/\d\.\d{3}|undefined|null/);
    const withValue = body.rows.find((r) => r.value !== null)!;
    expect(withValue.valueAtRisk).toBeCloseTo(withValue.value! * withValue.probability, 6);
    // Companies 0, 3, 6, … renew within 10 + k days: every one of them within 90 days.
    expect(body.summary.renewalsIn90Days).toBe(10);
    const renewing = body.rows.find((r) => r.companyId === accounts.companies[3])!;
    expect(renewing.renewalValue).toBe(5_500);
    expect(renewing.reasons.map((r) => r.text)).toContain('Renewal in 13 days worth 5,500');
  });

  it('sorts by value at risk, by renewal (the soonest first, none last) and by name', async () => {
    const byValue = (await list('?sort=valueAtRisk&limit=200')).body.rows;
    const values = byValue.map((r) => r.valueAtRisk ?? -1);
    expect(values).toEqual([...values].sort((a, b) => b - a));

    const byRenewal = (await list('?sort=renewal&order=asc&limit=200')).body.rows;
    expect(byRenewal.slice(0, 10).map((r) => r.companyId)).toEqual(
      [0, 3, 6, 9, 12, 15, 18, 21, 24, 27].map((k) => accounts.companies[k]),
    );
    expect(byRenewal.slice(10).every((r) => r.renewalAt === null)).toBe(true);

    const byName = (await list('?sort=name&order=asc&limit=200')).body.rows.map((r) => r.name.toLowerCase());
    expect(byName).toEqual([...byName].sort());
  });

  it('filters by tier and pages through the same order', async () => {
    const high = await list('?tier=high');
    expect(high.body.total).toBe(3);
    expect(high.body.rows.every((r) => r.tier === 'high')).toBe(true);
    const atRisk = await list('?tier=high,medium');
    expect(atRisk.body.total).toBe(9);

    const all = (await list('?limit=200')).body.rows.map((r) => r.companyId);
    const pages: string[] = [];
    for (let offset = 0; offset < all.length; offset += 7)
      pages.push(...(await list(`?limit=7&offset=${offset}`)).body.rows.map((r) => r.companyId));
    expect(pages).toEqual(all);
  });

  it('refuses a query it cannot answer, naming the parameter', async () => {
    for (const query of ['?sort=bogus', '?tier=urgent', '?limit=0', '?order=sideways']) {
      const answer = await list(query);
      expect([query, answer.status]).toEqual([query, 400]);
      expect(answer.text).toMatch(/Invalid request: (sort|tier|limit|order)/);
    }
  });

  it('answers an empty list before any run scored an account, and 404 for another portal', async () => {
    const other = await signInToDashboard(product.url, HUB_B);
    const answer = await dashboardCall<AccountList>(
      product.url,
      other,
      `/api/v1/portals/${portalB}/accounts`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      total: 0,
      run: null,
      summary: { accounts: 0, high: 0, medium: 0, valueAtRisk: 0, renewalsIn90Days: 0 },
      rows: [],
    });
    expect((await dashboardCall(product.url, session, `/api/v1/portals/${portalB}/accounts`)).status).toBe(
      404,
    );
  });
});

describe('GET /accounts/:companyId: a company with its contacts', () => {
  it("gives the company's risk, tier, reasons, renewal and value, and its contacts with theirs", async () => {
    const companyId = accounts.companies[3]!;
    const row = (await list('?limit=200')).body.rows.find((r) => r.companyId === companyId)!;
    const { status, body } = await view(companyId);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      companyId,
      name: row.name,
      domain: `${companyId}.example.com`,
      industry: 'RETAIL',
      score: {
        score: row.score,
        tier: row.tier,
        reasons: row.reasons,
        activeContacts: PER_COMPANY,
        runId: accounts.runId,
      },
      renewal: { at: row.renewalAt, value: 5_500 },
      value: row.value,
      contactsTotal: PER_COMPANY,
    });
    // The score splits into its customers' part and its signals' part, each to one decimal, adding up.
    const { customers, signals } = body.score!.breakdown;
    expect([customers, signals].map((x) => Math.round(x * 10) / 10)).toEqual([customers, signals]);
    expect(Math.round((customers + signals) * 10) / 10).toBe(body.score!.score);
    // The signals' bars add up to the signals' part, and no bar says more than the customers' part.
    const signalBars = body.score!.reasons.filter((r) =>
      ['high_priority_tickets', 'renewal', 'churned_contacts'].includes(r.kind),
    );
    expect(Math.round(signalBars.reduce((sum, r) => sum + r.points, 0) * 10) / 10).toBe(signals);
    const customerBars = body.score!.reasons.filter((r) => !signalBars.includes(r));
    expect(customerBars.reduce((sum, r) => sum + r.points, 0)).toBeLessThanOrEqual(customers + 1e-9);
    for (const r of body.score!.reasons) expect(Math.round(r.points * 10) / 10).toBe(r.points);
    expect(body.contacts.map((c) => c.contactId).sort()).toEqual(['a13', 'a14', 'a15', 'a16']);
    const scores = body.contacts.map((c) => c.score!);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const contact of body.contacts) {
      expect(contact).toMatchObject({
        status: 'active',
        tier: expect.stringMatching(/^(low|medium|high)$/),
        viewPath: `/app/contacts/${contact.contactId}`,
        crmUrl: expect.stringContaining(contact.contactId),
      });
    }
    const leaders = body.contacts.filter((c) => c.isDecisionMaker);
    expect(leaders).toHaveLength(1);
    expect(body.decisionMaker).toEqual({ contactId: leaders[0]!.contactId, name: leaders[0]!.name });
    // The decision-maker brings the most revenue: seeded won deals go to the even-numbered contacts.
    expect(Number(leaders[0]!.contactId.slice(1)) % 2).toBe(0);
  });

  it('answers 404 for a company the portal does not have, and refuses a malformed id', async () => {
    expect((await view('nope')).status).toBe(404);
    expect((await view('a co 1')).status).toBe(400);
  });
});
