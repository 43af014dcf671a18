/**
 * A company's risk of leaving, from its active contacts' scores and its own signals, with the
 * reasons in words. Pure: the warehouse reads live in account-scores.ts.
 *
 * The rule, so a CSM can check it by hand:
 * 1. The decision-maker is the active contact who brings the most revenue (deals won in the year
 *    before the run); on a tie the longest-standing customer, then the lowest id.
 * 2. The base is half the decision-maker's probability plus half the mean over all active
 *    contacts (the decision-maker included): with one contact it is that contact's probability,
 *    and the decision-maker always counts more than anyone else.
 * 3. Each account signal then takes a share of the chance to stay, p = 1 − (1 − base) × Π(1 − u):
 *    u = 0.10 per open high-priority ticket (at most 0.30), 0.10 for a renewal within 90 days,
 *    and half the share of its customers who left in the last year.
 * Each reason carries the percentage points of the final risk it accounts for: the contacts'
 * weighted probabilities for the base, the signals' uplift shared by their log-odds of staying.
 */
import { scoreText } from './score-points.js';
import type { Tier } from './tiers.js';

export const RENEWAL_WINDOW_DAYS = 90;
const DECISION_MAKER_SHARE = 0.5;
const TICKET_UPLIFT = 0.1;
const TICKET_UPLIFT_MAX = 0.3;
const RENEWAL_UPLIFT = 0.1;
const CHURNED_SHARE_UPLIFT = 0.5;
const DAY_MS = 86_400_000;

export interface AccountContact {
  contactId: string;
  name: string;
  probability: number;
  tier: Tier;
  /** Revenue won from the contact in the year before the run; null when none is recorded. */
  value: number | null;
  customerSince: Date | null;
}

export interface AccountSignals {
  openHighPriorityTickets: number;
  /** The account's next open renewal (at any date) and what it is worth. */
  renewal: { at: Date; value: number | null } | null;
  /** Customers among its contacts who left in the year before the run. */
  churnedContacts: number;
}

export type AccountReasonKind =
  | 'decision_maker'
  | 'high_risk_contacts'
  | 'medium_risk_contacts'
  | 'renewal'
  | 'high_priority_tickets'
  | 'churned_contacts';

/** The reasons that are the account's own signals; the others are parts of its customers' risk. */
export const SIGNAL_KINDS: ReadonlySet<AccountReasonKind> = new Set([
  'renewal',
  'high_priority_tickets',
  'churned_contacts',
]);

export interface AccountReason {
  kind: AccountReasonKind;
  /** In the words a person would say: "3 of 5 contacts high risk". */
  text: string;
  /** Percentage points of the account's risk this reason accounts for. */
  points: number;
}

export interface AccountRisk {
  probability: number;
  decisionMakerId: string;
  /** Largest first (at most one of each kind); empty when nothing stands out. The CRM gets three. */
  reasons: AccountReason[];
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const plural = (n: number, one: string, many = `${one}s`) => `${count.format(n)} ${n === 1 ? one : many}`;

/** Rule 1: the most revenue, then the longest-standing customer, then the lowest id. */
export function decisionMaker(contacts: readonly AccountContact[]): AccountContact {
  if (contacts.length === 0) throw new Error('an account needs at least one active contact');
  return [...contacts].sort(
    (a, b) =>
      (b.value ?? 0) - (a.value ?? 0) ||
      (a.customerSince?.getTime() ?? Infinity) - (b.customerSince?.getTime() ?? Infinity) ||
      (a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0),
  )[0]!;
}

/** Whole days, as a person counts them: a renewal 13 days and an hour away is "in 13 days". */
function daysUntil(at: Date, asOf: Date): number {
  return Math.max(0, Math.round((at.getTime() - asOf.getTime()) / DAY_MS));
}

function renewalText(days: number, value: number | null): string {
  const when = days === 0 ? 'Renewal today' : `Renewal in ${plural(days, 'day')}`;
  return value !== null && value > 0 ? `${when} worth ${count.format(Math.round(value))}` : when;
}

export function accountRisk(
  contacts: readonly AccountContact[],
  signals: AccountSignals,
  asOf: Date,
): AccountRisk {
  const n = contacts.length;
  const leader = decisionMaker(contacts);
  // Each contact's weight in the base: the decision-maker's half plus everyone's equal share.
  const weight = (c: AccountContact) =>
    (1 - DECISION_MAKER_SHARE) / n + (c === leader ? DECISION_MAKER_SHARE : 0);
  const base = contacts.reduce((sum, c) => sum + weight(c) * c.probability, 0);
  const reasons: AccountReason[] = [];
  const share = (members: AccountContact[]) =>
    members.reduce((sum, c) => sum + weight(c) * c.probability, 0) * 100;

  if (leader.tier !== 'low') {
    reasons.push({
      kind: 'decision_maker',
      text: `Decision-maker ${leader.name} at ${leader.tier} risk (${scoreText(leader.probability)} %)`,
      points: share([leader]),
    });
  }
  const high = contacts.filter((c) => c.tier === 'high');
  const medium = contacts.filter((c) => c.tier === 'medium');
  const others = (members: AccountContact[]) => members.filter((c) => c !== leader);
  // The riskiest tier among the others: a count that adds no one to the decision-maker would only
  // repeat it.
  if (others(high).length > 0) {
    reasons.push({
      kind: 'high_risk_contacts',
      text: `${count.format(high.length)} of ${plural(n, 'contact')} high risk`,
      points: share(others(high)),
    });
  } else if (others(medium).length > 0) {
    reasons.push({
      kind: 'medium_risk_contacts',
      text: `${count.format(medium.length)} of ${plural(n, 'contact')} medium risk`,
      points: share(others(medium)),
    });
  }

  const uplifts: { kind: AccountReasonKind; text: string; u: number }[] = [];
  if (signals.openHighPriorityTickets > 0) {
    uplifts.push({
      kind: 'high_priority_tickets',
      text: `${plural(signals.openHighPriorityTickets, 'open high-priority ticket')}`,
      u: Math.min(TICKET_UPLIFT_MAX, TICKET_UPLIFT * signals.openHighPriorityTickets),
    });
  }
  if (signals.renewal) {
    const days = daysUntil(signals.renewal.at, asOf);
    if (days <= RENEWAL_WINDOW_DAYS) {
      uplifts.push({ kind: 'renewal', text: renewalText(days, signals.renewal.value), u: RENEWAL_UPLIFT });
    }
  }
  if (signals.churnedContacts > 0) {
    const customers = signals.churnedContacts + n;
    uplifts.push({
      kind: 'churned_contacts',
      text: `${count.format(signals.churnedContacts)} of ${plural(customers, 'customer')} left in the last year`,
      u: CHURNED_SHARE_UPLIFT * (signals.churnedContacts / customers),
    });
  }
  // base + (1 − base) × (1 − Π(1 − u)): the same as 1 − (1 − base) × Π(1 − u), exact without signals.
  const kept = uplifts.reduce((s, x) => s * (1 - x.u), 1);
  const probability = Math.min(1, Math.max(0, base + (1 - base) * (1 - kept)));
  const logStay = uplifts.reduce((s, x) => s - Math.log(1 - x.u), 0);
  for (const x of uplifts) {
    reasons.push({
      kind: x.kind,
      text: x.text,
      points: logStay === 0 ? 0 : ((probability - base) * 100 * -Math.log(1 - x.u)) / logStay,
    });
  }
  return {
    probability,
    decisionMakerId: leader.contactId,
    // Unrounded: a view rounds them with the score, so parts and score agree (apportionPoints).
    reasons: reasons.sort((a, b) => b.points - a.points),
  };
}

/** The reasons as the CRM's one text field and the dashboard's summary line hold them. */
export function accountReasonsText(reasons: readonly Pick<AccountReason, 'text'>[]): string {
  return reasons.length === 0
    ? 'No strong risk signals'
    : reasons
        .slice(0, 3)
        .map((r) => r.text)
        .join('; ');
}
