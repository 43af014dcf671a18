/**
 * Account features: what the contact's company shows through its other contacts (who left, who
 * stays, their tickets, their use, their survey answers) and bounced emails, each as of the date
 * and never past it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { featuresAtCutoffs, type ContactFeatures } from '../../server/features/build/build-features.js';
import { loadContacts } from '../../server/features/build/contact-chunks.js';
import type { FeatureValues } from '../../server/features/catalogue.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { DAY, FixtureWarehouse } from './features-warehouse.js';

const AS_OF = new Date('2026-06-01T00:00:00Z');
const before = (days: number) => new Date(AS_OF.getTime() - days * DAY);
const after = (days: number) => new Date(AS_OF.getTime() + days * DAY);

let database: TestDatabase;
let w: FixtureWarehouse;
/** The contact whose account is read, and colleagues at her company. */
let ann: string;
let leftRecently: string;
let staysCustomer: string;
/** A contact alone at her company, and one without a company. */
let alone: string;
let noCompany: string;

async function featuresAt(asOf: Date): Promise<Map<string, FeatureValues>> {
  const rows = await w.featuresAt(asOf);
  return new Map([...rows].map(([id, row]) => [id, row.values]));
}

/** A colleague at `company`, a customer from `since`, a former customer from `left` if given. */
async function colleague(company: string, since: Date, left?: Date): Promise<string> {
  return w.contact(
    { createdAt: since, stage: left ? 'other' : 'customer', companyId: company },
    {
      hs_lifecyclestage_customer_date: since.toISOString(),
      ...(left ? { hs_lifecyclestage_other_date: left.toISOString() } : {}),
    },
  );
}

beforeAll(async () => {
  database = await openTestDatabase();
  w = await FixtureWarehouse.create(database.db, 'features-account');
  const company = await w.company({ numberofemployees: '80' });
  ann = await colleague(company, before(500));
  leftRecently = await colleague(company, before(600), before(30));
  await colleague(company, before(700), before(400));
  // She leaves ten days after the date: a customer then.
  await colleague(company, before(300), after(10));
  staysCustomer = await colleague(company, before(100));
  // A customer only from after the date.
  await colleague(company, after(5));

  // Ann's own tickets are hers, not her colleagues'; one she shares with a colleague is hers too.
  await w.ticket(ann, { createdAt: before(10) });
  const shared = await w.ticket(ann, { createdAt: before(3) });
  await w.link(staysCustomer, 'tickets', shared);
  await w.ticket(staysCustomer, { createdAt: before(5) });
  await w.ticket(staysCustomer, { createdAt: before(60) });
  await w.ticket(staysCustomer, { createdAt: before(100) });
  await w.ticket(staysCustomer, { createdAt: after(1) });
  // A colleague who has since left still had her tickets.
  await w.ticket(leftRecently, { createdAt: before(40) });

  // Colleagues' use: 60 minutes in the last 4 weeks, 240 in the 8 before; older and later use, and
  // Ann's own, do not count.
  for (const [at, minutes] of [
    [before(3), 40],
    [before(10), 20],
    [before(40), 80],
    [before(70), 160],
    [before(100), 500],
    [after(1), 1000],
  ] as const)
    await w.usage(staysCustomer, { at, minutes });
  await w.usage(ann, { at: before(2), minutes: 300 });

  // Colleagues' NPS answers of the year before the date: 2 and 6, a mean of 4. An older one, a
  // later one and Ann's own do not count.
  await w.feedback(staysCustomer, { at: before(20), score: 2 });
  await w.feedback(leftRecently, { at: before(200), score: 6 });
  await w.feedback(staysCustomer, { at: before(400), score: 10 });
  await w.feedback(staysCustomer, { at: after(1), score: 10 });
  await w.feedback(ann, { at: before(5), score: 9 });

  await w.email(ann, { sentAt: before(10), bounced: true });
  await w.email(ann, { sentAt: before(80), bounced: true });
  await w.email(ann, { sentAt: before(5) });
  await w.email(ann, { sentAt: before(100), bounced: true });
  await w.email(ann, { sentAt: after(1), bounced: true });
  // A colleague's bounce is hers, not Ann's.
  await w.email(staysCustomer, { sentAt: before(10), bounced: true });

  alone = await colleague(await w.company({ numberofemployees: '3' }), before(200));
  noCompany = await w.contact(
    { createdAt: before(200), stage: 'customer' },
    { hs_lifecyclestage_customer_date: before(200).toISOString() },
  );
  await w.email(noCompany, { sentAt: before(20), bounced: true });
}, 300_000);
afterAll(async () => {
  await database.dispose();
});

describe('account features as of a date', () => {
  it('counts colleagues who left in the 180 days up to the date, and those who were customers then', async () => {
    const v = (await featuresAt(AS_OF)).get(ann)!;
    // Left 30 days before: counted; 400 days before: not; ten days after: a customer at the date.
    expect(v.account_contacts_left_180d).toBe(1);
    // The one leaving later and the one staying; not Ann herself, nor the customer from after the date.
    expect(v.account_contacts_active).toBe(2);
  });

  it('a colleague leaving after the date counts only from a date after her leaving', async () => {
    const later = (await featuresAt(after(20))).get(ann)!;
    expect(later.account_contacts_left_180d).toBe(2);
    // By then the customer from after the date counts, and the one who left does not.
    expect(later.account_contacts_active).toBe(2);
    // 180 days on, only the later leaving is still in the window.
    const muchLater = (await featuresAt(after(170))).get(ann)!;
    expect(muchLater.account_contacts_left_180d).toBe(1);
  });

  it("counts colleagues' tickets of the 90 days before the date, not the contact's own", async () => {
    const rows = await featuresAt(AS_OF);
    // Two of the colleague who stays (the shared one is Ann's), one of the colleague who left.
    expect(rows.get(ann)!.account_tickets_90d).toBe(3);
    // Seen from the colleague who stays: Ann's own and the one of the colleague who left; the
    // shared one is linked to her.
    expect(rows.get(staysCustomer)!.account_tickets_90d).toBe(2);
    expect(rows.get(ann)!.tickets_90d).toBe(2);
  });

  it("takes the trend of colleagues' use together, without the contact's own", async () => {
    const rows = await featuresAt(AS_OF);
    expect(rows.get(ann)!.account_usage_trend).toBeCloseTo(Math.log2((60 / 4 + 1) / (240 / 8 + 1)), 10);
    // Ann's own use is all her colleague sees: none in the 8 weeks before the last 4.
    expect(rows.get(staysCustomer)!.account_usage_trend).toBeCloseTo(Math.log2(300 / 4 + 1), 10);
    // Seen from a colleague who did not use it: Ann's use and the other colleague's together.
    expect(rows.get(leftRecently)!.account_usage_trend).toBeCloseTo(
      Math.log2((60 / 4 + 300 / 4 + 1) / (240 / 8 + 1)),
      10,
    );
  });

  it("measures the colleagues' use a week, over the colleagues who were customers", async () => {
    const rows = await featuresAt(AS_OF);
    // Ann's colleagues used 60 + 240 minutes in the 12 weeks; two of them were customers then.
    expect(rows.get(ann)!.account_usage_per_colleague).toBeCloseTo(300 / 12 / 2, 10);
    // Seen from a colleague who did not use it: Ann's 300 and the other colleague's 300 minutes.
    const other = rows.get(leftRecently)!;
    expect(other.account_usage_per_colleague).toBeCloseTo(
      600 / 12 / Number(other.account_contacts_active),
      10,
    );
  });

  it("averages the colleagues' NPS answers of the year before the date, not the contact's own", async () => {
    const rows = await featuresAt(AS_OF);
    expect(rows.get(ann)!.account_nps_mean).toBe(4);
    // Seen from a colleague: Ann's 9 and the other colleague's 6.
    expect(rows.get(staysCustomer)!.account_nps_mean).toBe(7.5);
    // A colleague with no answering colleague in the year has none.
    expect(rows.get(alone)!.account_nps_mean).toBeNull();
  });

  it('counts bounced emails sent in the 90 days before the date', async () => {
    const rows = await featuresAt(AS_OF);
    expect(rows.get(ann)!.emails_bounced_90d).toBe(2);
    expect(rows.get(staysCustomer)!.emails_bounced_90d).toBe(1);
    expect(rows.get(noCompany)!.emails_bounced_90d).toBe(1);
    expect(rows.get(alone)!.emails_bounced_90d).toBe(0);
  });

  it('a contact without a company has no account features; one alone at hers has zeros', async () => {
    const rows = await featuresAt(AS_OF);
    expect(rows.get(noCompany)!).toMatchObject({
      account_contacts_left_180d: null,
      account_contacts_active: null,
      account_tickets_90d: null,
      account_usage_trend: null,
      account_usage_per_colleague: null,
      account_nps_mean: null,
    });
    expect(rows.get(alone)!).toMatchObject({
      account_contacts_left_180d: 0,
      account_contacts_active: 0,
      account_tickets_90d: 0,
      account_usage_trend: null,
      // No colleague at all, so none who was a customer.
      account_usage_per_colleague: null,
    });
  });

  it('archived colleagues still count: they were there at the date', async () => {
    const p = w.portalId;
    await sql`update contacts set archived = true where portal_id = ${p} and id = ${leftRecently}`.execute(
      database.db,
    );
    try {
      const v = (await featuresAt(AS_OF)).get(ann)!;
      expect(v.account_contacts_left_180d).toBe(1);
      expect(v.account_tickets_90d).toBe(3);
    } finally {
      await sql`update contacts set archived = false where portal_id = ${p} and id = ${leftRecently}`.execute(
        database.db,
      );
    }
  });

  it('later events and changes move no account feature', async () => {
    const earlier = await featuresAt(AS_OF);
    const p = w.portalId;
    await w.ticket(leftRecently, { createdAt: AS_OF });
    await w.usage(staysCustomer, { at: AS_OF, minutes: 999 });
    await w.email(ann, { sentAt: AS_OF, bounced: true });
    await w.feedback(staysCustomer, { at: AS_OF, score: 0 });
    // Everyone at the company leaves after the date.
    await sql`update contacts set stage_kind = 'former', lifecycle_stage = 'other', former_since = ${after(30)}
      where portal_id = ${p} and former_since is null`.execute(database.db);
    const again = await featuresAt(AS_OF);
    for (const id of [ann, staysCustomer, leftRecently, alone, noCompany]) {
      expect(again.get(id)).toEqual(earlier.get(id));
    }
  });

  it('several cutoffs read at once give what each cutoff gives alone', async () => {
    const contacts = await loadContacts(database.db, w.portalId, {
      ids: [ann, staysCustomer, alone, noCompany],
    });
    const dates = [AS_OF, after(20), before(45)];
    const together = await featuresAtCutoffs(
      database.db,
      w.portalId,
      dates.map((asOf) => ({ asOf, contacts })),
    );
    for (const [k, asOf] of dates.entries()) {
      const rows: ContactFeatures[] = together[k]!;
      expect(rows).toHaveLength(contacts.length);
      const single = await featuresAt(asOf);
      for (const row of rows) expect(row.values).toEqual(single.get(row.contactId));
    }
  });
});
