/**
 * Both reports for a portal, from its warehouse. Quality profiles every live contact's features as
 * of now, plus duplicated emails and impossible values in the synced tables. Exploration builds a
 * training set over monthly cutoffs (the portal's churn rule; label: churned within the next 30
 * days) from a fixed uniform sample of at most EXPLORE_MAX_CONTACTS contacts, and keeps a uniform
 * sample of its rows, so time and memory are bounded however large the portal.
 * Both stream the warehouse a chunk of contacts at a time.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { liveContactCount } from '../features/build/contact-chunks.js';
import {
  buildFeatures,
  buildTrainingSet,
  churnRuleOf,
  FEATURE_CATALOGUE,
  featureSpecs,
  type TrainingRow,
} from '../features/index.js';
import { datasetFromRecords, type RecordValue } from '../model/index.js';
import { SeededRandom } from '../model/random.js';
import { accountOfContacts } from '../scoring/portal-model.js';
import { EarlyWarningCollector } from './early-warning.js';
import { exploreDataset } from './explore.js';
import { QualityProfiler } from './quality.js';
import type { SegmentSpec } from './segments.js';
import type { DuplicateGroup, ExploreReport, QualityReport, WarehouseCheck } from './types.js';
import { checkWarehouse } from './warehouse-checks.js';

const DAY_MS = 86_400_000;

/** A portal whose history holds no churn (or nothing else) yet: nothing to compare. */
export class NotEnoughHistoryError extends AppError {
  constructor(message: string) {
    super(422, 'not_enough_history', message);
  }
}
/** Duplicate groups listed in full; the count covers them all. */
const DUPLICATE_GROUPS_SHOWN = 100;

export interface PortalReportOptions {
  /** The report's "now": the end of the warehouse's history (default: now). */
  asOf?: Date;
  chunkSize?: number;
  /** Rows read so far, and the total when it is known. */
  onProgress?: (done: number, total: number | null) => void;
}

async function liveContacts(db: Kysely<Database>, portalId: number): Promise<number> {
  const row = await db
    .selectFrom('contacts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('portal_id', '=', portalId)
    .where('archived', '=', false)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Live contacts sharing an email address, compared case-insensitively and trimmed. */
export async function duplicateEmails(
  db: Kysely<Database>,
  portalId: number,
): Promise<{ groups: DuplicateGroup[]; total: number }> {
  const { rows } = await sql<{ email: string; ids: string[]; total: number }>`
    select lower(trim(email)) as email, array_agg(id order by id) as ids, count(*) over () as total
    from contacts
    where portal_id = ${portalId} and archived = false and email is not null and trim(email) <> ''
    group by lower(trim(email))
    having count(*) > 1
    order by count(*) desc, lower(trim(email))
    limit ${DUPLICATE_GROUPS_SHOWN}`.execute(db);
  return {
    groups: rows.map((r) => ({ key: r.email, rows: r.ids })),
    total: rows.length === 0 ? 0 : Number(rows[0]!.total),
  };
}

export async function portalQualityReport(
  db: Kysely<Database>,
  portalId: number,
  options: PortalReportOptions = {},
): Promise<QualityReport> {
  const asOf = options.asOf ?? new Date();
  const names = FEATURE_CATALOGUE.map((f) => f.name);
  // A category the CRM left blank reads "unknown" in the features; here it is what it is: missing.
  const blankAsUnknown = FEATURE_CATALOGUE.map((f) => f.missing === 'unknown');
  const profiler = new QualityProfiler(names, {
    asOf,
    emailColumn: null,
    sparseByDesign: FEATURE_CATALOGUE.filter((f) => f.missing === 'null').map((f) => f.name),
  });
  const total = await liveContacts(db, portalId);
  let done = 0;
  for await (const chunk of buildFeatures(db, portalId, asOf, { chunkSize: options.chunkSize ?? 1000 })) {
    for (const contact of chunk) {
      profiler.add(
        contact.contactId,
        names.map((n, i) => {
          const v = contact.values[n];
          return blankAsUnknown[i] && v === 'unknown' ? null : v;
        }),
      );
    }
    done += chunk.length;
    options.onProgress?.(done, total);
  }
  const duplicates = await duplicateEmails(db, portalId);
  const warehouse: WarehouseCheck[] = await checkWarehouse(db, portalId, asOf);
  const report = profiler.finish(
    { kind: 'portal', name: String(portalId) },
    { duplicates: duplicates.groups, warehouse },
  );
  if (report.duplicates && duplicates.total > duplicates.groups.length) {
    report.issues = report.issues.map((issue) =>
      issue.kind === 'duplicate_email' ? { ...issue, count: duplicates.total } : issue,
    );
  }
  return { ...report, labels: featureLabels() };
}

export interface PortalExploreOptions extends PortalReportOptions {
  /** Cutoffs looked at, one horizon apart, ending a horizon before `asOf` (default 12; at least 4). */
  months?: number;
  /** The label: churned within this many days after a cutoff (default 30). */
  horizonDays?: number;
  /** At most this many training rows are kept, a uniform sample (default 50,000). */
  maxRows?: number;
  /**
   * Live contacts whose history is read at most: a bigger portal's report (its rows and its early
   * warning) rests on a fixed uniform sample of them, so its cost stays flat however large the
   * portal grows (default EXPLORE_MAX_CONTACTS).
   */
  maxContacts?: number;
  seed?: number;
}

/** Live contacts an exploration reads at most; 12 cutoffs of them give 240,000 rows to sample from. */
export const EXPLORE_MAX_CONTACTS = 20_000;

/** The segments the consulting method starts with, by the feature that carries each. */
export const PORTAL_SEGMENTS: readonly SegmentSpec[] = [
  { column: 'lifecycle_stage', title: 'lifecycle stage' },
  { column: 'plan' },
  { column: 'billing_period', title: 'billing period' },
  { column: 'customer_segment', title: 'customer segment' },
  { column: 'country' },
  { column: 'tenure_days', title: 'tenure band (days)', edges: [90, 180, 365, 730] },
  { column: 'tickets_90d', title: 'ticket band (tickets in 90 days)', edges: [1, 2, 4] },
];

/** Cutoffs one horizon apart (monthly by default), oldest first, the last one a horizon before `asOf`. */
export function monthlyCutoffs(asOf: Date, months: number, horizonDays: number): Date[] {
  const last = asOf.getTime() - horizonDays * DAY_MS;
  return Array.from({ length: months }, (_, k) => new Date(last - (months - 1 - k) * horizonDays * DAY_MS));
}

export async function portalExploreReport(
  db: Kysely<Database>,
  portalId: number,
  options: PortalExploreOptions = {},
): Promise<ExploreReport> {
  const asOf = options.asOf ?? new Date();
  const horizonDays = options.horizonDays ?? 30;
  const cutoffs = monthlyCutoffs(asOf, Math.max(4, options.months ?? 12), horizonDays);
  const capacity = options.maxRows ?? 50_000;
  const random = new SeededRandom(options.seed ?? 11);
  const portal = await db
    .selectFrom('portals')
    .select('settings')
    .where('id', '=', portalId)
    .executeTakeFirst();
  const rule = churnRuleOf(portal?.settings ?? {});
  const live = await liveContactCount(db, portalId);
  const contactShare = Math.min(1, (options.maxContacts ?? EXPLORE_MAX_CONTACTS) / Math.max(1, live));
  const sample: TrainingRow[] = [];
  const warnings = new EarlyWarningCollector(cutoffs);
  let seen = 0;
  for await (const batch of buildTrainingSet(db, portalId, {
    cutoffs,
    horizonDays,
    rule,
    observedUntil: asOf,
    chunkSize: options.chunkSize ?? 1000,
    contactShare,
    seed: options.seed ?? 11,
  })) {
    warnings.add(batch);
    for (const row of batch) {
      if (sample.length < capacity) sample.push(row);
      else {
        const slot = Math.floor(random.next() * (seen + 1));
        if (slot < capacity) sample[slot] = row;
      }
      seen++;
    }
    options.onProgress?.(seen, null);
  }
  const churned = sample.filter((r) => r.label === 1).length;
  if (churned === 0 || churned === sample.length)
    throw new NotEnoughHistoryError(
      `Portal ${portalId} has ${sample.length} customer rows over the last ${cutoffs.length} cutoffs and ` +
        `${churned === 0 ? 'none' : 'all'} of them churned: exploration needs both churned and retained customers.`,
    );
  const records = sample.map((r): Record<string, RecordValue> => ({ ...r.values, churned: r.label }));
  const dataset = datasetFromRecords(records, { features: featureSpecs(), label: 'churned' });
  dataset.target = { column: 'churned', positive: '1' };
  // A contact's rows over the cutoffs, and an account's contacts, share their outcome: the ranking
  // keeps each account (else each contact) in one fold when it judges categories.
  const accounts = await accountOfContacts(db, portalId, [...new Set(sample.map((r) => r.contactId))]);
  const groups = sample.map((r) => accounts.get(r.contactId) ?? `contact:${r.contactId}`);
  const early = warnings.finish();
  const from = cutoffs[0]!.toISOString().slice(0, 10);
  const to = cutoffs[cutoffs.length - 1]!.toISOString().slice(0, 10);
  const report = exploreDataset(dataset, {
    source: { kind: 'portal', name: String(portalId) },
    population:
      (contactShare < 1
        ? `A uniform sample of about ${Math.round(contactShare * live)} of the portal's ${live} contacts: `
        : '') +
      `customers active at ${cutoffs.length} cutoffs ${horizonDays} days apart (${from} to ${to}), one row per ` +
      `customer and cutoff; churned: left (${rule.kind.replace('_', ' ')} rule) within ${horizonDays} days after it. ` +
      `Early warning: ${early.churnedPaths} churners, ${early.retainedPaths} retained customers`,
    segments: PORTAL_SEGMENTS,
    sampledFrom: seen > sample.length ? seen : null,
    earlyWarning: early.patterns,
    groups,
  });
  return { ...report, rowUnit: 'customer-month', labels: featureLabels() };
}

/** Each catalogue feature's readable name, for pages that show variables. */
function featureLabels(): Record<string, string> {
  return Object.fromEntries(FEATURE_CATALOGUE.map((f) => [f.name, f.label]));
}
