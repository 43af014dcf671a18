import { describe, expect, it } from '@jest/globals';
import type { ContactRow } from '../../server/features/build/contact-chunks.js';
import {
  churnLabel,
  customerEpisodes,
  customerStatusAt,
  NO_DEALS,
  type DealHistory,
} from '../../server/features/customer-status.js';
import { churnRuleSchema, DEFAULT_CHURN_RULE } from '../../server/settings/churn-rule.js';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);
const iso = (n: number) => day(n).toISOString();

const KIND: Record<string, ContactRow['stage_kind']> = {
  customer: 'customer',
  other: 'former',
  lead: 'prospect',
};

/** A contact as the warehouse keeps it: neutral stage kind and dates, as a CRM's mapper fills them. */
function contact(
  stage: string | null,
  properties: Record<string, string | null> = {},
  history: ContactRow['property_history'] = null,
): ContactRow {
  const { since, left, ...rest } = properties;
  return {
    id: '1',
    created_at: day(0),
    updated_at: day(400),
    lifecycle_stage: stage,
    stage_kind: stage === null ? null : (KIND[stage] ?? null),
    customer_since: since ? new Date(since) : null,
    former_since: left ? new Date(left) : null,
    properties: rest,
    property_history: history,
    plan: null,
    billing_period: null,
    segment: null,
    country: null,
    company: null,
  };
}

const stages = (...changes: [string, number][]) => ({
  stage: changes.map(([value, at]) => ({ value: KIND[value] ?? value, at: iso(at) })),
});

describe('a contact’s status at a time', () => {
  it('a lead is a prospect, and has no churn label', () => {
    const lead = contact('lead');
    expect(customerStatusAt(lead, NO_DEALS, DEFAULT_CHURN_RULE, day(300))).toEqual({ status: 'prospect' });
    expect(churnLabel(customerEpisodes(lead, NO_DEALS, DEFAULT_CHURN_RULE), day(100), 90)).toBeNull();
  });

  it('a customer is active from the day they became one, a prospect before', () => {
    const c = contact('customer', { since: iso(50) });
    expect(customerStatusAt(c, NO_DEALS, DEFAULT_CHURN_RULE, day(40)).status).toBe('prospect');
    expect(customerStatusAt(c, NO_DEALS, DEFAULT_CHURN_RULE, day(60))).toEqual({
      status: 'active',
      since: day(50),
    });
  });

  it('a customer who left is churned from the stage date, with what showed it', () => {
    const c = contact('other', {
      since: iso(50),
      left: iso(200),
    });
    expect(customerStatusAt(c, NO_DEALS, DEFAULT_CHURN_RULE, day(199)).status).toBe('active');
    expect(customerStatusAt(c, NO_DEALS, DEFAULT_CHURN_RULE, day(201))).toEqual({
      status: 'churned',
      since: day(50),
      leftAt: day(200),
      evidence: { kind: 'lifecycle_stage', stage: 'other' },
    });
    const episodes = customerEpisodes(c, NO_DEALS, DEFAULT_CHURN_RULE);
    expect(churnLabel(episodes, day(150), 90)).toBe(1);
    expect(churnLabel(episodes, day(100), 90)).toBe(0);
    expect(churnLabel(episodes, day(210), 90)).toBeNull();
  });

  it('a lost renewal ends the customer’s life before the stage changes', () => {
    const deals: DealHistory = { won: [day(50)], renewalsLost: [{ at: day(180), name: 'Acme renewal' }] };
    const c = contact('other', {
      since: iso(50),
      left: iso(200),
    });
    expect(customerStatusAt(c, deals, DEFAULT_CHURN_RULE, day(190))).toMatchObject({
      status: 'churned',
      leftAt: day(180),
      evidence: { kind: 'renewal_lost', dealName: 'Acme renewal' },
    });
  });

  it('a customer who left and came back is active from the return (from the stage history)', () => {
    const c = contact(
      'customer',
      {},
      stages(['lead', 0], ['customer', 50], ['other', 200], ['customer', 300]),
    );
    expect(customerStatusAt(c, NO_DEALS, DEFAULT_CHURN_RULE, day(250)).status).toBe('churned');
    expect(customerStatusAt(c, NO_DEALS, DEFAULT_CHURN_RULE, day(320))).toEqual({
      status: 'active',
      since: day(300),
    });
    const episodes = customerEpisodes(c, NO_DEALS, DEFAULT_CHURN_RULE);
    expect(churnLabel(episodes, day(150), 90)).toBe(1);
    expect(churnLabel(episodes, day(320), 30)).toBe(0);
  });

  it('a customer imported with an earlier customer date is active from that date', () => {
    // Created (and its stage first recorded) on day 300, as a customer since day 20.
    const imported = contact('customer', { since: iso(20) }, stages(['customer', 300]));
    expect(customerStatusAt(imported, NO_DEALS, DEFAULT_CHURN_RULE, day(100))).toEqual({
      status: 'active',
      since: day(20),
    });
    // Imported as a former customer, with both dates: a customer from day 20 to day 250.
    const gone = contact('other', { since: iso(20), left: iso(250) }, stages(['other', 300]));
    expect(customerStatusAt(gone, NO_DEALS, DEFAULT_CHURN_RULE, day(100)).status).toBe('active');
    expect(customerStatusAt(gone, NO_DEALS, DEFAULT_CHURN_RULE, day(260))).toMatchObject({
      status: 'churned',
      leftAt: day(250),
    });
  });

  it('a leaving entered late counts from the former-customer date the CRM gives it', () => {
    // The stage was changed on day 230; the CRM's date says they left on day 200.
    const late = contact(
      'other',
      { since: iso(50), left: iso(200) },
      stages(['lead', 0], ['customer', 50], ['other', 230]),
    );
    expect(customerStatusAt(late, NO_DEALS, DEFAULT_CHURN_RULE, day(210))).toMatchObject({
      status: 'churned',
      leftAt: day(200),
    });
    // A date from before the episode began (an earlier leaving) does not move this one's end.
    const again = contact(
      'other',
      { since: iso(50), left: iso(120) },
      stages(['lead', 0], ['customer', 50], ['other', 100], ['customer', 150], ['other', 230]),
    );
    expect(customerStatusAt(again, NO_DEALS, DEFAULT_CHURN_RULE, day(210)).status).toBe('active');
    expect(customerStatusAt(again, NO_DEALS, DEFAULT_CHURN_RULE, day(240))).toMatchObject({
      status: 'churned',
      leftAt: day(230),
    });
  });

  it('a return shown by the stage dates alone counts from the customer date', () => {
    const c = contact('customer', {
      since: iso(300),
      left: iso(200),
    });
    expect(customerStatusAt(c, NO_DEALS, DEFAULT_CHURN_RULE, day(320))).toEqual({
      status: 'active',
      since: day(300),
    });
  });

  it('the former stage without a date is churned now, but labels no past cutoff', () => {
    const c = contact('other', { since: iso(50) });
    expect(customerStatusAt(c, NO_DEALS, DEFAULT_CHURN_RULE, day(400))).toMatchObject({
      status: 'churned',
      leftAt: null,
    });
    expect(churnLabel(customerEpisodes(c, NO_DEALS, DEFAULT_CHURN_RULE), day(100), 90)).toBeNull();
  });

  it('the former stage on someone who never bought is not a churn', () => {
    const c = contact('other', { left: iso(20) });
    expect(customerStatusAt(c, NO_DEALS, DEFAULT_CHURN_RULE, day(400))).toEqual({ status: 'prospect' });
  });

  it('a deal closed after someone left does not bring them back when the CRM keeps stages', () => {
    const deals: DealHistory = { won: [day(50), day(260)], renewalsLost: [] };
    const c = contact('other', {
      since: iso(50),
      left: iso(200),
    });
    expect(customerStatusAt(c, deals, DEFAULT_CHURN_RULE, day(300)).status).toBe('churned');
  });

  describe('an account whose churn the CRM keeps on the company', () => {
    const inCompany = (company: { former?: boolean; formerSince?: Date }, stage = 'customer') => ({
      ...contact(stage, { since: iso(50) }),
      company_id: '77',
      company: {
        kind: company.former ? ('former' as const) : ('customer' as const),
        formerSince: company.formerSince ?? null,
        employees: null,
        industry: null,
        country: null,
      },
    });
    it('a company set to the former stage takes its customers with it, on its date', () => {
      const c = inCompany({ former: true, formerSince: day(210) });
      expect(customerStatusAt(c, NO_DEALS, DEFAULT_CHURN_RULE, day(300))).toMatchObject({
        status: 'churned',
        leftAt: day(210),
        evidence: { kind: 'company_stage', stage: 'other' },
      });
    });
    it('the company’s lost renewal counts for a contact with no deals of its own, and only then', () => {
      const lost = [{ at: day(190), name: 'Acme renewal 2026' }];
      const c = inCompany({});
      expect(
        customerStatusAt(
          c,
          { won: [], renewalsLost: [], companyRenewalsLost: lost },
          DEFAULT_CHURN_RULE,
          day(300),
        ),
      ).toMatchObject({ status: 'churned', leftAt: day(190) });
      const ownDeals: DealHistory = { won: [day(50)], renewalsLost: [], companyRenewalsLost: lost };
      expect(customerStatusAt(c, ownDeals, DEFAULT_CHURN_RULE, day(300)).status).toBe('active');
    });
    it('a lead at a lost account stays a prospect', () => {
      const lead = { ...inCompany({ former: true, formerSince: day(210) }, 'lead'), customer_since: null };
      expect(customerStatusAt(lead, NO_DEALS, DEFAULT_CHURN_RULE, day(300)).status).toBe('prospect');
    });
  });

  describe('a property rule', () => {
    const rule = churnRuleSchema.parse({ kind: 'property', property: 'churned' });
    it('dates the churn from the property’s history, never from the last change of the record', () => {
      const c = contact(
        'customer',
        { since: iso(50), churned: 'true' },
        {
          churned: [
            { value: 'false', at: iso(50) },
            { value: 'true', at: iso(220) },
          ],
        },
      );
      expect(customerStatusAt(c, NO_DEALS, rule, day(300))).toMatchObject({
        status: 'churned',
        leftAt: day(220),
      });
    });
    it('a flag cleared again is a return', () => {
      const c = contact(
        'customer',
        { since: iso(50), churned: 'false' },
        {
          churned: [
            { value: 'true', at: iso(220) },
            { value: 'false', at: iso(260) },
          ],
        },
      );
      expect(customerStatusAt(c, NO_DEALS, rule, day(300))).toEqual({ status: 'active', since: day(260) });
    });
    it('without history or a date property, the flag churns now with an unknown date', () => {
      const c = contact('customer', { since: iso(50), churned: 'yes' });
      expect(customerStatusAt(c, NO_DEALS, rule, day(300))).toMatchObject({
        status: 'churned',
        leftAt: null,
      });
    });
    it('a lead is a prospect whatever the flag says', () => {
      expect(customerStatusAt(contact('lead', { churned: 'true' }), NO_DEALS, rule, day(300)).status).toBe(
        'prospect',
      );
    });
  });

  describe('no purchase in N days', () => {
    const rule = churnRuleSchema.parse({ kind: 'no_purchase', days: 60 });
    const deals: DealHistory = { won: [day(10), day(50), day(200)], renewalsLost: [] };
    it('is active within N days of a purchase, churned after, and active again with the next purchase', () => {
      expect(customerStatusAt(contact(null), deals, rule, day(5)).status).toBe('prospect');
      expect(customerStatusAt(contact(null), deals, rule, day(100))).toEqual({
        status: 'active',
        since: day(10),
      });
      expect(customerStatusAt(contact(null), deals, rule, day(150))).toMatchObject({
        status: 'churned',
        leftAt: day(110),
      });
      expect(customerStatusAt(contact(null), deals, rule, day(210))).toEqual({
        status: 'active',
        since: day(200),
      });
    });
  });
});
