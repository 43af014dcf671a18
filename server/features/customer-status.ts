/**
 * Who is a customer, and when: the one place that decides it. For a contact and a time, the
 * contact is a `prospect` (never a customer by then), `active` (a customer who can still leave; one
 * who left and came back is active again from the return) or `churned` (with the date and what
 * showed it), under the portal's churn rule. Labels, the scoring population, tiers, the lists, the
 * card, the CRM properties and the dashboard all ask this module.
 *
 * A contact's customer life is a list of episodes, each from a start to an end (or open). Starts
 * come from the lifecycle stage (its history when synced, else the stage dates), else from won
 * deals; ends from the rule: the former-customer stage or a lost renewal, a property turning true,
 * or a purchase deadline missed. The dates come from the CRM's history or date properties, never
 * from when a record was last modified, which our own write-back moves.
 */
import { STAGE_HISTORY } from '../crm/warehouse-records.js';
import { FORMER_CUSTOMER_STAGE, isTrueValue, type ChurnRule } from '../settings/churn-rule.js';
import type { ContactRow } from './build/contact-chunks.js';
import { DAY_MS } from './build/time-windows.js';

/** What showed that a customer left. */
export type ChurnEvidence =
  | { kind: 'lifecycle_stage'; stage: string }
  | { kind: 'company_stage'; stage: string }
  | { kind: 'renewal_lost'; dealName: string | null }
  | { kind: 'property'; property: string }
  | { kind: 'no_purchase'; days: number };

export interface CustomerEpisode {
  since: Date;
  /** Absent while the customer stays; `at` null when the CRM shows the churn but not its date. */
  end?: { at: Date | null; evidence: ChurnEvidence };
}

export type CustomerStatus =
  | { status: 'prospect' }
  | { status: 'active'; since: Date }
  | { status: 'churned'; since: Date; leftAt: Date | null; evidence: ChurnEvidence };

export type CustomerStatusKind = CustomerStatus['status'];

/** A contact's deals, as the rules read them. */
export interface DealHistory {
  /** Close dates of deals won, ascending. */
  won: Date[];
  /** Renewal deals lost (of the rule's renewal types), ascending by close date. */
  renewalsLost: { at: Date; name: string | null }[];
  /** The contact's company's lost renewals: they count for a contact with no deals of its own. */
  companyRenewalsLost?: { at: Date; name: string | null }[];
}

export const NO_DEALS: DealHistory = { won: [], renewalsLost: [] };

/** One property's values over time, oldest first, as the sync stores them. */
export type PropertyHistory = Record<string, { value: string | null; at: string }[]>;

export function propertyDate(properties: Record<string, string | null>, name: string): Date | null {
  const raw = properties[name];
  if (raw === null || raw === undefined || raw === '') return null;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

interface Change {
  at: Date;
  value: string | null;
}

function historyOf(contact: ContactRow, property: string): Change[] | null {
  const entries = contact.property_history?.[property];
  if (!entries || entries.length === 0) return null;
  return entries
    .map((e) => ({ at: new Date(e.at), value: e.value }))
    .filter((e) => Number.isFinite(e.at.getTime()))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

type Event = { at: Date; kind: 'start' } | { at: Date; kind: 'end'; evidence: ChurnEvidence };

/**
 * Stage changes as starts (becoming a customer) and ends (becoming a former customer), from the
 * stage's history (the first start and the last leaving dated by the CRM's customer and
 * former-customer dates where those are earlier than the changes were entered), else from the
 * dates the CRM keeps and the current stage (neutral columns the
 * CRM's mapper fills). A former customer whose change has no date still ends: with an unknown
 * date, so it is churned now but never labels a past cutoff.
 */
function stageEvents(contact: ContactRow, formerStage: string): { events: Event[]; undated: boolean } {
  const history = historyOf(contact, STAGE_HISTORY);
  const left: ChurnEvidence = { kind: 'lifecycle_stage', stage: formerStage };
  if (history) {
    const events: Event[] = [];
    for (const change of history) {
      if (change.value === 'customer') events.push({ at: change.at, kind: 'start' });
      else if (change.value === 'former') events.push({ at: change.at, kind: 'end', evidence: left });
    }
    // The CRM's dates say when where they are earlier than the change was entered (set by hand, or
    // imported): the customer date dates the first start, the former-customer date the last end
    // (still after that episode's start).
    const since = contact.customer_since;
    const firstStart = events.findIndex((e) => e.kind === 'start');
    if (since && firstStart < 0) events.unshift({ at: since, kind: 'start' });
    else if (since && since < events[firstStart]!.at) events[firstStart] = { at: since, kind: 'start' };
    const lastEnd = events.findLastIndex((e) => e.kind === 'end');
    const leftAt = contact.former_since;
    if (lastEnd >= 0 && leftAt && leftAt < events[lastEnd]!.at) {
      const start = events.slice(0, lastEnd).findLast((e) => e.kind === 'start');
      if (!start || leftAt > start.at) events[lastEnd] = { at: leftAt, kind: 'end', evidence: left };
    }
    return { events, undated: false };
  }
  const since = contact.customer_since;
  const leftAt = contact.former_since;
  const events: Event[] = [];
  if (since) events.push({ at: since, kind: 'start' });
  if (contact.stage_kind === 'customer') {
    // A customer now who has a former-customer date left once and came back: at their customer date
    // when that is later, else at a date the stage dates do not tell (the sync fetches the stage's
    // history for such contacts), counted from the day they left.
    if (!since) events.push({ at: contact.created_at ?? new Date(0), kind: 'start' });
    if (leftAt) {
      events.push({ at: leftAt, kind: 'end', evidence: left });
      if (since && since < leftAt) events.push({ at: leftAt, kind: 'start' });
    }
    return { events, undated: false };
  }
  if (contact.stage_kind === 'former' && leftAt) events.push({ at: leftAt, kind: 'end', evidence: left });
  return { events, undated: contact.stage_kind === 'former' && !leftAt };
}

/** Walks starts and ends in time order into episodes; a start inside an episode or an end outside one changes nothing. */
function episodesOf(events: Event[]): CustomerEpisode[] {
  // At the same instant an end comes before a start, so a same-day return is a return.
  const sorted = [...events].sort(
    (a, b) => a.at.getTime() - b.at.getTime() || (a.kind === b.kind ? 0 : a.kind === 'end' ? -1 : 1),
  );
  const episodes: CustomerEpisode[] = [];
  let open: CustomerEpisode | null = null;
  for (const event of sorted) {
    if (event.kind === 'start' && !open) {
      open = { since: event.at };
      episodes.push(open);
    } else if (event.kind === 'end' && open && event.at > open.since) {
      open.end = { at: event.at, evidence: event.evidence };
      open = null;
    }
  }
  return episodes;
}

function endOpenEpisode(episodes: CustomerEpisode[], evidence: ChurnEvidence): void {
  const last = episodes[episodes.length - 1];
  if (last && !last.end) last.end = { at: null, evidence };
}

/** The company's move to the former-customer stage, with its date when the CRM has one. */
function companyLeft(
  contact: ContactRow,
  formerStage: string,
): { at: Date | null; evidence: ChurnEvidence } | null {
  if (contact.company?.kind !== 'former') return null;
  return {
    at: contact.company.formerSince,
    evidence: { kind: 'company_stage', stage: formerStage },
  };
}

function lifecycleEpisodes(
  contact: ContactRow,
  deals: DealHistory,
  rule: Extract<ChurnRule, { kind: 'lifecycle_stage' }>,
) {
  const { events, undated } = stageEvents(contact, rule.formerStage ?? FORMER_CUSTOMER_STAGE);
  // Deals make a customer only where the CRM keeps no lifecycle stage of one: a stray deal closed
  // after someone left must not bring them back.
  if (!events.some((e) => e.kind === 'start') && deals.won[0])
    events.push({ at: deals.won[0], kind: 'start' });
  if (rule.renewalLost) {
    // An account whose deals live on the company alone loses its contacts with its renewal.
    const ownDeals = deals.won.length > 0 || deals.renewalsLost.length > 0;
    const lostRenewals = ownDeals ? deals.renewalsLost : (deals.companyRenewalsLost ?? []);
    for (const lost of lostRenewals)
      events.push({ at: lost.at, kind: 'end', evidence: { kind: 'renewal_lost', dealName: lost.name } });
  }
  // A company that became a former customer takes its customers' contacts with it.
  const company = companyLeft(contact, rule.formerStage ?? FORMER_CUSTOMER_STAGE);
  if (company?.at) events.push({ at: company.at, kind: 'end', evidence: company.evidence });
  const episodes = episodesOf(events);
  if (undated)
    endOpenEpisode(episodes, { kind: 'lifecycle_stage', stage: rule.formerStage ?? FORMER_CUSTOMER_STAGE });
  else if (company && !company.at) endOpenEpisode(episodes, company.evidence);
  return episodes;
}

function propertyEpisodes(
  contact: ContactRow,
  deals: DealHistory,
  rule: Extract<ChurnRule, { kind: 'property' }>,
) {
  const since = contact.customer_since ?? deals.won[0] ?? null;
  // Someone the CRM calls a prospect, with no purchase, never was a customer whatever the property says.
  if (since === null && contact.stage_kind === 'prospect') return [];
  const events: Event[] = [{ at: since ?? contact.created_at ?? new Date(0), kind: 'start' }];
  const evidence: ChurnEvidence = { kind: 'property', property: rule.property };
  const history = historyOf(contact, rule.property);
  const dated = rule.dateProperty ? propertyDate(contact.properties, rule.dateProperty) : null;
  if (history) {
    let wasTrue = false;
    for (const change of history) {
      const isTrue = isTrueValue(change.value);
      if (isTrue && !wasTrue) events.push({ at: change.at, kind: 'end', evidence });
      else if (!isTrue && wasTrue) events.push({ at: change.at, kind: 'start' });
      wasTrue = isTrue;
    }
    // The named date property, when set, is when the customer really left (the flag may be set later).
    const last = events[events.length - 1];
    if (dated && last?.kind === 'end' && isTrueValue(contact.properties[rule.property])) last.at = dated;
    return episodesOf(events);
  }
  const episodes = episodesOf(events);
  if (isTrueValue(contact.properties[rule.property])) {
    if (dated) return episodesOf([...events, { at: dated, kind: 'end', evidence }]);
    endOpenEpisode(episodes, evidence);
  }
  return episodes;
}

function noPurchaseEpisodes(deals: DealHistory, days: number): CustomerEpisode[] {
  const episodes: CustomerEpisode[] = [];
  const gap = days * DAY_MS;
  let open: CustomerEpisode | null = null;
  let last = 0;
  for (const won of deals.won) {
    const at = won.getTime();
    if (open && at - last > gap) {
      open.end = { at: new Date(last + gap), evidence: { kind: 'no_purchase', days } };
      open = null;
    }
    if (!open) {
      open = { since: won };
      episodes.push(open);
    }
    last = at;
  }
  // The deadline after the last purchase: in the future it has not passed yet, and `statusAt` says so.
  if (open) open.end = { at: new Date(last + gap), evidence: { kind: 'no_purchase', days } };
  return episodes;
}

/** The contact's customer episodes under the rule, oldest first. */
export function customerEpisodes(
  contact: ContactRow,
  deals: DealHistory,
  rule: ChurnRule,
): CustomerEpisode[] {
  if (rule.kind === 'lifecycle_stage') return lifecycleEpisodes(contact, deals, rule);
  if (rule.kind === 'property') return propertyEpisodes(contact, deals, rule);
  return noPurchaseEpisodes(deals, rule.days);
}

/** The episode under way at `at` (started strictly before it), or the last one before it. */
function episodeAt(episodes: readonly CustomerEpisode[], at: Date): CustomerEpisode | null {
  let found: CustomerEpisode | null = null;
  for (const episode of episodes) if (episode.since < at) found = episode;
  return found;
}

const hasEnded = (episode: CustomerEpisode, at: Date) =>
  episode.end !== undefined && (episode.end.at === null || episode.end.at <= at);

/** The contact's status at `at`, from its episodes. */
export function statusAt(episodes: readonly CustomerEpisode[], at: Date): CustomerStatus {
  const episode = episodeAt(episodes, at);
  if (!episode) return { status: 'prospect' };
  if (hasEnded(episode, at)) {
    return {
      status: 'churned',
      since: episode.since,
      leftAt: episode.end!.at,
      evidence: episode.end!.evidence,
    };
  }
  return { status: 'active', since: episode.since };
}

/** The contact's status at `at` under the rule. */
export function customerStatusAt(
  contact: ContactRow,
  deals: DealHistory,
  rule: ChurnRule,
  at: Date,
): CustomerStatus {
  return statusAt(customerEpisodes(contact, deals, rule), at);
}

/**
 * The training label of a customer active at `cutoff`: 1 when the episode under way ends within
 * `horizonDays` after it, else 0; null for anyone not active then, or whose end has no date.
 */
export function churnLabel(
  episodes: readonly CustomerEpisode[],
  cutoff: Date,
  horizonDays: number,
): 0 | 1 | null {
  const episode = episodeAt(episodes, cutoff);
  if (!episode || hasEnded(episode, cutoff)) return null;
  if (!episode.end) return 0;
  if (episode.end.at === null) return null;
  return episode.end.at.getTime() <= cutoff.getTime() + horizonDays * DAY_MS ? 1 : 0;
}

/** What showed the churn, in words for the card and the lost list. */
export function describeEvidence(evidence: ChurnEvidence): string {
  switch (evidence.kind) {
    case 'lifecycle_stage':
      return `Lifecycle stage set to ${evidence.stage === 'other' ? 'Other (former customer)' : evidence.stage}`;
    case 'company_stage':
      return `Company's lifecycle stage set to ${evidence.stage === 'other' ? 'Other (former customer)' : evidence.stage}`;
    case 'renewal_lost':
      return evidence.dealName ? `Renewal lost: ${evidence.dealName}` : 'Renewal deal lost';
    case 'property':
      return `${evidence.property} set to true`;
    case 'no_purchase':
      return `No purchase in ${evidence.days} days`;
  }
}
