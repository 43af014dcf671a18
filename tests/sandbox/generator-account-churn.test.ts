/**
 * Churn decided per account (`churnUnit: 'account'`, sandbox/generator/account-churn.ts): a
 * company's customers share one decision, made at the pace of their hazards averaged, and all of
 * them then behave as leavers and show the churn within a few days of each other; consumers still
 * decide alone, and the default (per contact) mode writes exactly what it wrote before.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';
import { VISIBLE_SPREAD_DAYS } from '../../sandbox/generator/account-churn.js';
import { generatePortal, type ChurnUnit, type GenerationSummary } from '../../sandbox/generator/index.js';
import { companyProfile, customerProfile, WEEK_MS } from '../../sandbox/generator/profile.js';
import { Random } from '../../sandbox/generator/random.js';
import { simulateCustomer, type UsageSink } from '../../sandbox/generator/simulate.js';
import { SandboxStore, type HiddenTruth, type PortalData } from '../../sandbox/store.js';
import { portalDigest } from '../support/sandbox-portal.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const DAY_MS = 86_400_000;
const SPREAD_MS = VISIBLE_SPREAD_DAYS * DAY_MS;
const CONTACTS = 3000;
const SEED = 21;

function generate(
  churnUnit: ChurnUnit | undefined,
  contacts = CONTACTS,
  seed = SEED,
): { portal: PortalData; summary: GenerationSummary } {
  const portal = new SandboxStore().createPortal(77);
  const summary = generatePortal(portal, {
    contacts,
    seed,
    now: NOW,
    ...(churnUnit ? { churnUnit } : {}),
  });
  return { portal, summary };
}

/** The truths of the customers of each company (by primary company), and those of consumers. */
function byAccount(portal: PortalData): { accounts: HiddenTruth[][]; consumers: HiddenTruth[] } {
  const accounts = new Map<string, HiddenTruth[]>();
  const consumers: HiddenTruth[] = [];
  for (const truth of portal.truth.values()) {
    const companyId = portal.associationsOf('contacts', truth.contactId, 'companies')[0]?.toId;
    if (companyId === undefined) consumers.push(truth);
    else (accounts.get(companyId) ?? accounts.set(companyId, []).get(companyId)!).push(truth);
  }
  return { accounts: [...accounts.values()], consumers };
}

const time = (date: Date | null | undefined): number | null => date?.getTime() ?? null;
const spread = (times: number[]): number => Math.max(...times) - Math.min(...times);
/** Accounts with more than one customer, some of whom decided: where sharing can fail. */
const sharedDecisions = (accounts: HiddenTruth[][]) =>
  accounts.filter((a) => a.length > 1 && a.some((t) => t.churned)).length;

describe('churn decided per account', () => {
  let account: { portal: PortalData; summary: GenerationSummary };
  let contact: { portal: PortalData; summary: GenerationSummary };

  beforeAll(() => {
    account = generate('account');
    contact = generate('contact');
  });

  it("makes every company's customers share the decision, its time and (within days) its showing", () => {
    const { accounts } = byAccount(account.portal);
    const contacts = account.portal.recordsOf('contacts');
    const now = NOW.getTime();
    for (const customers of accounts) {
      expect(new Set(customers.map((t) => t.churned)).size).toBe(1);
      expect(new Set(customers.map((t) => time(t.churnDecidedAt))).size).toBe(1);
      // The account's risk, the same for each of its customers.
      expect(new Set(customers.map((t) => t.risk)).size).toBe(1);
      if (!customers[0]!.churned) continue;
      const shown = customers.flatMap((t) => (t.churnVisibleAt ? [t.churnVisibleAt.getTime()] : []));
      if (shown.length > 0) {
        expect(spread(shown)).toBeLessThanOrEqual(SPREAD_MS);
        // Those the CRM does not show yet are due within the spread of the others.
        if (shown.length < customers.length) expect(now - Math.min(...shown)).toBeLessThanOrEqual(SPREAD_MS);
        const lag = Math.min(...shown) - customers[0]!.churnDecidedAt!.getTime();
        expect(lag).toBeGreaterThanOrEqual(14 * DAY_MS);
        expect(lag).toBeLessThanOrEqual(56 * DAY_MS + SPREAD_MS);
      }
      for (const truth of customers) {
        // Nobody buys from an account that has decided to leave.
        const since = Date.parse(contacts.get(truth.contactId)!.properties.hs_lifecyclestage_customer_date!);
        expect(since).toBeLessThanOrEqual(truth.churnDecidedAt!.getTime());
      }
    }
    expect(sharedDecisions(accounts)).toBeGreaterThan(100);
    // The contact mode on the same seed does not: there, its customers decide one by one.
    const split = byAccount(contact.portal).accounts.filter((a) => new Set(a.map((t) => t.churned)).size > 1);
    expect(split.length).toBeGreaterThan(100);
  });

  it("gives an account's active customers one forward decision and one 90-day label", () => {
    const { accounts } = byAccount(account.portal);
    let forwardAccounts = 0;
    for (const customers of accounts) {
      const active = customers.filter((t) => t.churnVisibleAt === null);
      if (active.length === 0) continue;
      expect(new Set(active.map((t) => t.churnsWithin90Days)).size).toBe(1);
      expect(new Set(active.map((t) => time(t.forwardDecisionAt))).size).toBe(1);
      for (const truth of active) {
        const pending = truth.churnDecidedAt !== null;
        expect(truth.churnsWithin90Days).toBe(pending || truth.forwardDecisionAt !== null);
      }
      if (active[0]!.forwardDecisionAt == null) continue;
      forwardAccounts++;
      const decision = active[0]!.forwardDecisionAt.getTime();
      expect(decision).toBeGreaterThanOrEqual(NOW.getTime());
      expect(decision).toBeLessThan(NOW.getTime() + 90 * DAY_MS);
      const shown = active.map((t) => t.forwardVisibleAt!.getTime());
      expect(spread(shown)).toBeLessThanOrEqual(SPREAD_MS);
      expect(Math.min(...shown) - decision).toBeGreaterThanOrEqual(14 * DAY_MS);
    }
    expect(forwardAccounts).toBeGreaterThan(20);
  });

  it('leaves consumers deciding alone, exactly as in the contact mode', () => {
    const decisions = (portal: PortalData) => {
      const contacts = portal.recordsOf('contacts');
      return new Map(
        byAccount(portal).consumers.map((t) => [
          contacts.get(t.contactId)!.properties.email,
          [time(t.churnDecidedAt), time(t.churnVisibleAt), time(t.forwardDecisionAt)],
        ]),
      );
    };
    const own = decisions(account.portal);
    const before = decisions(contact.portal);
    expect(own.size).toBeGreaterThan(500);
    for (const [email, decision] of own) expect(decision).toEqual(before.get(email));
    const churned = [...own.values()].filter(([decidedAt]) => decidedAt !== null).length;
    expect(churned).toBeGreaterThan(0.1 * own.size);
    expect(churned).toBeLessThan(0.6 * own.size);
  });

  it('churns at a realistic rate, close to the contact mode’s', () => {
    // Customers who decided over the 24 months: 20–50 % (the contact mode has about a third).
    const rate = (s: GenerationSummary) => s.churnDecided / s.customers;
    expect(rate(account.summary)).toBeGreaterThan(0.2);
    expect(rate(account.summary)).toBeLessThan(0.5);
    expect(Math.abs(rate(account.summary) - rate(contact.summary))).toBeLessThan(0.08);
    expect(account.summary.churnVisible).toBeLessThanOrEqual(account.summary.churnDecided);
    // Of the customers active at the end, 3–25 % leave within the next 90 days.
    const active = [...account.portal.truth.values()].filter((t) => t.churnVisibleAt === null);
    const leaving = active.filter((t) => t.churnsWithin90Days).length / active.length;
    expect(leaving).toBeGreaterThan(0.03);
    expect(leaving).toBeLessThan(0.25);
  });

  it("collapses every decided customer's usage after the account's decision", () => {
    const sessions = new Map<string, number[]>();
    for (const event of account.portal.usage) {
      if (event.type !== 'session') continue;
      (sessions.get(event.contactId) ?? sessions.set(event.contactId, []).get(event.contactId)!).push(
        event.occurredAt.getTime(),
      );
    }
    const contacts = account.portal.recordsOf('contacts');
    const windowStart = Date.UTC(2024, 2, 1);
    let before = 0;
    let after = 0;
    let measured = 0;
    let users = 0;
    let fell = 0;
    // Every customer of a decided account, not only the one whose hazard weighed most.
    for (const truth of byAccount(account.portal).accounts.flat()) {
      if (!truth.churnDecidedAt) continue;
      const decidedAt = truth.churnDecidedAt.getTime();
      const since = Date.parse(contacts.get(truth.contactId)!.properties.hs_lifecyclestage_customer_date!);
      // Eight weeks lived before the decision, and five after it before the CRM shows it.
      if (Math.max(since, windowStart) > decidedAt - 8 * WEEK_MS) continue;
      if (decidedAt + 5 * WEEK_MS > (truth.churnVisibleAt?.getTime() ?? NOW.getTime())) continue;
      const times = sessions.get(truth.contactId) ?? [];
      const weekly = (from: number, to: number) =>
        times.filter((t) => t >= from && t < to).length / ((to - from) / WEEK_MS);
      // The week holding the decision is lived as before it; behaviour turns at its end.
      const was = weekly(decidedAt - 8 * WEEK_MS, decidedAt - WEEK_MS);
      const is = weekly(decidedAt + WEEK_MS, decidedAt + 5 * WEEK_MS);
      before += was;
      after += is;
      measured++;
      if (was > 0) users++;
      if (was > 0 && is < was) fell++;
    }
    expect(measured).toBeGreaterThan(100);
    expect(after).toBeLessThan(0.4 * before);
    expect(fell / users).toBeGreaterThan(0.7);
  });

  it('is the same for the same seed, and another for another seed', () => {
    const first = generate('account', 800);
    const again = generate('account', 800);
    expect(portalDigest(again.portal)).toBe(portalDigest(first.portal));
    expect(again.summary).toEqual(first.summary);
    expect(portalDigest(generate('account', 800, SEED + 1).portal)).not.toBe(portalDigest(first.portal));
    expect(portalDigest(generate('contact', 800).portal)).not.toBe(portalDigest(first.portal));
  });

  it('changes nothing in the contact mode, the default', () => {
    // Beside generator-determinism.test.ts and the digests generator-forward-truth.test.ts pins.
    expect(portalDigest(generate(undefined, 800).portal)).toBe(portalDigest(generate('contact', 800).portal));
  });

  it('refuses an unknown unit', () => {
    const portal = new SandboxStore().createPortal(1);
    expect(() =>
      generatePortal(portal, { contacts: 10, seed: 1, churnUnit: 'team' as unknown as ChurnUnit }),
    ).toThrow(RangeError);
    expect(portal.recordsOf('contacts').size).toBe(0);
  });
});

describe("a customer steered by its account's decision", () => {
  const windowStart = Date.UTC(2024, 2, 1);
  const now = NOW.getTime();
  const company = companyProfile(new Random(5, 1, 0), 0);
  const streamOf = (index: number) => {
    const rng = new Random(5, 2, index);
    return { rng, profile: customerProfile(rng, index, company, windowStart, now) };
  };
  // A customer from before the window, so it lives every week of it, and one who uses the product.
  const index = Array.from({ length: 200 }, (_, i) => i).find((i) => {
    const { profile } = streamOf(i);
    return profile.isCustomer && profile.since < windowStart && profile.baseEngagement > 0.5;
  })!;

  function live(decision: { decidedAt: number; visibleAt: number } | null) {
    const { rng, profile } = streamOf(index);
    const usage: Parameters<UsageSink>[] = [];
    const weeks: number[] = [];
    const story = simulateCustomer(rng, profile, windowStart, now, (...call) => usage.push(call), {
      decision,
      onWeek: (start) => weeks.push(start),
    });
    return { story, usage, weeks };
  }

  it('lives the same weeks up to the end of the week holding the decision, then leaves', () => {
    const stays = live(null);
    expect(stays.story.decidedAt).toBeNull();
    expect(stays.story.atNow).not.toBeNull();
    const weekStart = stays.weeks[40]!;
    const decidedAt = weekStart + 3 * DAY_MS;
    const visibleAt = decidedAt + 56 * DAY_MS;
    const leaves = live({ decidedAt, visibleAt });
    expect(leaves.story.decidedAt).toBe(decidedAt);
    expect(leaves.story.visibleAt).toBe(visibleAt);
    expect(leaves.story.atNow).toBeNull();
    const upTo = (usage: Parameters<UsageSink>[], end: number) =>
      usage.filter(([at]) => at.getTime() < end).map(([at, ...rest]) => [at.getTime(), ...rest]);
    const turn = weekStart + WEEK_MS;
    expect(upTo(leaves.usage, turn)).toEqual(upTo(stays.usage, turn));
    expect(leaves.usage.every(([at]) => at.getTime() < visibleAt)).toBe(true);
    const sessionsIn = (usage: Parameters<UsageSink>[], from: number, to: number) =>
      usage.filter(([at, type]) => type === 'session' && at.getTime() >= from && at.getTime() < to).length;
    expect(sessionsIn(leaves.usage, turn, visibleAt)).toBeLessThan(sessionsIn(stays.usage, turn, visibleAt));
  });
});
