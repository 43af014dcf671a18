import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { dashboardCall, signInToDashboard, type DashboardSession } from '../support/dashboard-session.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalA: number;
let portalB: number;
let session: DashboardSession;

const HUB_A = 821;
const HUB_B = 822;
const DAY_MS = 86_400_000;
/** The contact whose facts are seeded: a company, six tickets and six emails. */
const CONTACT = 'a7';
/** A contact with an open renewal deal in 20 days: the deal is their next renewal. */
const WITH_DEAL = 'a9';

const db = () => product.ctx.db.db;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB_A, HUB_B], rateLimits: { tenSecondlyMax: 100_000 } });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  for (const hub of [HUB_A, HUB_B])
    expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  await product.ctx.queues.get('system').drain();
  portalA = (await findPortalByExternalId(db(), 'hubspot', String(HUB_A)))!.id;
  portalB = (await findPortalByExternalId(db(), 'hubspot', String(HUB_B)))!.id;
  await seedScoredPortal(db(), portalA, { contacts: 120, weeks: 3, idPrefix: 'a' });
  await seedScoredPortal(db(), portalB, { contacts: 10, weeks: 1, idPrefix: 'b', namePrefix: 'Bravo' });
  await seedContactFacts();
  session = await signInToDashboard(product.url, HUB_A);
}, 300_000);

afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

async function associate(contactId: string, toType: string, ids: string[]) {
  await db()
    .insertInto('associations')
    .values(
      ids.map((to_id) => ({
        portal_id: portalA,
        from_type: 'contacts',
        from_id: contactId,
        to_type: toType,
        to_id,
      })),
    )
    .execute();
}

/**
 * CONTACT works at Acme, has six tickets (one a day, the newest an angry open one) and six emails
 * (inbound ones with their tone); another contact's ticket must not show. WITH_DEAL has an open
 * renewal deal.
 */
async function seedContactFacts() {
  await db().insertInto('companies').values({ portal_id: portalA, id: 'co1', name: 'Acme GmbH' }).execute();
  await sql`update contacts set company_id = 'co1' where portal_id = ${portalA} and id = ${CONTACT}`.execute(
    db(),
  );
  const sentiments = [-0.8, -0.2, 0, 0.6, null, 0.3];
  await db()
    .insertInto('tickets')
    .values(
      sentiments.map((sentiment, i) => ({
        portal_id: portalA,
        id: `t${i + 1}`,
        subject: `Ticket ${i + 1}`,
        priority: i === 0 ? 'HIGH' : 'LOW',
        is_closed: i > 1,
        created_at: daysAgo(i + 1),
        sentiment,
      })),
    )
    .execute();
  await associate(CONTACT, 'tickets', ['t1', 't2', 't3', 't4', 't5', 't6']);
  await db()
    .insertInto('tickets')
    .values({ portal_id: portalA, id: 't-other', subject: 'Not theirs', created_at: daysAgo(0) })
    .execute();
  await associate('a8', 'tickets', ['t-other']);
  await db()
    .insertInto('emails')
    .values(
      sentiments.map((sentiment, i) => ({
        portal_id: portalA,
        id: `e${i + 1}`,
        subject: `Email ${i + 1}`,
        direction: i % 2 === 0 ? 'INCOMING_EMAIL' : 'EMAIL',
        sent_at: daysAgo(i + 1),
        sentiment: i % 2 === 0 ? sentiment : null,
      })),
    )
    .execute();
  await associate(CONTACT, 'emails', ['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
  await db()
    .insertInto('deals')
    .values({
      portal_id: portalA,
      id: 'renewal-a9',
      name: 'Renewal 2027',
      amount: 9000,
      deal_type: 'existingbusiness',
      is_renewal: true,
      is_closed_won: false,
      is_closed_lost: false,
      close_date: new Date(Date.now() + 20 * DAY_MS),
    })
    .execute();
  await associate(WITH_DEAL, 'deals', ['renewal-a9']);
}

type Renewal = { date: string; valueAtRisk: number | null; dealName: string | null } | null;
interface Outcome {
  id: number;
  outcome: 'saved' | 'lost' | 'snoozed';
  until: string | null;
  active: boolean;
  userId: string;
}
interface ContactView {
  status: string;
  contact: { name: string | null };
  renewal: Renewal;
  history: { week: string; score: number }[];
  detail: {
    company: { id: string; name: string; crmUrl: string | null } | null;
    stage: { label: string | null; kind: string | null };
    owner: { id: string; name: string | null; label: string; left: boolean } | null;
    tickets: {
      id: string;
      subject: string;
      status: string;
      priority: string | null;
      openedAt: string;
      tone: string | null;
    }[];
    emails: { id: string; subject: string; direction: string | null; sentAt: string; tone: string | null }[];
    outcome: Outcome | null;
  };
}
interface AtRiskList {
  total: number;
  rows: { contactId: string; renewalAt: string | null; value: number | null }[];
}

const contactPath = (id: string, portalId = portalA) => `/api/v1/portals/${portalId}/contacts/${id}`;
const view = async (id: string) =>
  (await dashboardCall<ContactView>(product.url, session, contactPath(id))).body;
const atRisk = async (query = 'tier=high,medium,low&limit=500') =>
  (await dashboardCall<AtRiskList>(product.url, session, `/api/v1/portals/${portalA}/at-risk?${query}`)).body;

describe("the contact view's facts", () => {
  it('names the company with a link to its CRM record, the stage in words, the owner and the weekly history', async () => {
    const body = await view(CONTACT);
    expect(body.status).toBe('scored');
    expect(body.detail.company).toEqual({
      id: 'co1',
      name: 'Acme GmbH',
      crmUrl: expect.stringContaining(`/contacts/${HUB_A}/record/0-2/co1`),
    });
    expect(body.detail.stage).toEqual({ label: 'Customer', kind: 'customer' });
    // Seeded owners are 100 + id mod 5; with no owner of that id synced, the view names the id.
    expect(body.detail.owner).toMatchObject({ id: '102', label: 'Owner 102' });
    expect(body.history).toHaveLength(3);
  });

  it('lists the latest five tickets and emails, newest first, with status, priority and tone', async () => {
    const { detail } = await view(CONTACT);
    expect(detail.tickets.map((t) => [t.subject, t.status, t.priority, t.tone])).toEqual([
      ['Ticket 1', 'open', 'High', 'angry'],
      ['Ticket 2', 'open', 'Low', 'unhappy'],
      ['Ticket 3', 'closed', 'Low', 'neutral'],
      ['Ticket 4', 'closed', 'Low', 'positive'],
      ['Ticket 5', 'closed', 'Low', null],
    ]);
    expect(Date.parse(detail.tickets[0]!.openedAt)).toBeGreaterThan(Date.parse(detail.tickets[1]!.openedAt));
    // Outbound emails have no tone: only what the customer wrote is read for sentiment.
    expect(detail.emails.map((e) => [e.subject, e.direction, e.tone])).toEqual([
      ['Email 1', 'inbound', 'angry'],
      ['Email 2', 'outbound', null],
      ['Email 3', 'inbound', 'neutral'],
      ['Email 4', 'outbound', null],
      ['Email 5', 'inbound', null],
    ]);
  });

  it("names the owner once the CRM's owners are synced", async () => {
    // a8's owner is 103 (100 + 8 mod 5).
    await db()
      .insertInto('owners')
      .values({
        portal_id: portalA,
        id: '103',
        name: 'Rita Alvarez',
        email: 'rita@example.com',
        user_id: '9001',
      })
      .execute();
    expect((await view('a8')).detail.owner).toEqual({
      id: '103',
      name: 'Rita Alvarez',
      email: 'rita@example.com',
      label: 'Rita Alvarez',
      left: false,
    });
  });

  it('shows no company, tickets or emails for a contact without them', async () => {
    const { detail } = await view('a11');
    expect(detail).toMatchObject({ company: null, tickets: [], emails: [], outcome: null });
  });
});

describe('the next renewal', () => {
  it('is the one the at-risk list shows, with the same value at stake', async () => {
    const list = await atRisk();
    expect(list.rows.length).toBeGreaterThan(20);
    const sample = list.rows.filter((r) => r.renewalAt !== null && r.contactId !== WITH_DEAL).slice(0, 12);
    expect(sample.length).toBeGreaterThan(5);
    for (const row of sample) {
      const { renewal } = await view(row.contactId);
      expect({ id: row.contactId, date: renewal?.date, value: renewal?.valueAtRisk ?? null }).toEqual({
        id: row.contactId,
        date: row.renewalAt,
        value: row.value,
      });
    }
  });

  it('is an open renewal deal when the contact has one: its date, amount and name, in the list too', async () => {
    const { renewal } = await view(WITH_DEAL);
    const dealDate = (await db()
      .selectFrom('deals')
      .select('close_date')
      .where('portal_id', '=', portalA)
      .where('id', '=', 'renewal-a9')
      .executeTakeFirstOrThrow())!.close_date!.toISOString();
    expect(renewal).toEqual({ date: dealDate, valueAtRisk: 9000, dealName: 'Renewal 2027' });
    const row = (await atRisk()).rows.find((r) => r.contactId === WITH_DEAL);
    expect(row?.renewalAt).toBe(dealDate);
  });
});

describe('plays from the contact view', () => {
  const playsPath = (id: string, portalId = portalA) => `${contactPath(id, portalId)}/plays`;
  const actions = async () =>
    Number(
      (
        await db()
          .selectFrom('retention_actions')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('portal_id', '=', portalA)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('requires the CSRF token and changes nothing without it', async () => {
    const before = await actions();
    const refused = await dashboardCall(product.url, session, playsPath(CONTACT), {
      method: 'POST',
      body: { play: 'offer', requestKey: 'no-csrf-key-1' },
      csrf: false,
    });
    expect(refused.status).toBe(403);
    expect(await actions()).toBe(before);
  });

  it('makes an offer once per key: the same click again answers the same code', async () => {
    const before = await actions();
    type Answer = {
      id: number;
      play: string;
      status: string;
      outputs: Record<string, string>;
      replayed: boolean;
    };
    const call = () =>
      dashboardCall<Answer>(product.url, session, playsPath(CONTACT), {
        method: 'POST',
        body: { play: 'offer', requestKey: 'offer-click-0001' },
      });
    const first = await call();
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ play: 'offer', replayed: false });
    expect(first.body.outputs.offer_code).toMatch(/\S{6,}/);
    const again = await call();
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, replayed: true });
    expect(again.body.outputs.offer_code).toBe(first.body.outputs.offer_code);
    expect(await actions()).toBe(before + 1);
    const action = await db()
      .selectFrom('retention_actions')
      .select(['contact_id', 'source', 'inputs'])
      .where('id', '=', first.body.id)
      .executeTakeFirstOrThrow();
    expect(action).toMatchObject({ contact_id: CONTACT, source: 'manual' });
    expect(action.inputs).toMatchObject({ play: 'offer', requestedBy: expect.any(String) });
  });

  it('answers a survey link and a requested check-in', async () => {
    type Answer = { play: string; status: string; outputs: Record<string, string> };
    const survey = await dashboardCall<Answer>(product.url, session, playsPath(CONTACT), {
      method: 'POST',
      body: { play: 'survey', requestKey: 'survey-click-0001' },
    });
    expect(survey.status).toBe(201);
    expect(survey.body.outputs.survey_url).toMatch(/^https?:\/\/.+\/s\/\S+$/);
    const checkIn = await dashboardCall<Answer>(product.url, session, playsPath(CONTACT), {
      method: 'POST',
      body: { play: 'check_in', requestKey: 'checkin-click-0001' },
    });
    expect(checkIn.status).toBe(201);
    expect(checkIn.body).toMatchObject({ play: 'check_in', status: 'pending' });
  });

  it("refuses an unknown play, a short key and another portal's contact", async () => {
    const bad = (body: unknown, path = playsPath(CONTACT)) =>
      dashboardCall(product.url, session, path, { method: 'POST', body });
    expect((await bad({ play: 'discount', requestKey: 'bad-play-0001' })).status).toBe(400);
    expect((await bad({ play: 'offer', requestKey: 'x' })).status).toBe(400);
    expect(
      (await bad({ play: 'offer', requestKey: 'other-portal-1' }, playsPath('b1', portalB))).status,
    ).toBe(404);
    expect((await bad({ play: 'offer', requestKey: 'other-portal-2' }, playsPath('b1'))).status).toBe(404);
  });
});

describe("an advisor's outcome", () => {
  const outcomesPath = (id: string) => `${contactPath(id)}/outcomes`;
  const mark = (id: string, outcome: string, requestKey: string, csrf = true) =>
    dashboardCall<{ outcome: Outcome; replayed: boolean }>(product.url, session, outcomesPath(id), {
      method: 'POST',
      body: { outcome, requestKey, note: 'Called on Monday' },
      csrf,
    });
  const undo = (id: string, outcomeId: number, csrf = true) =>
    dashboardCall<{ outcome: Outcome | null }>(product.url, session, `${outcomesPath(id)}/${outcomeId}`, {
      method: 'DELETE',
      csrf,
    });

  it('is stored once per key, shown on the view, and undone back to the one before', async () => {
    expect((await mark('a20', 'saved', 'mark-no-csrf-1', false)).status).toBe(403);
    expect((await view('a20')).detail.outcome).toBeNull();

    const saved = await mark('a20', 'saved', 'mark-saved-0001');
    expect(saved.status).toBe(201);
    expect(saved.body.outcome).toMatchObject({ outcome: 'saved', until: null, active: true });
    const replay = await mark('a20', 'saved', 'mark-saved-0001');
    expect([replay.status, replay.body.outcome.id]).toEqual([200, saved.body.outcome.id]);

    const lost = await mark('a20', 'lost', 'mark-lost-00001');
    expect((await view('a20')).detail.outcome).toMatchObject({ id: lost.body.outcome.id, outcome: 'lost' });

    expect((await undo('a20', lost.body.outcome.id, false)).status).toBe(403);
    const undone = await undo('a20', lost.body.outcome.id);
    expect(undone.status).toBe(200);
    expect(undone.body.outcome).toMatchObject({ id: saved.body.outcome.id, outcome: 'saved' });
    expect((await view('a20')).detail.outcome?.id).toBe(saved.body.outcome.id);
    // Undoing again changes nothing; a mark of another contact is not found.
    expect((await undo('a20', lost.body.outcome.id)).body.outcome?.id).toBe(saved.body.outcome.id);
    expect((await undo('a21', saved.body.outcome.id)).status).toBe(404);
    expect((await mark('a20', 'forgotten', 'mark-bad-00001')).status).toBe(400);

    const audit = await db()
      .selectFrom('audit_log')
      .select('action')
      .where('portal_id', '=', portalA)
      .where('action', 'like', 'contact_outcome.%')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual([
      'contact_outcome.marked',
      'contact_outcome.marked',
      'contact_outcome.undone',
    ]);
  });

  it('snoozed for 30 days, hides the contact from the at-risk list and its count until undone or over', async () => {
    const before = await atRisk();
    const target = before.rows[0]!.contactId;
    const snooze = await mark(target, 'snoozed', 'mark-snooze-001');
    expect(snooze.status).toBe(201);
    const days = (Date.parse(snooze.body.outcome.until!) - Date.now()) / DAY_MS;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const during = await atRisk();
    expect(during.total).toBe(before.total - 1);
    expect(during.rows.map((r) => r.contactId)).not.toContain(target);
    const csv = await dashboardCall(
      product.url,
      session,
      `/api/v1/portals/${portalA}/at-risk.csv?tier=high,medium,low`,
    );
    expect(csv.text).not.toMatch(new RegExp(`^${target},`, 'm'));

    await undo(target, snooze.body.outcome.id);
    expect((await atRisk()).total).toBe(before.total);

    // A snooze whose time is over puts the contact back, and the view says it has ended.
    const second = await mark(target, 'snoozed', 'mark-snooze-002');
    expect((await atRisk()).total).toBe(before.total - 1);
    await sql`update contact_outcomes set until = now() - interval '1 minute' where id = ${second.body.outcome.id}`.execute(
      db(),
    );
    expect((await atRisk()).rows.map((r) => r.contactId)).toContain(target);
    expect((await view(target)).detail.outcome).toMatchObject({ outcome: 'snoozed', active: false });
  });
});

describe('the retention-effect report', () => {
  it("counts advisors' saved and lost marks on treated contacts apart from the measured churn", async () => {
    const enrolledAt = daysAgo(100);
    for (let i = 40; i < 60; i++) {
      await db()
        .insertInto('retention_actions')
        .values({
          portal_id: portalA,
          contact_id: `a${i}`,
          action: 'loyalty-reward',
          campaign_id: 'advisor-check',
          group: i % 2 === 0 ? 'treatment' : 'control',
          created_at: enrolledAt,
        })
        .execute();
    }
    type Effect = {
      campaigns: {
        campaignId: string;
        windows: unknown[];
        advisorOutcomes: { saved: number; lost: number };
      }[];
    };
    const effect = async () =>
      (
        await dashboardCall<Effect>(product.url, session, `/api/v1/portals/${portalA}/retention/effect`)
      ).body.campaigns.find((c) => c.campaignId === 'advisor-check')!;
    const before = await effect();
    expect(before.advisorOutcomes).toEqual({ saved: 0, lost: 0 });

    const outcome = (contactId: string, kind: string, key: string, at: Date, undone = false) =>
      db()
        .insertInto('contact_outcomes')
        .values({
          portal_id: portalA,
          contact_id: contactId,
          outcome: kind as 'saved' | 'lost' | 'snoozed',
          user_id: 'u1',
          request_key: key,
          created_at: at,
          until: kind === 'snoozed' ? new Date(at.getTime() + 30 * DAY_MS) : null,
          undone_at: undone ? new Date() : null,
        })
        .execute();
    await outcome('a40', 'saved', 'r1', daysAgo(50)); // treated, after enrolment: saved
    await outcome('a42', 'saved', 'r2', daysAgo(60));
    await outcome('a42', 'lost', 'r3', daysAgo(40)); // the latest mark counts: lost
    await outcome('a44', 'saved', 'r4', daysAgo(150)); // before enrolment: not counted
    await outcome('a46', 'lost', 'r5', daysAgo(30), true); // undone: not counted
    await outcome('a48', 'snoozed', 'r6', daysAgo(10)); // a snooze is no outcome
    await outcome('a41', 'saved', 'r7', daysAgo(50)); // control: not counted

    const after = await effect();
    expect(after.advisorOutcomes).toEqual({ saved: 1, lost: 1 });
    // The measured churn by the portal's rule is untouched by what advisors marked.
    expect(after.windows).toEqual(before.windows);
  });
});
