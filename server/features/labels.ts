/**
 * What "churned" means for a portal, and training sets built from it: for each cutoff, the
 * customers active then, their features as of the cutoff, and whether they churned within the
 * horizon after it. Features see only the past of the cutoff; only the label looks ahead.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { featuresOfContacts } from './build/build-features.js';
import { contactChunks, DEFAULT_CHUNK_SIZE, type ContactRow } from './build/contact-chunks.js';
import { customerSince, FORMER_CUSTOMER_STAGE, propertyDate } from './build/profile-features.js';
import { ensureTextSentiment } from './build/text-sentiment.js';
import { DAY_MS, idList } from './build/time-windows.js';
import type { FeatureValues } from './catalogue.js';

const propertyName = z.string().regex(/^[a-z0-9_]{1,100}$/, 'a HubSpot internal property name');

export const churnRuleSchema = z.discriminatedUnion('kind', [
  /** The contact enters the former-customer stage, or (by default) a renewal deal is lost. */
  z.object({
    kind: z.literal('lifecycle_stage'),
    formerStage: propertyName.default(FORMER_CUSTOMER_STAGE),
    renewalLost: z.boolean().default(true),
    renewalDealTypes: z.array(z.string().min(1)).min(1).default(['existingbusiness', 'renewal']),
  }),
  /** A boolean contact property turns true; when, by a date property or else the last change. */
  z.object({
    kind: z.literal('property'),
    property: propertyName,
    dateProperty: propertyName.optional(),
  }),
  /** For non-contract businesses: no purchase (deal won) for this many days. */
  z.object({ kind: z.literal('no_purchase'), days: z.number().int().min(1).max(3650) }),
]);
export type ChurnRule = z.infer<typeof churnRuleSchema>;

export const DEFAULT_CHURN_RULE: ChurnRule = churnRuleSchema.parse({ kind: 'lifecycle_stage' });

/** The rule stored in a portal's settings (`settings.churnRule`), or the default. */
export function churnRuleOf(settings: Record<string, unknown>): ChurnRule {
  return settings.churnRule === undefined ? DEFAULT_CHURN_RULE : churnRuleSchema.parse(settings.churnRule);
}

export class TrainingSetError extends Error {
  readonly code = 'training_set_invalid';
}

interface DealHistory {
  /** Close dates of deals won, ascending. */
  won: Date[];
  /** The first close date of a lost renewal deal. */
  renewalLostAt: Date | null;
}

/** A contact's customer history under a rule, as known to whoever reads the whole warehouse. */
interface Lifecycle {
  since: Date | null;
  churnedAt: Date | null;
}

const TRUE_VALUES = new Set(['true', '1', 'yes']);

function lifecycleOf(contact: ContactRow, deals: DealHistory | undefined, rule: ChurnRule): Lifecycle {
  const since = customerSince(contact) ?? deals?.won[0] ?? null;
  if (rule.kind === 'lifecycle_stage') {
    let left = propertyDate(contact.properties, `hs_lifecyclestage_${rule.formerStage}_date`);
    if (left === null && contact.lifecycle_stage === rule.formerStage) left = contact.updated_at;
    const lost = rule.renewalLost ? (deals?.renewalLostAt ?? null) : null;
    const churnedAt = left === null ? lost : lost === null ? left : left < lost ? left : lost;
    return { since, churnedAt };
  }
  if (rule.kind === 'property') {
    const value = (contact.properties[rule.property] ?? '').trim().toLowerCase();
    if (!TRUE_VALUES.has(value)) return { since: since ?? contact.created_at, churnedAt: null };
    const at = rule.dateProperty ? propertyDate(contact.properties, rule.dateProperty) : null;
    return { since: since ?? contact.created_at, churnedAt: at ?? contact.updated_at };
  }
  return { since, churnedAt: null };
}

/** Under "no purchase in N days": active if they bought within N days before T; churned if the next purchase misses the deadline. */
function noPurchaseLabel(won: Date[], cutoff: Date, horizonMs: number, days: number): 0 | 1 | null {
  const t = cutoff.getTime();
  let last: number | null = null;
  let next: number | null = null;
  for (const d of won) {
    const ms = d.getTime();
    if (ms < t) last = ms;
    else if (next === null) next = ms;
  }
  if (last === null || t - last >= days * DAY_MS) return null;
  const deadline = last + days * DAY_MS;
  return (next === null || next > deadline) && deadline <= t + horizonMs ? 1 : 0;
}

/** 1 or 0 for a customer active at the cutoff; null for anyone outside the population. */
export function labelAt(
  contact: ContactRow,
  deals: DealHistory | undefined,
  rule: ChurnRule,
  cutoff: Date,
  horizonDays: number,
): 0 | 1 | null {
  const horizonMs = horizonDays * DAY_MS;
  if (rule.kind === 'no_purchase') return noPurchaseLabel(deals?.won ?? [], cutoff, horizonMs, rule.days);
  const { since, churnedAt } = lifecycleOf(contact, deals, rule);
  if (since === null || since >= cutoff) return null;
  if (churnedAt !== null && churnedAt <= cutoff) return null;
  return churnedAt !== null && churnedAt.getTime() <= cutoff.getTime() + horizonMs ? 1 : 0;
}

async function dealHistories(
  db: Kysely<Database>,
  portalId: number,
  ids: readonly string[],
  renewalTypes: readonly string[],
): Promise<Map<string, DealHistory>> {
  const { rows } = await sql<{ contact_id: string; won: unknown; renewal_lost_at: unknown }>`
    select a.from_id as contact_id,
      array_agg(d.close_date order by d.close_date) filter (where d.is_closed_won = true) as won,
      min(d.close_date) filter (where d.is_closed_lost = true
        and d.deal_type in (${sql.join(renewalTypes.map((t) => sql`${t}`))})) as renewal_lost_at
    from associations a
    join deals d on d.portal_id = a.portal_id and d.id = a.to_id
    where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'deals'
      and a.from_id in ${idList(ids)} and d.close_date is not null
    group by a.from_id`.execute(db);
  const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
  return new Map(
    rows.map((r) => [
      r.contact_id,
      {
        won: Array.isArray(r.won) ? r.won.map(toDate) : [],
        renewalLostAt: r.renewal_lost_at === null ? null : toDate(r.renewal_lost_at),
      },
    ]),
  );
}

export interface TrainingRow {
  contactId: string;
  cutoff: Date;
  values: FeatureValues;
  /** 1: churned in (cutoff, cutoff + horizon]. */
  label: 0 | 1;
}

export interface TrainingSetOptions {
  cutoffs: readonly Date[];
  horizonDays: number;
  /** The portal's rule by default (its settings, else DEFAULT_CHURN_RULE). */
  rule?: ChurnRule;
  /**
   * Share of the portal's contacts to read (default all): a fixed pseudo-random subset, the same
   * for a given seed, so a big portal's training set costs what a smaller one's does.
   */
  contactShare?: number;
  seed?: number;
  /** How far the warehouse's history reaches (default: now); every label must be observable by then. */
  observedUntil?: Date;
  chunkSize?: number;
}

/**
 * Rows for training, a chunk of contacts and one cutoff at a time: every customer active at each
 * cutoff, with features as of that cutoff and the label of the horizon after it. A contact is read
 * once per chunk for all cutoffs.
 */
export async function* buildTrainingSet(
  db: Kysely<Database>,
  portalId: number,
  options: TrainingSetOptions,
): AsyncGenerator<TrainingRow[]> {
  const { cutoffs, horizonDays } = options;
  if (!Number.isFinite(horizonDays) || horizonDays <= 0)
    throw new TrainingSetError('The horizon must be a positive number of days.');
  if (cutoffs.length === 0) throw new TrainingSetError('A training set needs at least one cutoff.');
  const until = options.observedUntil ?? new Date();
  for (const cutoff of cutoffs) {
    if (cutoff.getTime() + horizonDays * DAY_MS > until.getTime())
      throw new TrainingSetError(
        `Cutoff ${cutoff.toISOString()} plus ${horizonDays} days reaches past ${until.toISOString()}: its labels are not known yet.`,
      );
  }
  const rule = options.rule ?? (await portalRule(db, portalId));
  const renewalTypes = rule.kind === 'lifecycle_stage' ? rule.renewalDealTypes : ['existingbusiness'];
  await ensureTextSentiment(db, portalId);
  const share = options.contactShare ?? 1;
  for await (const chunk of contactChunks(db, portalId, options.chunkSize ?? DEFAULT_CHUNK_SIZE)) {
    const contacts = share >= 1 ? chunk : chunk.filter((c) => sampleUnit(c.id, options.seed ?? 0) < share);
    if (contacts.length === 0) continue;
    const deals = await dealHistories(
      db,
      portalId,
      contacts.map((c) => c.id),
      renewalTypes,
    );
    for (const cutoff of cutoffs) {
      const labels = new Map<string, 0 | 1>();
      for (const contact of contacts) {
        const label = labelAt(contact, deals.get(contact.id), rule, cutoff, horizonDays);
        if (label !== null) labels.set(contact.id, label);
      }
      const active = contacts.filter((c) => labels.has(c.id));
      if (active.length === 0) continue;
      const features = await featuresOfContacts(db, portalId, cutoff, active);
      yield features.map((f) => ({
        contactId: f.contactId,
        cutoff,
        values: f.values,
        label: labels.get(f.contactId)!,
      }));
    }
  }
}

/** A contact id's place in [0, 1) for a seed: the same every time, spread evenly. */
function sampleUnit(id: string, seed: number): number {
  return createHash('sha256').update(`${seed}:${id}`).digest().readUInt32BE(0) / 2 ** 32;
}

async function portalRule(db: Kysely<Database>, portalId: number): Promise<ChurnRule> {
  const portal = await db
    .selectFrom('portals')
    .select('settings')
    .where('id', '=', portalId)
    .executeTakeFirst();
  return churnRuleOf(portal?.settings ?? {});
}

/**
 * For each contact and its own start (an enrolment in a campaign, say), whether it churned within
 * each horizon after that start under the portal's rule: 1 or 0, or null when it was not an
 * active customer at the start.
 */
export async function churnAfter(
  db: Kysely<Database>,
  portalId: number,
  starts: ReadonlyMap<string, Date>,
  horizonsDays: readonly number[],
): Promise<Map<string, (0 | 1 | null)[]>> {
  const ids = [...starts.keys()];
  const result = new Map<string, (0 | 1 | null)[]>();
  if (ids.length === 0) return result;
  const rule = await portalRule(db, portalId);
  const renewalTypes = rule.kind === 'lifecycle_stage' ? rule.renewalDealTypes : ['existingbusiness'];
  for (let i = 0; i < ids.length; i += DEFAULT_CHUNK_SIZE) {
    const chunk = ids.slice(i, i + DEFAULT_CHUNK_SIZE);
    const contacts = await db
      .selectFrom('contacts')
      .select(['id', 'created_at', 'updated_at', 'lifecycle_stage', 'properties'])
      .where('portal_id', '=', portalId)
      .where('archived', '=', false)
      .where('id', 'in', chunk)
      .execute();
    const deals = await dealHistories(db, portalId, chunk, renewalTypes);
    for (const contact of contacts) {
      const row: ContactRow = { ...contact, company_properties: null };
      const start = starts.get(contact.id)!;
      result.set(
        contact.id,
        horizonsDays.map((days) => labelAt(row, deals.get(contact.id), rule, start, days)),
      );
    }
  }
  return result;
}
