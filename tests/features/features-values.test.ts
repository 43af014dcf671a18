import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { featuresAtCutoffs, type ContactFeatures } from '../../server/features/build/build-features.js';
import { loadContacts } from '../../server/features/build/contact-chunks.js';
import { FEATURE_CATALOGUE } from '../../server/features/catalogue.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { DAY, FixtureWarehouse } from './features-warehouse.js';

const AS_OF = new Date('2026-06-01T00:00:00Z');
const before = (days: number) => new Date(AS_OF.getTime() - days * DAY);
const after = (days: number) => new Date(AS_OF.getTime() + days * DAY);

let database: TestDatabase;
let w: FixtureWarehouse;
let ann: string;
let bob: string;
let cat: string;

const featuresAt = (asOf: Date): Promise<Map<string, ContactFeatures>> => w.featuresAt(asOf);

beforeAll(async () => {
  database = await openTestDatabase();
  w = await FixtureWarehouse.create(database.db, 'features-values');
  const company = await w.company({
    numberofemployees: '250',
    industry: 'COMPUTER_SOFTWARE',
    country: 'Germany',
  });
  ann = await w.contact(
    { createdAt: new Date('2025-01-01T00:00:00Z'), stage: 'other', companyId: company },
    {
      hs_lifecyclestage_customer_date: '2025-01-01T00:00:00.000Z',
      // She leaves after the date: at the date she is still a customer.
      hs_lifecyclestage_other_date: after(20).toISOString(),
      plan: 'Pro',
      billing_period: 'annual',
      customer_segment: 'B2B',
    },
  );
  await w.email(ann, { sentAt: before(10), openedAt: before(9), repliedAt: before(8) });
  await w.email(ann, { sentAt: before(20), openedAt: before(5) });
  await w.email(ann, { sentAt: before(40), openedAt: before(39) });
  await w.email(ann, { sentAt: before(60) });
  await w.email(ann, { sentAt: before(100), openedAt: before(95), repliedAt: before(94) });
  await w.email(ann, { sentAt: before(5), openedAt: after(2) });
  await w.email(ann, { sentAt: after(1), openedAt: after(1), repliedAt: after(1) });
  await w.email(ann, { sentAt: before(8), direction: 'INCOMING_EMAIL', sentiment: -0.5 });
  await w.email(ann, { sentAt: before(50), direction: 'INCOMING_EMAIL', sentiment: 0.2 });
  await w.email(ann, { sentAt: before(200), direction: 'INCOMING_EMAIL', sentiment: -0.9 });

  await w.ticket(ann, { createdAt: before(10), priority: 'HIGH', sentiment: -0.6 });
  await w.ticket(ann, { createdAt: before(40), closedAt: before(38), priority: 'LOW', sentiment: 0.1 });
  await w.ticket(ann, { createdAt: before(80), closedAt: after(3), priority: 'URGENT', sentiment: -0.3 });
  await w.ticket(ann, { createdAt: before(120), closedAt: before(60), priority: 'MEDIUM', sentiment: 0.4 });
  await w.ticket(ann, { createdAt: after(2), priority: 'URGENT', sentiment: -1 });

  for (const [days, minutes] of [
    [1, 30],
    [8, 20],
    [15, 10],
    [30, 40],
    [50, 40],
    [70, 40],
    [80, 40],
    [100, 60],
  ])
    await w.usage(ann, { at: before(days!), minutes: minutes! });
  await w.usage(ann, { at: before(3), type: 'feature_use', feature: 'reports' });
  await w.usage(ann, { at: before(4), type: 'feature_use', feature: 'export' });
  await w.usage(ann, { at: before(20), type: 'feature_use', feature: 'reports' });
  await w.usage(ann, { at: after(1), minutes: 100 });

  await w.deal(ann, { closeAt: before(500), amount: 1000, won: true });
  await w.deal(ann, { closeAt: before(135), amount: 1200, won: true, renewal: true });
  await w.deal(ann, { closeAt: after(5), amount: 5000, won: true, renewal: true });

  await w.feedback(ann, { at: before(200), score: 9, sentiment: 0.5 });
  await w.feedback(ann, { at: before(30), score: 5, sentiment: -0.4 });
  await w.feedback(ann, { at: after(1), score: 0, sentiment: -0.9 });

  bob = await w.contact({ createdAt: before(10), stage: 'lead' });

  // Cat drifts away: her emails go unanswered, her tickets wait, her use slowly thins out.
  cat = await w.contact(
    { createdAt: before(400), stage: 'customer' },
    { hs_lifecyclestage_customer_date: before(400).toISOString() },
  );
  await w.email(cat, { sentAt: before(200), openedAt: before(199) });
  await w.email(cat, { sentAt: before(150) });
  // A reply without a tracked open is engagement too.
  await w.email(cat, { sentAt: before(120), repliedAt: before(110) });
  await w.email(cat, { sentAt: before(100) });
  await w.email(cat, { sentAt: before(90), bounced: true });
  await w.email(cat, { sentAt: before(60) });
  // Opened only after the date: unopened then.
  await w.email(cat, { sentAt: before(30), openedAt: after(1) });
  await w.email(cat, { sentAt: before(10) });
  await w.email(cat, { sentAt: after(2) });

  await w.ticket(cat, { createdAt: before(30) });
  await w.ticket(cat, { createdAt: before(20), closedAt: after(1) });
  await w.ticket(cat, { createdAt: before(3) });
  await w.ticket(cat, { createdAt: before(40), closedAt: before(35) });

  for (const [days, minutes] of [
    [190, 500],
    [170, 100],
    [120, 100],
    [60, 100],
    [40, 100],
    [10, 20],
  ])
    await w.usage(cat, { at: before(days!), minutes: minutes! });
}, 300_000);
afterAll(async () => {
  await database.dispose();
});

describe('feature values as of a date', () => {
  it('every catalogue feature is built, and nothing else', async () => {
    const rows = await featuresAt(AS_OF);
    for (const row of rows.values()) {
      expect(Object.keys(row.values).sort()).toEqual(FEATURE_CATALOGUE.map((f) => f.name).sort());
    }
  });

  it('email engagement counts only what happened before the date', async () => {
    const v = (await featuresAt(AS_OF)).get(ann)!.values;
    expect(v).toMatchObject({
      emails_sent_30d: 3,
      emails_sent_90d: 5,
      emails_opened_30d: 2,
      emails_opened_90d: 3,
      emails_replied_30d: 1,
      emails_replied_90d: 1,
      days_since_last_open: 5,
      days_since_last_reply: 8,
    });
    expect(v.email_open_rate_90d).toBeCloseTo(3 / 5, 10);
    expect(v.email_response_rate_90d).toBeCloseTo(1 / 5, 10);
  });

  it('support: tickets closed after the date were open then; tone of tickets and inbound emails', async () => {
    const v = (await featuresAt(AS_OF)).get(ann)!.values;
    expect(v).toMatchObject({ tickets_30d: 1, tickets_90d: 3, tickets_open: 2 });
    expect(v.tickets_high_priority_share_90d).toBeCloseTo(2 / 3, 10);
    expect(v.ticket_resolution_hours_median_90d).toBeCloseTo((48 + 1440) / 2, 6);
    expect(v.support_sentiment_mean_90d).toBeCloseTo(-1.1 / 5, 10);
    expect(v.support_sentiment_worst_90d).toBeCloseTo(-0.6, 10);
    expect(v.support_sentiment_trend).toBeCloseTo(-0.55 - 0, 10);
  });

  it('usage per week over 4 weeks, the trend against the 8 weeks before, and the last use', async () => {
    const v = (await featuresAt(AS_OF)).get(ann)!.values;
    expect(v.sessions_per_week_4w).toBeCloseTo(3 / 4, 10);
    expect(v.usage_minutes_per_week_4w).toBeCloseTo(60 / 4, 10);
    expect(v.features_used_4w).toBe(2);
    expect(v.usage_trend).toBeCloseTo(Math.log2((15 + 1) / (160 / 8 + 1)), 10);
    expect(v.sessions_trend).toBeCloseTo(Math.log2((0.75 + 1) / (4 / 8 + 1)), 10);
    expect(v.days_since_last_use).toBeCloseTo(1, 10);
  });

  it('the typical session length (geometric mean) over 12 weeks, and the last 4 weeks against their usual', async () => {
    const gm = (...minutes: number[]) =>
      Math.exp(minutes.reduce((s, m) => s + Math.log(m), 0) / minutes.length);
    const v = (await featuresAt(AS_OF)).get(ann)!.values;
    // The session a day after the date is not seen.
    expect(v.session_minutes_12w).toBeCloseTo(gm(30, 20, 10, 40, 40, 40, 40), 10);
    expect(v.session_minutes_vs_usual).toBeCloseTo(Math.log2(gm(30, 20, 10) / gm(40, 40, 40, 40, 60)), 10);
    // Cat's 500-minute session 190 days back is older than the 26 weeks.
    const c = (await featuresAt(AS_OF)).get(cat)!.values;
    expect(c.session_minutes_12w).toBeCloseTo(gm(100, 100, 20), 10);
    expect(c.session_minutes_vs_usual).toBeCloseTo(Math.log2(20 / 100), 10);
    // 140 days back: the sessions 190 and 170 days back are in its 12 weeks, none in its last 4
    // weeks, so there is no recent length to compare; and no length at all without sessions.
    const earlier = (await featuresAt(before(140))).get(cat)!.values;
    expect(earlier.session_minutes_12w).toBeCloseTo(gm(500, 100), 10);
    expect(earlier.session_minutes_vs_usual).toBeNull();
    expect((await featuresAt(AS_OF)).get(bob)!.values).toMatchObject({
      session_minutes_12w: null,
      session_minutes_vs_usual: null,
    });
  });

  it('counts the emails delivered since their last open or reply, as of the date', async () => {
    // The last engagement before the date is the reply 110 days before it; the bounce does not count.
    expect((await featuresAt(AS_OF)).get(cat)!.values.emails_unopened_in_a_row).toBe(4);
    // Before that reply, the streak runs from the open 199 days before the date.
    expect((await featuresAt(before(115))).get(cat)!.values.emails_unopened_in_a_row).toBe(2);
    // Never engaged yet: every email delivered so far.
    expect((await featuresAt(before(199.5))).get(cat)!.values.emails_unopened_in_a_row).toBe(1);
    // The open a day after the date ends the streak: one email sent since.
    expect((await featuresAt(after(5))).get(cat)!.values.emails_unopened_in_a_row).toBe(1);
  });

  it('counts the tickets open at the date that were created more than a week before it', async () => {
    const v = (await featuresAt(AS_OF)).get(cat)!.values;
    expect(v).toMatchObject({ tickets_open: 3, tickets_open_over_7d: 2 });
    expect((await featuresAt(before(25))).get(cat)!.values).toMatchObject({
      tickets_open: 1,
      tickets_open_over_7d: 0,
    });
    expect((await featuresAt(before(22))).get(cat)!.values.tickets_open_over_7d).toBe(1);
    expect((await featuresAt(AS_OF)).get(ann)!.values.tickets_open_over_7d).toBe(2);
  });

  it("compares the last 4 weeks' use with the customer's own usual over the 22 weeks before", async () => {
    const v = (await featuresAt(AS_OF)).get(cat)!.values;
    // 400 minutes from her first use in the 26 weeks (170 days back) to 4 weeks back; 500 minutes
    // 190 days back are older than the 26 weeks.
    expect(v.usage_vs_own_baseline).toBeCloseTo(Math.log2((20 / 4 + 1) / (400 / (142 / 7) + 1)), 10);
    // The 4-vs-8-week trend sees 100 minutes in the 8 weeks and calls it a milder fall.
    expect(v.usage_trend).toBeCloseTo(Math.log2((20 / 4 + 1) / (200 / 8 + 1)), 10);
    // 140 days back: nothing in the last 4 weeks; 600 minutes since the first use 190 days back.
    expect((await featuresAt(before(140))).get(cat)!.values.usage_vs_own_baseline).toBeCloseTo(
      Math.log2(1 / (600 / (22 / 7) + 1)),
      10,
    );
    // Ann's first use in the 26 weeks was 100 days back: her usual is over 72 days, not 22 weeks.
    expect((await featuresAt(AS_OF)).get(ann)!.values.usage_vs_own_baseline).toBeCloseTo(
      Math.log2((60 / 4 + 1) / (220 / (72 / 7) + 1)),
      10,
    );
  });

  it('several cutoffs read at once give what each cutoff gives alone', async () => {
    const contacts = await loadContacts(database.db, w.portalId, { ids: [ann, bob, cat] });
    const dates = [AS_OF, before(22), before(115), before(140), after(5)];
    const together = await featuresAtCutoffs(
      database.db,
      w.portalId,
      dates.map((asOf) => ({ asOf, contacts })),
    );
    for (const [k, asOf] of dates.entries()) {
      const single = await featuresAt(asOf);
      for (const row of together[k]!) expect(row.values).toEqual(single.get(row.contactId)!.values);
    }
  });

  it('each cutoff read with contacts of its own gives each of them what it gets alone, and no one else', async () => {
    const contacts = await loadContacts(database.db, w.portalId, { ids: [ann, bob, cat] });
    const pick = (...ids: string[]) => contacts.filter((c) => ids.includes(c.id));
    const asked = [
      { asOf: AS_OF, contacts: pick(ann, cat) },
      { asOf: before(22), contacts: pick(cat) },
      { asOf: before(115), contacts: [] },
      { asOf: before(140), contacts: pick(bob, ann) },
    ];
    const together = await featuresAtCutoffs(database.db, w.portalId, asked);
    for (const [k, { asOf, contacts: wanted }] of asked.entries()) {
      expect(together[k]!.map((row) => row.contactId)).toEqual(wanted.map((c) => c.id));
      const single = await featuresAt(asOf);
      for (const row of together[k]!) expect(row.values).toEqual(single.get(row.contactId)!.values);
    }
  });

  it('commerce: deals won before the date, and the next renewal from the billing period', async () => {
    const v = (await featuresAt(AS_OF)).get(ann)!.values;
    expect(v).toMatchObject({ purchases_total: 2, purchases_365d: 1, purchase_amount_365d: 1200 });
    expect(v.days_since_last_purchase).toBeCloseTo(135, 10);
    // Customer since 2025-01-01, 516 days before the date; the second renewal is 2 × 365.25 days on.
    expect(v.days_to_next_renewal).toBeCloseTo(730.5 - 516, 10);
  });

  it('profile at the date: the stage from stage dates, the company, the contact properties', async () => {
    const v = (await featuresAt(AS_OF)).get(ann)!.values;
    expect(v).toMatchObject({
      tenure_days: 516,
      lifecycle_stage: 'customer',
      company_size: 250,
      company_industry: 'COMPUTER_SOFTWARE',
      country: 'Germany',
      plan: 'Pro',
      billing_period: 'annual',
      customer_segment: 'B2B',
    });
    const later = (await featuresAt(after(30))).get(ann)!.values;
    expect(later.lifecycle_stage).toBe('other');
  });

  it('feedback: the last and mean NPS, detractor answers, the tone of comments', async () => {
    const v = (await featuresAt(AS_OF)).get(ann)!.values;
    expect(v).toMatchObject({ nps_last: 5, nps_mean: 7, nps_detractor_count: 1 });
    expect(v.feedback_sentiment_mean).toBeCloseTo(0.05, 10);
  });

  it('a lead with no history gets zeros for counts, nulls for what cannot be measured (a tenure among them), unknown categories', async () => {
    const v = (await featuresAt(AS_OF)).get(bob)!.values;
    for (const f of FEATURE_CATALOGUE) {
      if (['tenure_days', 'lifecycle_stage'].includes(f.name)) continue;
      const expected = f.missing === 'zero' ? 0 : f.missing === 'null' ? null : 'unknown';
      expect([f.name, v[f.name]]).toEqual([f.name, expected]);
    }
    // Never a customer: no "days as a customer", whatever its age in the CRM.
    expect(v.tenure_days).toBeNull();
    expect(v.lifecycle_stage).toBe('lead');
  });
});
