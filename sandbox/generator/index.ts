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
 * Each contact draws from its own random streams (seed, contact index), and records are written
 * contact by contact, so the same seed and `now` give identical records, ids, timestamps and
 * texts, and memory holds little beyond the records themselves.
 */
import { ASSOCIATION_TYPE_IDS, type PortalData, type UsageEvent } from '../store.js';
import { companyProfile, customerProfile, DAY_MS, type CompanyProfile } from './profile.js';
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
import { simulateCustomer, simulateProspect } from './simulate.js';
import {
  emptyCounts,
  writeCustomer,
  writeProspect,
  type CustomerTarget,
  type RecordCounts,
} from './writer.js';

export { FORMER_CUSTOMER_STAGE, TICKET_PIPELINE, TICKET_STAGES } from './properties.js';

export interface GenerateOptions {
  /** Contacts written; about 1.5 % of them end merged into another or deleted (merges.ts). */
  contacts: number;
  seed: number;
  /** The end of the simulated history; defaults to the start of today (UTC). */
  now?: Date;
  /** Length of the simulated history; 24 by default. */
  months?: number;
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
} as const;

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function generatePortal(portal: PortalData, options: GenerateOptions): GenerationSummary {
  const { contacts: total, seed, months = 24 } = options;
  if (!Number.isInteger(total) || total < 0) throw new RangeError('contacts must be a whole number ≥ 0');
  if (!Number.isInteger(seed)) throw new RangeError('seed must be a whole number');
  if (!Number.isInteger(months) || months < 1 || months > 120) throw new RangeError('months must be 1–120');
  const end = options.now ?? startOfUtcDay(new Date());
  const now = end.getTime();
  const windowStart = Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - months, end.getUTCDate());
  const counts = emptyCounts();
  const summary = { customers: 0, churnDecided: 0, churnVisible: 0 };
  const shape = new Random(seed, STREAM.portal);
  const texts = new TextPool();

  const addContact = (
    index: number,
    company: CompanyProfile | null,
    companyId: string | null,
    emails: Set<string>,
    owner: AccountOwner,
  ) => {
    const rng = new Random(seed, STREAM.contact, index);
    const profile = customerProfile(rng, index, company, windowStart, now, emails);
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
    const story = simulateCustomer(rng, profile, windowStart, now, (at, type, minutes, feature) => {
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
    });
    counts.usageEvents += serial;
    const plan = planChange(new Random(seed, STREAM.plans, index), profile, story, now);
    writeCustomer(target, wording, profile, company, story, plan);
    const visible = story.visibleAt !== null && story.visibleAt < now;
    const forward =
      story.atNow === null
        ? { decidedAt: null, visibleAt: null }
        : continueChurnProcess(new Random(seed, STREAM.forward, index), profile, story.atNow, now);
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
        addContact(done, null, null, new Set(), ownerOf('consumer', done));
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
      for (let i = 0; i < size; i++) {
        const person = addContact(done + i, company, companyId, emails, owner);
        since = Math.min(since, person.since);
        if (person.customer) customers++;
        if (person.visible) churned++;
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
