/**
 * Fills a portal with seeded synthetic customers over a window ending at `now`: companies and
 * their contacts, emails, tickets, deals, NPS answers and product-usage events, with churn caused
 * by the hidden process in churn-process.ts and recorded in `portal.truth` only, where the process
 * also runs on for 90 days past `now` (forward-truth.ts); the portal's owners (owners.ts) share the
 * companies and consumers among them, and one or two of them leave during the history, most of
 * their accounts reassigned later and some left with them (owner-departures.ts); some tickets and
 * renewals are filed in the portal's custom pipelines (pipelines.ts); some customers change plan,
 * most of them a downgrade on the way out (plan-changes.ts); a few contacts are merged into
 * another or deleted for privacy during the history (merges.ts); a few who work at a company are
 * linked to a second one (second-companies.ts).
 *
 * Who decides to leave: by default (`churnUnit: 'contact'`) each customer alone, by its own weekly
 * hazard, the contacts of a company sharing only a shock to it. With `churnUnit: 'account'` the
 * company decides once for all its customers, at the pace of their hazards averaged, and every one
 * of them then behaves as a leaver and shows the churn within a few days of the others; consumers
 * still decide alone (account-churn.ts). The forward truth follows the same unit.
 *
 * Each contact draws from its own random streams (seed, contact index), and records are written
 * contact by contact, so the same seed and `now` give identical records, ids, timestamps and
 * texts, and memory holds little beyond the records themselves. An account's decision comes from a
 * stream of its own, so the contact mode draws nothing the account mode added.
 */
import { ASSOCIATION_TYPE_IDS, type PortalData, type UsageEvent } from '../store.js';
import { simulateAccount, type AccountCustomerOutcome } from './account-churn.js';
import {
  companyProfile,
  customerProfile,
  DAY_MS,
  type CompanyProfile,
  type CustomerProfile,
} from './profile.js';
import { generateOwners } from './owners.js';
import { planOwnerDepartures, writeOwnerHistory, type AccountOwner } from './owner-departures.js';
import { applyMergesAndDeletions, type PortalUpkeep } from './merges.js';
import { addCustomPipelines } from './pipelines.js';
import { FORMER_CUSTOMER_STAGE, registerGeneratedProperties } from './properties.js';
import { continueChurnProcess } from './forward-truth.js';
import { planChange } from './plan-changes.js';
import { Random } from './random.js';
import { linkSecondCompanies } from './second-companies.js';
import { TextPool } from './text-pool.js';
import { simulateCustomer, simulateProspect, type UsageSink } from './simulate.js';
import {
  emptyCounts,
  writeCustomer,
  writeProspect,
  type CustomerTarget,
  type RecordCounts,
} from './writer.js';

export { FORMER_CUSTOMER_STAGE, TICKET_PIPELINE, TICKET_STAGES } from './properties.js';

/**
 * Who decides to leave: each customer alone ('contact'), or the company for all its customers at
 * once ('account'; consumers, who have no company, still decide alone). See account-churn.ts.
 */
export type ChurnUnit = 'contact' | 'account';

export const CHURN_UNITS: readonly ChurnUnit[] = ['contact', 'account'];

export interface GenerateOptions {
  /** Contacts written; about 1.5 % of them end merged into another or deleted (merges.ts). */
  contacts: number;
  seed: number;
  /** The end of the simulated history; defaults to the start of today (UTC). */
  now?: Date;
  /** Length of the simulated history; 24 by default. */
  months?: number;
  /** Who decides to leave; 'contact' (each customer alone) by default. */
  churnUnit?: ChurnUnit;
  onProgress?: (done: number, total: number) => void;
}

export interface GenerationSummary extends RecordCounts {
  seed: number;
  from: Date;
  to: Date;
  /** Contacts who bought (the rest are prospects). */
  customers: number;
  /** Customers who decided to leave (hidden), and those whose churn the CRM shows by `now`. */
  churnDecided: number;
  churnVisible: number;
  /** Contacts merged into another during the history, and contacts deleted for privacy. */
  merges: PortalUpkeep['merges'];
  deleted: PortalUpkeep['deleted'];
}

/** Share of contacts who work at a company (the rest are consumers). */
const BUSINESS_SHARE = 0.7;
const PROGRESS_EVERY = 1000;

/** Streams drawn from a seed: one for the portal's shape, then per company, contact and wording. */
const STREAM = {
  portal: 0,
  company: 1,
  contact: 2,
  wording: 3,
  owners: 4,
  pipelines: 5,
  upkeep: 6,
  forward: 7,
  plans: 8,
  departures: 9,
  secondCompanies: 10,
  account: 11,
} as const;

/** A contact's stream and profile, before anything is written. */
interface Person {
  index: number;
  rng: Random;
  profile: CustomerProfile;
}

/** A contact to write, and its account's outcome when the account decides for it. */
interface Written {
  person: Person;
  outcome?: AccountCustomerOutcome;
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function generatePortal(portal: PortalData, options: GenerateOptions): GenerationSummary {
  const { contacts: total, seed, months = 24, churnUnit = 'contact' } = options;
  if (!Number.isInteger(total) || total < 0) throw new RangeError('contacts must be a whole number ≥ 0');
  if (!Number.isInteger(seed)) throw new RangeError('seed must be a whole number');
  if (!Number.isInteger(months) || months < 1 || months > 120) throw new RangeError('months must be 1–120');
  if (!CHURN_UNITS.includes(churnUnit)) throw new RangeError(`churnUnit must be 'contact' or 'account'`);
  const end = options.now ?? startOfUtcDay(new Date());
  const now = end.getTime();
  const windowStart = Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - months, end.getUTCDate());
  const counts = emptyCounts();
  const summary = { customers: 0, churnDecided: 0, churnVisible: 0 };
  const shape = new Random(seed, STREAM.portal);
  const texts = new TextPool();

  const person = (index: number, company: CompanyProfile | null, emails: Set<string>): Person => {
    const rng = new Random(seed, STREAM.contact, index);
    return { index, rng, profile: customerProfile(rng, index, company, windowStart, now, emails) };
  };
  /** The contact's stream again, just past its profile (the address set only changes the text). */
  const replay = (index: number, company: CompanyProfile | null): Random => {
    const rng = new Random(seed, STREAM.contact, index);
    customerProfile(rng, index, company, windowStart, now, new Set());
    return rng;
  };

  /** Writes a contact; a customer of an account that decides for it brings its outcome. */
  const addContact = (
    { index, rng, profile }: Person,
    company: CompanyProfile | null,
    companyId: string | null,
    owner: AccountOwner,
    account?: AccountCustomerOutcome,
  ) => {
    const contactId = portal.allocateId();
    const target: CustomerTarget = { portal, contactId, companyId, owner, now, windowStart, counts, texts };
    const wording = new Random(seed, STREAM.wording, index);
    if (companyId)
      portal.associate(
        'contacts',
        contactId,
        'companies',
        companyId,
        ASSOCIATION_TYPE_IDS['contacts:companies']!,
      );
    if (!profile.isCustomer) {
      writeProspect(target, wording, profile, company, simulateProspect(rng, profile, now));
      return { since: profile.since, customer: false, visible: false };
    }
    let serial = 0;
    const onUsage: UsageSink = (at, type, minutes, feature) => {
      const event: UsageEvent = {
        eventId: `${contactId}-${serial++}`,
        contactId,
        email: profile.email,
        type,
        minutes,
        occurredAt: at,
      };
      if (feature) event.feature = feature;
      portal.usage.add(event);
    };
    const story = account?.story ?? simulateCustomer(rng, profile, windowStart, now, onUsage);
    if (account) for (const call of account.usage) onUsage(...call);
    counts.usageEvents += serial;
    const plan = planChange(new Random(seed, STREAM.plans, index), profile, story, now);
    writeCustomer(target, wording, profile, company, story, plan);
    const visible = story.visibleAt !== null && story.visibleAt < now;
    const forward =
      account?.forward ??
      (story.atNow === null
        ? { decidedAt: null, visibleAt: null }
        : continueChurnProcess(new Random(seed, STREAM.forward, index), profile, story.atNow, now));
    portal.truth.set(contactId, {
      contactId,
      churned: story.decidedAt !== null,
      churnDecidedAt: story.decidedAt === null ? null : new Date(story.decidedAt),
      churnVisibleAt: visible ? new Date(story.visibleAt!) : null,
      risk: story.risk,
      drivers: story.drivers,
      forwardDecisionAt: forward.decidedAt === null ? null : new Date(forward.decidedAt),
      forwardVisibleAt: forward.visibleAt === null ? null : new Date(forward.visibleAt),
      churnsWithin90Days: (story.decidedAt !== null && !visible) || forward.decidedAt !== null,
    });
    summary.customers++;
    if (story.decidedAt !== null) summary.churnDecided++;
    if (visible) summary.churnVisible++;
    return { since: profile.since, customer: true, visible };
  };

  /**
   * Account mode: the company's customers' weeks lived together and its one decision imposed on
   * them (account-churn.ts). A would-be customer who would buy after the decision stays a
   * prospect, on a fresh copy of its stream.
   */
  const decideForAccount = (people: Person[], company: CompanyProfile): Written[] => {
    const customers = people.filter((p) => p.profile.isCustomer);
    const outcomes = simulateAccount(
      new Random(seed, STREAM.account, company.index),
      customers.map((p) => ({
        profile: p.profile,
        rng: p.rng,
        replay: () => replay(p.index, company),
        forward: () => new Random(seed, STREAM.forward, p.index),
      })),
      windowStart,
      now,
    );
    const byIndex = new Map(customers.map((p, i) => [p.index, outcomes[i]!]));
    return people.map((p) => {
      const outcome = byIndex.get(p.index);
      if (outcome === undefined) return { person: p };
      if (outcome.buys) return { person: p, outcome };
      const prospect = { ...p.profile, isCustomer: false };
      return { person: { index: p.index, rng: replay(p.index, company), profile: prospect } };
    });
  };

  let upkeep: PortalUpkeep;
  const emitting = portal.emitChanges;
  portal.emitChanges = false;
  try {
    registerGeneratedProperties(portal, end);
    addCustomPipelines(portal, new Random(seed, STREAM.pipelines), new Date(windowStart));
    const owners = generateOwners(
      portal,
      new Random(seed, STREAM.owners),
      [seed, STREAM.owners],
      new Date(windowStart),
      end,
    );
    const departures = planOwnerDepartures(
      portal,
      owners.ids,
      new Random(seed, STREAM.departures),
      [seed, STREAM.departures],
      windowStart,
      now,
    );
    const ownerOf = (kind: 'company' | 'consumer', index: number) =>
      departures.accountOwner(owners.ownerOf(kind, index), kind, index);
    let done = 0;
    let companies = 0;
    const progress = (added: number) => {
      const before = done;
      done += added;
      if (Math.floor(done / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY))
        options.onProgress?.(done, total);
    };
    while (done < total) {
      if (!shape.chance(BUSINESS_SHARE)) {
        addContact(person(done, null, new Set()), null, null, ownerOf('consumer', done));
        progress(1);
        continue;
      }
      const company = companyProfile(new Random(seed, STREAM.company, companies), companies);
      companies++;
      const size = Math.min(total - done, 1 + Math.min(5, Math.floor(shape.exponential(0.9))));
      const companyId = portal.allocateId();
      const owner = ownerOf('company', companies - 1);
      const emails = new Set<string>();
      let since = now;
      let customers = 0;
      let churned = 0;
      const people = Array.from({ length: size }, (_, i) => person(done + i, company, emails));
      const contacts: Written[] =
        churnUnit === 'account' ? decideForAccount(people, company) : people.map((p) => ({ person: p }));
      for (const { person: p, outcome } of contacts) {
        const written = addContact(p, company, companyId, owner, outcome);
        since = Math.min(since, written.since);
        if (written.customer) customers++;
        if (written.visible) churned++;
      }
      const stage = customers === 0 ? 'lead' : churned === customers ? FORMER_CUSTOMER_STAGE : 'customer';
      const createdAt = since - DAY_MS;
      const companyOwner = owner(createdAt);
      const record = portal.createRecord(
        'companies',
        {
          name: company.name,
          domain: company.domain,
          industry: company.industry,
          numberofemployees: String(company.employees),
          country: company.country,
          city: company.city,
          lifecyclestage: stage,
          hubspot_owner_id: companyOwner.ownerId,
          createdate: new Date(createdAt).toISOString(),
        },
        end,
        companyId,
      );
      writeOwnerHistory(portal, 'companies', record, companyOwner);
      counts.companies++;
      progress(size);
    }
    upkeep = tidyHistory(portal, new Random(seed, STREAM.upkeep), now, counts, summary);
    linkSecondCompanies(portal, new Random(seed, STREAM.secondCompanies), end);
    portal.usage.trim();
    if (total % PROGRESS_EVERY !== 0 || total === 0) options.onProgress?.(total, total);
  } finally {
    portal.emitChanges = emitting;
  }
  return { seed, from: new Date(windowStart), to: end, ...counts, ...summary, ...upkeep };
}

/**
 * Merges and deletes the contacts merges.ts picks, then counts what is left: the summary tells
 * what the portal holds, and the customers and churners whose truth remains.
 */
function tidyHistory(
  portal: PortalData,
  rng: Random,
  now: number,
  counts: RecordCounts,
  summary: { customers: number; churnDecided: number; churnVisible: number },
): PortalUpkeep {
  const sizes = () => ({
    contacts: portal.recordsOf('contacts').size,
    emails: portal.recordsOf('emails').size,
    tickets: portal.recordsOf('tickets').size,
    feedbackSubmissions: portal.recordsOf('feedback_submissions').size,
    usageEvents: portal.usage.size,
  });
  const before = sizes();
  const truthBefore = new Map(portal.truth);
  const upkeep = applyMergesAndDeletions(portal, rng, now);
  const after = sizes();
  for (const key of Object.keys(before) as (keyof typeof before)[]) counts[key] -= before[key] - after[key];
  for (const [id, truth] of truthBefore) {
    if (portal.truth.has(id)) continue;
    summary.customers--;
    if (truth.churned) summary.churnDecided--;
    if (truth.churnVisibleAt !== null) summary.churnVisible--;
  }
  return upkeep;
}
