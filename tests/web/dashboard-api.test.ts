import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { freePort } from '../../server/api/http-server.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { dashboardCall, signInToDashboard, type DashboardSession } from '../support/dashboard-session.js';
import {
  flowCookie,
  PRODUCT_APP,
  startTestProduct,
  walkInstall,
  type TestProduct,
} from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalA: number;
let portalB: number;
let session: DashboardSession;

const HUB_A = 811;
const HUB_B = 812;
const HUB_NOT_INSTALLED = 813;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({
    portals: [HUB_A, HUB_B, HUB_NOT_INSTALLED],
    rateLimits: { tenSecondlyMax: 100_000 },
  });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  for (const hub of [HUB_A, HUB_B])
    expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  await product.ctx.queues.get('system').drain();
  const db = product.ctx.db.db;
  portalA = (await findPortalByExternalId(db, 'hubspot', String(HUB_A)))!.id;
  portalB = (await findPortalByExternalId(db, 'hubspot', String(HUB_B)))!.id;
  await seedScoredPortal(db, portalA, { contacts: 400, weeks: 3, idPrefix: 'a' });
  await seedScoredPortal(db, portalB, { contacts: 50, weeks: 2, idPrefix: 'b', namePrefix: 'Bravo' });
  session = await signInToDashboard(product.url, HUB_A);
});
afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

/** The current score of each contact, worked out here from the raw rows, apart from the SQL. */
async function latestByContact(portalId: number) {
  const rows = await product.ctx.db.db
    .selectFrom('scores')
    .select(['contact_id', 'probability', 'tier', 'scored_at'])
    .where('portal_id', '=', portalId)
    .execute();
  const latest = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    const seen = latest.get(row.contact_id);
    if (!seen || seen.scored_at < row.scored_at) latest.set(row.contact_id, row);
  }
  return [...latest.values()];
}

describe('signing in to the dashboard through the CRM', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie for the portal the user signed in to', async () => {
    expect(session.setCookie).toMatch(/HttpOnly/i);
    expect(session.setCookie).toMatch(/SameSite=Lax/i);
    expect(session.setCookie).not.toMatch(/Secure/i);
    expect(session.portalId).toBe(portalA);
  });

  it('marks the cookie Secure when the server is reached over HTTPS', async () => {
    // A product whose public address is https (behind a TLS proxy); the test talks to it in plain HTTP.
    const port = await freePort();
    const publicUrl = `https://127.0.0.1:${port}`;
    const secure = await startTestProduct({
      crmUrl: sandbox.url,
      redisUrl: redis.url,
      env: { PORT: String(port), PUBLIC_URL: publicUrl },
    });
    try {
      sandbox.store.registerApp({
        ...PRODUCT_APP,
        redirectUris: [`${product.url}/oauth/callback`, `${publicUrl}/oauth/callback`],
      });
      const plain = (url: string) => url.replace(publicUrl, secure.url);
      const roundTrip = async (start: string) => {
        const first = await fetch(`${secure.url}${start}`, { redirect: 'manual' });
        const flow = flowCookie(first);
        expect(first.headers.getSetCookie()[0]).toMatch(/HttpOnly.*Secure|Secure.*HttpOnly/i);
        const authorize = new URL(first.headers.get('location')!);
        const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
          method: 'POST',
          redirect: 'manual',
          body: new URLSearchParams({
            ...Object.fromEntries(authorize.searchParams),
            portalId: String(HUB_A),
            decision: 'approve',
          }),
        });
        return fetch(plain(consent.headers.get('location')!), {
          redirect: 'manual',
          headers: { cookie: flow },
        });
      };
      expect((await roundTrip('/oauth/install')).status).toBe(200);
      const signedIn = await roundTrip('/app/login');
      expect(signedIn.status).toBe(302);
      const sessionCookie = signedIn.headers.getSetCookie().find((c) => c.startsWith('churn_session='));
      expect(sessionCookie).toMatch(/; Secure/i);
    } finally {
      sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
      await secure.close();
    }
  });

  it('refuses a CRM account where the app is not installed', async () => {
    await expect(signInToDashboard(product.url, HUB_NOT_INSTALLED)).rejects.toThrow(
      /answered 403.*not installed/s,
    );
  });

  it('sends a refused sign-in back to the sign-in page, and spends a sign-in link once', async () => {
    const consent = async (decision: 'approve' | 'deny') => {
      const start = await fetch(`${product.url}/app/login?portal=${HUB_A}`, { redirect: 'manual' });
      const flow = flowCookie(start);
      const authorize = new URL(start.headers.get('location')!);
      expect(authorize.pathname).toBe(`/oauth/${HUB_A}/authorize`);
      const answer = await fetch(`${authorize.origin}${authorize.pathname}`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({
          ...Object.fromEntries(authorize.searchParams),
          portalId: String(HUB_A),
          decision,
        }),
      });
      return { location: answer.headers.get('location')!, cookie: flow };
    };
    const sessionCookies = (res: Response) =>
      res.headers.getSetCookie().filter((c) => c.startsWith('churn_session='));
    const refused = await consent('deny');
    const denied = await fetch(refused.location, { redirect: 'manual', headers: { cookie: refused.cookie } });
    expect(denied.status).toBe(302);
    expect(denied.headers.get('location')).toBe('/app/?signin=denied');
    expect(sessionCookies(denied)).toEqual([]);

    const callback = await consent('approve');
    const headers = { cookie: callback.cookie };
    expect((await fetch(callback.location, { redirect: 'manual', headers })).status).toBe(302);
    const replay = await fetch(callback.location, { redirect: 'manual', headers });
    expect(replay.status).toBe(400);
    expect(sessionCookies(replay)).toEqual([]);
  });

  it('answers 401 without a session and 404 for another portal', async () => {
    const anonymous = await fetch(`${product.url}/api/v1/portals/${portalA}/overview`);
    expect(anonymous.status).toBe(401);
    const noSession = await fetch(`${product.url}/api/v1/session`);
    expect(await noSession.json()).toEqual({ signedIn: false });
    for (const path of [
      'overview',
      'at-risk',
      'at-risk.csv',
      'model',
      'settings',
      'engagement',
      'contacts/b1',
    ]) {
      const other = await dashboardCall(product.url, session, `/api/v1/portals/${portalB}/${path}`);
      expect({ path, status: other.status }).toEqual({ path, status: 404 });
      expect(other.text).not.toContain('Bravo');
    }
    // Contact ids of portal B are unknown in portal A too.
    expect((await dashboardCall(product.url, session, `/api/v1/portals/${portalA}/contacts/b1`)).status).toBe(
      404,
    );
  });

  it('requires the CSRF token on changes', async () => {
    const path = `/api/v1/portals/${portalA}/settings`;
    const without = await dashboardCall(product.url, session, path, {
      method: 'PUT',
      body: { defaultHoldoutPercent: 20 },
      csrf: false,
    });
    expect(without.status).toBe(403);
    expect(
      (await dashboardCall<{ defaultHoldoutPercent: number }>(product.url, session, path)).body
        .defaultHoldoutPercent,
    ).toBe(10);
    const withToken = await dashboardCall<{ defaultHoldoutPercent: number }>(product.url, session, path, {
      method: 'PUT',
      body: { defaultHoldoutPercent: 20 },
    });
    expect(withToken.status).toBe(200);
    expect(
      (await dashboardCall<{ defaultHoldoutPercent: number }>(product.url, session, path)).body
        .defaultHoldoutPercent,
    ).toBe(20);
    const invalid = await dashboardCall(product.url, session, path, {
      method: 'PUT',
      body: { defaultHoldoutPercent: 90 },
    });
    expect(invalid.status).toBe(400);
  });

  it('ends the session on sign-out', async () => {
    const second = await signInToDashboard(product.url, HUB_A);
    expect(
      (await dashboardCall(product.url, second, '/api/v1/session/logout', { method: 'POST' })).status,
    ).toBe(204);
    expect((await dashboardCall(product.url, second, `/api/v1/portals/${portalA}/overview`)).status).toBe(
      401,
    );
    expect((await dashboardCall(product.url, session, `/api/v1/portals/${portalA}/overview`)).status).toBe(
      200,
    );
  });
});

describe('the dashboard API', () => {
  it('counts the current tiers and the risk distribution from the latest score of each contact', async () => {
    const latest = await latestByContact(portalA);
    const { body } = await dashboardCall<{
      contacts: number;
      tiers: Record<string, number>;
      distribution: { contacts: number }[];
      trend: { highShare: number }[];
      sinceLastWeek: { comparedWith: string | null; newlyHigh: number };
      valueAtRisk: { atRisk: number };
    }>(product.url, session, `/api/v1/portals/${portalA}/overview`);
    expect(body.contacts).toBe(400);
    for (const tier of ['low', 'medium', 'high']) {
      expect(body.tiers[tier]).toBe(latest.filter((s) => s.tier === tier).length);
    }
    const histogram = Array.from(
      { length: 10 },
      (_, i) => latest.filter((s) => Math.min(9, Math.floor(s.probability * 10)) === i).length,
    );
    expect(body.distribution.map((d) => d.contacts)).toEqual(histogram);
    // Value at risk: the won deals of the last year of the contacts in the high and medium tiers.
    const deals = await product.ctx.db.db
      .selectFrom('associations')
      .innerJoin('deals', (j) =>
        j
          .onRef('deals.portal_id', '=', 'associations.portal_id')
          .onRef('deals.id', '=', 'associations.to_id'),
      )
      .select(['associations.from_id', 'deals.amount'])
      .where('associations.portal_id', '=', portalA)
      .execute();
    const tierOf = new Map(latest.map((s) => [s.contact_id, s.tier]));
    const atRisk = deals
      .filter((d) => ['high', 'medium'].includes(tierOf.get(d.from_id) ?? ''))
      .reduce((sum, d) => sum + Number(d.amount), 0);
    expect(atRisk).toBeGreaterThan(0);
    expect(body.valueAtRisk.atRisk).toBeCloseTo(atRisk, 6);
    expect(body.trend).toHaveLength(3);
    // The seeded risk rises every week, so the high share does too, and some became high.
    expect(body.trend[2]!.highShare).toBeGreaterThan(body.trend[0]!.highShare);
    expect(body.sinceLastWeek.comparedWith).not.toBeNull();
    expect(body.sinceLastWeek.newlyHigh).toBeGreaterThan(0);
  });

  it('counts a contact rescored between weekly runs once, with its newer score, in the tiers and the week', async () => {
    type Overview = {
      contacts: number;
      tiers: { low: number; medium: number; high: number };
      trend: { contacts: number; highShare: number }[];
    };
    const path = `/api/v1/portals/${portalA}/overview`;
    const before = (await dashboardCall<Overview>(product.url, session, path)).body;
    const low = (await latestByContact(portalA)).find((s) => s.tier === 'low')!;
    const model = await product.ctx.db.db
      .selectFrom('models')
      .select('id')
      .where('portal_id', '=', portalA)
      .executeTakeFirstOrThrow();
    await product.ctx.db.db
      .insertInto('scores')
      .values({
        portal_id: portalA,
        contact_id: low.contact_id,
        model_id: model.id,
        probability: 0.95,
        tier: 'high',
        reasons: '[]',
      })
      .execute();
    const after = (await dashboardCall<Overview>(product.url, session, path)).body;
    expect(after.contacts).toBe(before.contacts);
    expect(after.tiers.high).toBe(before.tiers.high + 1);
    expect(after.tiers.low).toBe(before.tiers.low - 1);
    const [lastBefore, lastAfter] = [before.trend.at(-1)!, after.trend.at(-1)!];
    expect(lastAfter.contacts).toBe(lastBefore.contacts);
    expect(lastAfter.highShare * lastAfter.contacts).toBeCloseTo(
      lastBefore.highShare * lastBefore.contacts + 1,
      6,
    );
    expect(after.tiers).toEqual({
      low: (await latestByContact(portalA)).filter((s) => s.tier === 'low').length,
      medium: (await latestByContact(portalA)).filter((s) => s.tier === 'medium').length,
      high: (await latestByContact(portalA)).filter((s) => s.tier === 'high').length,
    });
  });

  it('lists the riskiest first with reasons, a recommended action and a CRM link, and filters by tier, owner, renewal and reason', async () => {
    const base = `/api/v1/portals/${portalA}/at-risk`;
    type List = {
      total: number;
      rows: {
        contactId: string;
        probability: number;
        tier: string;
        ownerId: string;
        renewalAt: string | null;
        reasons: { feature: string; text: string }[];
        recommendation: { title: string };
        crmUrl: string;
      }[];
    };
    const { body } = await dashboardCall<List>(product.url, session, `${base}?limit=500`);
    const latest = await latestByContact(portalA);
    expect(body.total).toBe(latest.filter((s) => s.tier !== 'low').length);
    const probabilities = body.rows.map((r) => r.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    expect(body.rows[0]!.recommendation.title).toBeTruthy();
    // Every reason in plain words: "Used the product 2 times in 4 weeks", not "Sessions per week: 0.5".
    const texts = body.rows.flatMap((r) => r.reasons.map((x) => x.text));
    expect(texts).toContain('Used the product 2 times in 4 weeks');
    expect(texts.filter((t) => !t || /\d\.\d/.test(t))).toEqual([]);
    expect(body.rows[0]!.crmUrl).toContain(`/contacts/${HUB_A}/record/0-1/${body.rows[0]!.contactId}`);

    const high = await dashboardCall<List>(product.url, session, `${base}?tier=high&owner=101&limit=500`);
    expect(high.body.rows.every((r) => r.tier === 'high' && r.ownerId === '101')).toBe(true);
    expect(high.body.total).toBe(high.body.rows.length);

    const soon = await dashboardCall<List>(product.url, session, `${base}?renewalWeeks=4&limit=500`);
    const limit = Date.now() + 4 * 7 * 86400_000;
    expect(soon.body.rows.length).toBeGreaterThan(0);
    expect(soon.body.rows.length).toBeLessThan(body.rows.length);
    expect(soon.body.rows.every((r) => r.renewalAt !== null && Date.parse(r.renewalAt) <= limit)).toBe(true);

    const byReason = await dashboardCall<List>(
      product.url,
      session,
      `${base}?reason=tickets_open_now&limit=500`,
    );
    expect(byReason.body.rows.length).toBeGreaterThan(0);
    expect(byReason.body.rows.every((r) => r.reasons.some((x) => x.feature === 'tickets_open_now'))).toBe(
      true,
    );

    type Sorted = { rows: { value: number | null; name: string; renewalAt: string | null }[] };
    const byValue = await dashboardCall<Sorted>(product.url, session, `${base}?sort=value&limit=100`);
    const values = byValue.body.rows.map((r) => r.value ?? -1);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(values[0]).toBeGreaterThan(0);
    const byRenewal = await dashboardCall<Sorted>(
      product.url,
      session,
      `${base}?sort=renewal&order=asc&limit=100`,
    );
    const renewals = byRenewal.body.rows.filter((r) => r.renewalAt).map((r) => Date.parse(r.renewalAt!));
    expect(renewals).toEqual([...renewals].sort((a, b) => a - b));
    const byName = await dashboardCall<Sorted>(product.url, session, `${base}?sort=name&order=asc&limit=100`);
    const lastNames = byName.body.rows.map((r) => r.name.split(' ').at(-1)!.toLowerCase());
    expect(lastNames).toEqual([...lastNames].sort());
    const byOwner = await dashboardCall<List>(product.url, session, `${base}?sort=owner&order=asc&limit=100`);
    const owners = byOwner.body.rows.map((r) => r.ownerId);
    expect(owners).toEqual([...owners].sort());
    const page2 = await dashboardCall<List>(product.url, session, `${base}?limit=20&offset=20`);
    expect(page2.body.rows.map((r) => r.contactId)).toEqual(body.rows.slice(20, 40).map((r) => r.contactId));

    const bad = await dashboardCall(product.url, session, `${base}?sort=drop%20table`);
    expect(bad.status).toBe(400);
  });

  it('exports the at-risk list as CSV, one line per contact', async () => {
    const csv = await dashboardCall(product.url, session, `/api/v1/portals/${portalA}/at-risk.csv?tier=high`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="at-risk-/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^contact_id,name,email/);
    expect(csv.text).toContain('Gave 4 out of 10 in their last NPS survey');
    const latest = await latestByContact(portalA);
    expect(lines.length - 1).toBe(latest.filter((s) => s.tier === 'high').length);
  });
});

describe('model and job progress', () => {
  it('queues a training of the signed-in portal and shows it among its jobs', async () => {
    const base = `/api/v1/portals/${portalA}`;
    expect(
      (await dashboardCall(product.url, session, `${base}/model/retrain`, { method: 'POST', csrf: false }))
        .status,
    ).toBe(403);
    const queued = await dashboardCall<{ jobId: string }>(product.url, session, `${base}/model/retrain`, {
      method: 'POST',
    });
    expect(queued.status).toBe(202);
    const job = await product.ctx.queues.get('train').getJob(queued.body.jobId);
    expect(job?.data).toMatchObject({ portalId: portalA, reason: 'manual' });
    const jobs = await dashboardCall<{ jobs: { queue: string; state: string }[] }>(
      product.url,
      session,
      `${base}/jobs`,
    );
    expect(jobs.body.jobs).toContainEqual(expect.objectContaining({ queue: 'train', state: 'waiting' }));
    await product.ctx.queues.get('train').drain();
  });

  it('shows the running cycle and the drift the last finished one measured', async () => {
    const db = product.ctx.db.db;
    const base = `/api/v1/portals/${portalA}`;
    const run = await db
      .insertInto('scoring_runs')
      .values({ portal_id: portalA, trigger: 'cycle', phase: 'score', contacts_total: 400 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const running = await dashboardCall<{ run: { phase: string; contactsTotal: number } | null }>(
      product.url,
      session,
      `${base}/jobs`,
    );
    expect(running.body.run).toMatchObject({ phase: 'score', contactsTotal: 400 });
    const drift = {
      scorePsi: 0.31,
      threshold: 0.2,
      flagged: true,
      features: [{ name: 'tickets_open_now', psi: 0.4 }],
    };
    await db
      .updateTable('scoring_runs')
      .set({ status: 'succeeded', phase: 'done', drift: JSON.stringify(drift), finished_at: new Date() })
      .where('id', '=', run.id)
      .execute();
    expect((await dashboardCall<{ run: unknown }>(product.url, session, `${base}/jobs`)).body.run).toBeNull();
    const model = await dashboardCall<{ drift: unknown; active: { version: number } }>(
      product.url,
      session,
      `${base}/model`,
    );
    expect(model.body.active.version).toBe(1);
    expect(model.body.drift).toMatchObject(drift);
  });
});

describe('the admin routes under a dashboard session', () => {
  it('create the usage API key of the signed-in portal only, with the CSRF token', async () => {
    const own = `/api/v1/portals/${portalA}/usage-api-key`;
    expect((await dashboardCall(product.url, session, own, { method: 'POST', csrf: false })).status).toBe(
      403,
    );
    const created = await dashboardCall<{ key: string }>(product.url, session, own, { method: 'POST' });
    expect(created.status).toBe(201);
    const status = await dashboardCall<{ key: { prefix: string } | null }>(
      product.url,
      session,
      `/api/v1/portals/${portalA}/usage-api-key-status`,
    );
    expect(created.body.key.startsWith(status.body.key!.prefix)).toBe(true);
    const other = `/api/v1/portals/${portalB}/usage-api-key`;
    expect((await dashboardCall(product.url, session, other, { method: 'POST' })).status).toBe(404);
    expect(
      (await dashboardCall(product.url, session, `/api/v1/portals/${portalB}/uninstall`, { method: 'POST' }))
        .status,
    ).toBe(404);
  });

  it('uninstall the signed-in portal, which ends its sessions', async () => {
    const path = `/api/v1/portals/${portalA}/uninstall`;
    expect((await dashboardCall(product.url, session, path, { method: 'POST', csrf: false })).status).toBe(
      403,
    );
    expect((await dashboardCall(product.url, session, path, { method: 'POST' })).status).toBe(200);
    expect((await dashboardCall(product.url, session, `/api/v1/portals/${portalA}/overview`)).status).toBe(
      401,
    );
    const portal = await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB_B));
    expect(portal!.status).toBe('active');
  });
});
