/**
 * Scores contacts from their feature vectors and stores the scores: one code path for the weekly
 * run's chunks and for rescoring a contact between runs.
 */
import { sql, type Kysely } from 'kysely';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';
import type { ContactFeatures } from '../features/build/build-features.js';
import {
  scoreRows,
  scoreRowsInThread,
  trainingMedians,
  type Reason,
  type TrainedModel,
} from '../model/index.js';
import { pickReasons, reasonCandidates } from './reason-text.js';
import type { Tier } from './tiers.js';

/** Contacts scored together from which the scoring thread takes over. */
const THREAD_FROM_ROWS = 250;

/** Reasons kept with each score: the strongest this many each way. */
export const REASONS_EACH_WAY = 3;

export interface ContactScore {
  contactId: string;
  probability: number;
  /**
   * Raising reasons first (largest push first), then lowering ones (largest push last): the shown
   * ones, and among them the identity-like ones the surfaces never show (`pickReasons`).
   */
  reasons: Reason[];
}

export async function scoreContacts(
  model: TrainedModel,
  features: readonly ContactFeatures[],
): Promise<ContactScore[]> {
  if (features.length === 0) return [];
  const rows = features.map((f) => f.values);
  // Missing values are never reasons: enough candidates each way that the strongest meaningful ones are in.
  const options = { explain: true, reasonsEachWay: reasonCandidates(rows, REASONS_EACH_WAY) };
  // A cycle's chunk on the scoring thread, so the other chunk's database work goes on meanwhile;
  // a handful of contacts rescored after a change, at once.
  const scores =
    rows.length >= THREAD_FROM_ROWS
      ? await scoreRowsInThread(model, rows, options)
      : await scoreRows(model, rows, options);
  // What a typical customer held, for reasons to set a level against; the starter model has no
  // customers of its own.
  const typical = model.isStarter ? undefined : trainingMedians(model.encoder);
  return scores.map((score, i) => {
    const { up, down, identity } = pickReasons(score.reasons ?? [], rows[i]!, REASONS_EACH_WAY, typical);
    return {
      contactId: features[i]!.contactId,
      probability: score.probability,
      reasons: [...up, ...down, ...identity]
        .sort((a, b) => b.contribution - a.contribution)
        .map((r) => ({ ...r, contribution: round(r.contribution) })),
    };
  });
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * Told which contacts' stored status or score just changed, once the change is committed: what
 * keeps views of those rows elsewhere (the risk card's cache) learns it from here.
 */
export type ContactsStored = (portalId: number, contactIds: readonly string[]) => Promise<void>;

export interface StoreScoresInput {
  portalId: number;
  modelId: number;
  /** The run; null for a rescoring between runs. */
  runId: number | null;
  trigger: string;
  scoredAt: Date;
  scores: readonly (ContactScore & { tier: Tier })[];
}

/** Stores scores; within a run a contact's first score stands and repeats are ignored. */
export async function storeScores(db: Kysely<Database>, input: StoreScoresInput): Promise<number> {
  if (input.scores.length === 0) return 0;
  const rows = input.scores.map((s) => ({
    portal_id: input.portalId,
    contact_id: s.contactId,
    model_id: input.modelId,
    probability: s.probability,
    tier: s.tier,
    reasons: json(s.reasons),
    scored_at: input.scoredAt,
    run_id: input.runId,
    trigger: input.trigger,
  }));
  const inserted = await db
    .insertInto('scores')
    .values(rows)
    .onConflict((oc) => oc.columns(['run_id', 'contact_id']).where('run_id', 'is not', null).doNothing())
    .returning('id')
    .execute();
  return inserted.length;
}

export interface CurrentScore {
  contactId: string;
  probability: number;
  tier: Tier;
  reasons: Reason[];
  scoredAt: Date;
  modelId: number;
  modelVersion: number;
  modelFamily: string;
  isStarter: boolean;
}

/** The latest score of each of these contacts, with the model that made it. */
export async function currentScores(
  db: Kysely<Database>,
  portalId: number,
  contactIds: readonly string[],
): Promise<CurrentScore[]> {
  if (contactIds.length === 0) return [];
  const rows = await db
    .selectFrom('scores as s')
    .innerJoin('models as m', 'm.id', 's.model_id')
    .select([
      's.contact_id',
      's.probability',
      's.tier',
      's.reasons',
      's.scored_at',
      's.model_id',
      'm.version',
      'm.family',
      'm.is_starter',
    ])
    .distinctOn('s.contact_id')
    .where('s.portal_id', '=', portalId)
    .where('s.contact_id', 'in', [...contactIds])
    .orderBy('s.contact_id')
    .orderBy(sql`s.scored_at desc, s.id desc`)
    .execute();
  return rows.map((r) => ({
    contactId: r.contact_id,
    probability: r.probability,
    tier: r.tier as Tier,
    reasons: r.reasons as Reason[],
    scoredAt: r.scored_at,
    modelId: r.model_id,
    modelVersion: r.version,
    modelFamily: r.family,
    isStarter: r.is_starter,
  }));
}
