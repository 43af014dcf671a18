/**
 * What "churned" means for a portal, and training sets built from it: for each cutoff, the
 * customers active then, their features as of the cutoff, and whether they churned within the
 * horizon after it. Features see only the past of the cutoff; only the label looks ahead.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ruleProperties, type ChurnRule } from '../settings/churn-rule.js';
import { featuresAtCutoffs } from './build/build-features.js';
import { contactChunks, DEFAULT_CHUNK_SIZE, loadContacts, type ContactRow } from './build/contact-chunks.js';
import { ensureTextSentiment } from './build/text-sentiment.js';
import { DAY_MS } from './build/time-windows.js';
import type { FeatureValues } from './catalogue.js';
import { dealHistories, loadCustomerEpisodes, portalChurnRule } from './customer-histories.js';
import {
  churnLabel,
  customerEpisodes,
  NO_DEALS,
  type CustomerEpisode,
  type DealHistory,
} from './customer-status.js';

export { churnRuleOf, churnRuleSchema, DEFAULT_CHURN_RULE, type ChurnRule } from '../settings/churn-rule.js';

export class TrainingSetError extends Error {
  readonly code = 'training_set_invalid';
}

/** 1 or 0 for a customer active at the cutoff; null for anyone outside the population. */
export function labelAt(
  contact: ContactRow,
  deals: DealHistory | undefined,
  rule: ChurnRule,
  cutoff: Date,
  horizonDays: number,
): 0 | 1 | null {
  return churnLabel(customerEpisodes(contact, deals ?? NO_DEALS, rule), cutoff, horizonDays);
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
  /**
   * At most this many rows: a uniform sample of the customers at cutoffs, the same for a given seed,
   * drawn before any feature is built, so features are built for the sampled rows only. The contacts
   * read are held between drawing and building: bound them with `contactShare`.
   */
  maxRows?: number;
}

/** A chunk of contacts, and who among them was a customer at each cutoff, with their labels. */
interface LabelledChunk {
  episodes: Map<string, CustomerEpisode[]>;
  atCutoffs: { asOf: Date; contacts: ContactRow[]; labels: Map<string, 0 | 1> }[];
}

/**
 * Rows for training, a chunk of contacts and one cutoff at a time: every customer active at each
 * cutoff (or a sample of them, `maxRows`), with features as of that cutoff and the label of the
 * horizon after it. A chunk's contacts and events are read once for all cutoffs.
 */
export async function* buildTrainingSet(
  db: Kysely<Database>,
  portalId: number,
  options: TrainingSetOptions,
): AsyncGenerator<TrainingRow[]> {
  if (options.maxRows !== undefined && !(Number.isInteger(options.maxRows) && options.maxRows > 0))
    throw new TrainingSetError('The most rows a training set may hold must be a positive whole number.');
  const chunks =
    options.maxRows === undefined
      ? labelledChunks(db, portalId, options)
      : sampledChunks(labelledChunks(db, portalId, options), options.maxRows, options.seed ?? 0);
  for await (const { episodes, atCutoffs } of chunks) {
    // Every cutoff's features in one read of the chunk's events.
    const features = await featuresAtCutoffs(db, portalId, atCutoffs, episodes);
    for (const [k, { asOf: cutoff, contacts: active, labels }] of atCutoffs.entries()) {
      if (active.length === 0) continue;
      yield features[k]!.map((f) => ({
        contactId: f.contactId,
        cutoff,
        values: f.values,
        label: labels.get(f.contactId)!,
      }));
    }
  }
}

/** The customers of each chunk at each cutoff, labelled; nothing read of their events yet. */
async function* labelledChunks(
  db: Kysely<Database>,
  portalId: number,
  options: TrainingSetOptions,
): AsyncGenerator<LabelledChunk> {
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
  const rule = options.rule ?? (await portalChurnRule(db, portalId));
  await ensureTextSentiment(db, portalId);
  const share = options.contactShare ?? 1;
  for await (const chunk of contactChunks(db, portalId, options.chunkSize ?? DEFAULT_CHUNK_SIZE, {
    ruleProperties: ruleProperties(rule),
  })) {
    const contacts = share >= 1 ? chunk : chunk.filter((c) => sampleUnit(c.id, options.seed ?? 0) < share);
    if (contacts.length === 0) continue;
    const episodes = await loadCustomerEpisodes(db, portalId, contacts, rule);
    const atCutoffs = cutoffs.map((cutoff) => {
      const labels = new Map<string, 0 | 1>();
      for (const contact of contacts) {
        const label = churnLabel(episodes.get(contact.id) ?? [], cutoff, horizonDays);
        if (label !== null) labels.set(contact.id, label);
      }
      return { asOf: cutoff, contacts: contacts.filter((c) => labels.has(c.id)), labels };
    });
    yield { episodes, atCutoffs };
  }
}

/**
 * The chunks again with at most `maxRows` customers at cutoffs among them: those whose place
 * (`pairPlace` of the contact and the cutoff) is among the `maxRows` lowest, so every customer at a
 * cutoff is as likely to be kept. Reads every chunk before yielding the first.
 */
async function* sampledChunks(
  chunks: AsyncIterable<LabelledChunk>,
  maxRows: number,
  seed: number,
): AsyncGenerator<LabelledChunk> {
  const read: LabelledChunk[] = [];
  const places: number[] = [];
  for await (const chunk of chunks) {
    read.push(chunk);
    for (const { asOf, contacts } of chunk.atCutoffs)
      for (const contact of contacts) places.push(pairPlace(contact.id, asOf, seed));
  }
  const bound = places.length <= maxRows ? Infinity : new Float64Array(places).sort()[maxRows - 1]!;
  let next = 0;
  let room = maxRows;
  for (const { episodes, atCutoffs } of read) {
    yield {
      episodes,
      atCutoffs: atCutoffs.map(({ asOf, contacts, labels }) => ({
        asOf,
        contacts: contacts.filter(() => places[next++]! <= bound && room-- > 0),
        labels,
      })),
    };
  }
}

/** A contact id's place in [0, 1) for a seed: the same every time, spread evenly. */
function sampleUnit(id: string, seed: number): number {
  return createHash('sha256').update(`${seed}:${id}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** A contact's place at a cutoff in [0, 1), 48 bits of it: ties among a sample's rows are unlikely. */
function pairPlace(id: string, cutoff: Date, seed: number): number {
  return (
    createHash('sha256').update(`${seed}:${id}:${cutoff.toISOString()}`).digest().readUIntBE(0, 6) / 2 ** 48
  );
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
  const rule = await portalChurnRule(db, portalId);
  for (let i = 0; i < ids.length; i += DEFAULT_CHUNK_SIZE) {
    const chunk = ids.slice(i, i + DEFAULT_CHUNK_SIZE);
    const contacts = await loadContacts(
      db,
      portalId,
      { ids: chunk },
      { ruleProperties: ruleProperties(rule) },
    );
    const deals = await dealHistories(db, portalId, contacts);
    for (const contact of contacts) {
      const row: ContactRow = contact;
      const start = starts.get(contact.id)!;
      result.set(
        contact.id,
        horizonsDays.map((days) => labelAt(row, deals.get(contact.id), rule, start, days)),
      );
    }
  }
  return result;
}
