import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { featureLabel } from '../../server/api/dashboard/model-report.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { isIdentityFeature } from '../../server/features/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { dashboardCall, signInToDashboard, type DashboardSession } from '../support/dashboard-session.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

/**
 * What the charts need from the dashboard API to tell the truth: the currency of every amount, the
 * period still in progress, how many answered each month's NPS, and features by readable names.
 */

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portal: number;
let session: DashboardSession;

const HUB = 821;
const DAY_MS = 86_400_000;
const SNAKE_CASE = /\b[a-z]+_[a-z_]+\b/;

/** The Monday (UTC) of the week of `at`, as `YYYY-MM-DD`. */
const mondayOf = (at: Date) => {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return new Date(day - ((at.getUTCDay() + 6) % 7) * DAY_MS).toISOString().slice(0, 10);
};

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB], rateLimits: { tenSecondlyMax: 100_000 } });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  await product.ctx.queues.get('system').drain();
  const db = product.ctx.db.db;
  portal = (await findPortalByExternalId(db, 'hubspot', String(HUB)))!.id;
  await seedScoredPortal(db, portal, { contacts: 200, weeks: 4, idPrefix: 'c', engagement: true });
  // A contact rescored just now: the current week has scores whatever the hour of the test.
  await sql`insert into scores (portal_id, contact_id, model_id, probability, tier, reasons, scored_at)
    select portal_id, contact_id, model_id, probability, tier, reasons, now()
    from scores where portal_id = ${portal} and contact_id = 'c1' limit 1`.execute(db);
  session = await signInToDashboard(product.url, HUB);
}, 300_000);

afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

const call = <T>(path: string) => dashboardCall<T>(product.url, session, `/api/v1/portals/${portal}/${path}`);

describe('the overview', () => {
  it('names the currency of its amounts', async () => {
    const { body } = await call<{ currency: string; valueAtRisk: { atRisk: number } }>('overview');
    // Neither CRM's sync brings a currency yet: the CRM's default, stated rather than left out.
    expect(body.currency).toBe('USD');
    expect(body.valueAtRisk.atRisk).toBeGreaterThan(0);
  });

  it('marks the week in progress, and only that one', async () => {
    const { body } = await call<{ trend: { week: string; partial: boolean }[] }>('overview');
    const thisWeek = mondayOf(new Date());
    expect(body.trend.length).toBeGreaterThanOrEqual(4);
    expect(body.trend.at(-1)).toMatchObject({ week: thisWeek, partial: true });
    expect(body.trend.slice(0, -1).every((w) => w.partial === false && w.week < thisWeek)).toBe(true);
  });
});

describe('engagement', () => {
  type Engagement = {
    emails: { week: string; partial: boolean; sent: number }[];
    tickets: { week: string; partial: boolean; opened: number; meanSentiment: number | null }[];
    nps: {
      month: string;
      partial: boolean;
      responses: number;
      nps: number | null;
      margin95: number | null;
      fewResponses: boolean;
    }[];
    npsMinResponses: number;
  };

  it('lists every week up to the current one, which is marked in progress', async () => {
    const { body } = await call<Engagement>('engagement');
    const thisWeek = mondayOf(new Date());
    for (const weeks of [body.emails, body.tickets]) {
      expect(weeks.length).toBeGreaterThan(10);
      const gaps = weeks.slice(1).map((w, i) => (Date.parse(w.week) - Date.parse(weeks[i]!.week)) / DAY_MS);
      expect(new Set(gaps)).toEqual(new Set([7]));
      expect(weeks.at(-1)).toMatchObject({ week: thisWeek, partial: true });
      expect(weeks.filter((w) => w.partial)).toHaveLength(1);
    }
    // The weekly ticket counts are the tickets', in UTC weeks.
    const tickets = await product.ctx.db.db
      .selectFrom('tickets')
      .select('created_at')
      .where('portal_id', '=', portal)
      .execute();
    for (const week of body.tickets) {
      const opened = tickets.filter((t) => mondayOf(t.created_at!) === week.week).length;
      expect({ week: week.week, opened: week.opened }).toEqual({ week: week.week, opened });
      if (opened === 0) expect(week.meanSentiment).toBeNull();
    }
  });

  it("gives each month's NPS its number of answers, and says which are too few to read", async () => {
    const { body } = await call<Engagement>('engagement');
    expect(body.npsMinResponses).toBe(10);
    const answers = await product.ctx.db.db
      .selectFrom('feedback')
      .select(['submitted_at', 'score'])
      .where('portal_id', '=', portal)
      .execute();
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect(body.nps.at(-1)).toMatchObject({ month: thisMonth, partial: true });
    for (const month of body.nps) {
      const scores = answers
        .filter((a) => a.submitted_at!.toISOString().slice(0, 7) === month.month)
        .map((a) => a.score!);
      expect({ month: month.month, responses: month.responses }).toEqual({
        month: month.month,
        responses: scores.length,
      });
      expect(month.fewResponses).toBe(scores.length < 10);
      expect(month.partial).toBe(month.month === thisMonth);
      if (scores.length === 0) {
        expect([month.nps, month.margin95]).toEqual([null, null]);
        continue;
      }
      const promoters = scores.filter((s) => s >= 9).length;
      const detractors = scores.filter((s) => s <= 6).length;
      expect(month.nps).toBe(Math.round((100 * (promoters - detractors)) / scores.length));
      if (month.fewResponses) expect(month.margin95).toBeNull();
      else expect(month.margin95).toBeGreaterThan(0);
    }
    // The seed's 100 answers over 11 months: some months have fewer than 10.
    expect(body.nps.some((m) => m.fewResponses && m.responses > 0)).toBe(true);
  });
});

describe('the model report', () => {
  it('sends a readable label with every driver and every drifting feature', async () => {
    const db = product.ctx.db.db;
    const drift = {
      scorePsi: 0.12,
      threshold: 0.2,
      flagged: false,
      features: [
        { name: 'days_since_last_purchase', psi: 0.31 },
        { name: 'emails_sent_30d', psi: 0.18 },
        { name: 'tickets_open_now', psi: 0.05 },
        { name: 'loyalty_points_7d', psi: 0.02 },
      ],
    };
    await db
      .insertInto('scoring_runs')
      .values({
        portal_id: portal,
        trigger: 'cycle',
        phase: 'done',
        status: 'succeeded',
        drift: JSON.stringify(drift),
        finished_at: new Date(),
      })
      .execute();
    // A contact rescored with "Based in Singapore" as its strongest push.
    await sql`insert into scores (portal_id, contact_id, model_id, probability, tier, reasons, scored_at)
      select portal_id, contact_id, model_id, probability, tier,
        ${JSON.stringify([{ feature: 'country', label: 'Country', value: 'Singapore', contribution: 1.2 }])}::jsonb
          || reasons,
        now()
      from scores where portal_id = ${portal} and contact_id = 'c2' limit 1`.execute(db);
    const { body } = await call<{
      drivers: {
        feature: string;
        label: string;
        contacts: number;
        meanContribution: number;
        identity: boolean;
      }[];
      scoredContacts: number;
      drift: { features: { name: string; label: string; psi: number }[] };
    }>('model');
    expect(body.drift.features.map((f) => [f.name, f.label])).toEqual([
      ['days_since_last_purchase', 'Days since their last purchase'],
      ['emails_sent_30d', 'Emails sent to them, last 30 days'],
      ['tickets_open_now', 'Tickets open now'],
      ['loyalty_points_7d', 'Loyalty points, last 7 days'],
    ]);
    expect(body.drivers.length).toBeGreaterThan(0);
    for (const driver of body.drivers) expect(driver.label).not.toMatch(SNAKE_CASE);
    // Who the customer is counts among the drivers, marked as never shown as a reason.
    expect(body.drivers.find((d) => d.feature === 'country')).toMatchObject({
      label: 'Country',
      identity: true,
    });
    for (const driver of body.drivers) expect(driver.identity).toBe(isIdentityFeature(driver.feature));
    // The catalogue's label wins over the one a score was stored with.
    expect(body.drivers.find((d) => d.feature === 'sessions_per_week_4w')?.label).toBe(
      'Product sessions per week, last 4 weeks',
    );
    // What the drivers' counts are out of: the customers with a current score.
    const scored = await db
      .selectFrom('current_scores')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('portal_id', '=', portal)
      .executeTakeFirstOrThrow();
    expect(body.scoredContacts).toBe(Number(scored.n));
    expect(Math.max(...body.drivers.map((d) => d.contacts))).toBeLessThanOrEqual(body.scoredContacts);
  });

  it.each([
    ['tenure_days', undefined, 'Days as a customer'],
    ['arr_band', 'ARR band', 'ARR band'],
    ['seats_used_90d', 'seats_used_90d', 'Seats used, last 90 days'],
    ['health', null, 'Health'],
  ])('labels %s (stored label %p) as "%s"', (name, stored, label) => {
    expect(featureLabel(name, stored)).toBe(label);
  });
});
