/**
 * The steps of a scoring run, each a plain function that a job (or a test, or the CLI) calls, and
 * each safe to run again: plan the chunks, score a chunk, set the tiers, write a chunk back,
 * finish with drift and a summary. The queue decides only when and where each runs.
 */
import { sql, type Kysely } from 'kysely';
import type { CrmConnector } from '../crm/connector.js';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';
import { featuresOfContacts } from '../features/build/build-features.js';
import { loadContacts } from '../features/build/contact-chunks.js';
import { ensureTextSentiment } from '../features/build/text-sentiment.js';
import type { FeatureValues } from '../features/catalogue.js';
import { loadModel, type LoadedModel } from '../model/registry.js';
import type { PortalSettings } from '../settings/portal-settings.js';
import { addCounts, binCounts, populationStability } from './drift.js';
import { loadReference, type ModelReference } from './portal-model.js';
import { enterPhase, setPhase } from './runs.js';
import { statusesOf, storeStatuses } from './customer-statuses.js';
import { scoreContacts, storeScores, type ContactsStored } from './score-contacts.js';
import {
  contactValues,
  costAwareCut,
  rankTiersOfRun,
  tierOfScore,
  type Tier,
  type TierCut,
} from './tiers.js';
import { writeBackScores, type WriteBackResult } from './writeback.js';

export const DEFAULT_CHUNK_SIZE = 1000;

/** A run scores the portal as it stood at the start of the hour: two runs in one hour agree. */
export function runAsOf(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
}

export interface PlannedRun {
  chunks: number;
  contacts: number;
}

/**
 * Fixes the run's model, date and chunks (id ranges of `chunkSize` live contacts). Planning again
 * returns the plan already made.
 */
export async function planRun(
  db: Kysely<Database>,
  runId: number,
  portalId: number,
  options: { modelId: number; asOf: Date; chunkSize?: number },
): Promise<PlannedRun> {
  const run = await db
    .selectFrom('scoring_runs')
    .select(['chunks', 'contacts_total', 'as_of'])
    .where('id', '=', runId)
    .executeTakeFirstOrThrow();
  if (run.as_of !== null) return { chunks: run.chunks, contacts: run.contacts_total };
  const size = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  await ensureTextSentiment(db, portalId);
  const ranges = await db
    .selectFrom(
      db
        .selectFrom('contacts')
        .select(['id', sql<number>`(row_number() over (order by id) - 1) / ${size}`.as('chunk')])
        .where('portal_id', '=', portalId)
        .where('archived', '=', false)
        .as('c'),
    )
    .select([
      'chunk',
      sql<string>`min(id)`.as('first'),
      sql<string>`max(id)`.as('last'),
      sql<number>`count(*)::int`.as('contacts'),
    ])
    .groupBy('chunk')
    .orderBy('chunk')
    .execute();
  await db.transaction().execute(async (trx) => {
    if (ranges.length > 0) {
      await trx
        .insertInto('scoring_run_chunks')
        .values(
          ranges.map((r) => ({
            portal_id: portalId,
            run_id: runId,
            chunk: Number(r.chunk),
            first_contact_id: r.first,
            last_contact_id: r.last,
          })),
        )
        .onConflict((oc) => oc.columns(['run_id', 'chunk']).doNothing())
        .execute();
    }
    await trx
      .updateTable('scoring_runs')
      .set({
        model_id: options.modelId,
        as_of: options.asOf,
        chunks: ranges.length,
        contacts_total: ranges.reduce((s, r) => s + r.contacts, 0),
        ...enterPhase('score'),
      })
      .where('id', '=', runId)
      .execute();
  });
  return { chunks: ranges.length, contacts: ranges.reduce((s, r) => s + r.contacts, 0) };
}

interface RunContext {
  portalId: number;
  modelId: number;
  asOf: Date;
  thresholds: TierCut | null;
}

async function runContext(db: Kysely<Database>, runId: number): Promise<RunContext> {
  const run = await db
    .selectFrom('scoring_runs')
    .select(['portal_id', 'model_id', 'as_of', 'thresholds'])
    .where('id', '=', runId)
    .executeTakeFirstOrThrow();
  if (run.model_id === null || run.as_of === null) throw new Error(`run ${runId} is not planned yet`);
  return {
    portalId: run.portal_id,
    modelId: run.model_id,
    asOf: run.as_of,
    thresholds: (run.thresholds as TierCut | null) ?? null,
  };
}

async function chunkRange(db: Kysely<Database>, runId: number, chunk: number) {
  return db
    .selectFrom('scoring_run_chunks')
    .selectAll()
    .where('run_id', '=', runId)
    .where('chunk', '=', chunk)
    .executeTakeFirstOrThrow();
}

/** The contacts of a chunk's id range the run has scored. */
async function scoredInChunk(
  db: Kysely<Database>,
  runId: number,
  range: { first_contact_id: string; last_contact_id: string },
): Promise<string[]> {
  const rows = await db
    .selectFrom('scores')
    .select('contact_id')
    .where('run_id', '=', runId)
    .where('contact_id', '>=', range.first_contact_id)
    .where('contact_id', '<=', range.last_contact_id)
    .execute();
  return rows.map((r) => r.contact_id);
}

/**
 * The contacts of a chunk's id range who are not active customers: their status is written (only
 * where the CRM does not hold it yet; one a rescoring stored, or one the CRM refused, included).
 */
async function leftOutOfChunk(
  db: Kysely<Database>,
  range: { portal_id: number; first_contact_id: string; last_contact_id: string },
): Promise<string[]> {
  const rows = await db
    .selectFrom('customer_status')
    .select('contact_id')
    .where('portal_id', '=', range.portal_id)
    .where('status', '<>', 'active')
    .where('contact_id', '>=', range.first_contact_id)
    .where('contact_id', '<=', range.last_contact_id)
    .execute();
  return rows.map((r) => r.contact_id);
}

/**
 * Models are immutable once stored: a worker keeps the few it scores with. A model id names a
 * model within its own warehouse only, so what is kept is kept per database: a process holding
 * two (a test, a benchmark of several portals) never scores one's contacts with the other's model.
 */
function keptPerDatabase<T>(load: (db: Kysely<Database>, modelId: number) => Promise<T>) {
  const byDatabase = new WeakMap<Kysely<Database>, Map<number, Promise<T>>>();
  return (db: Kysely<Database>, modelId: number): Promise<T> => {
    let kept = byDatabase.get(db);
    if (!kept) byDatabase.set(db, (kept = new Map()));
    let value = kept.get(modelId);
    if (!value) {
      const mine = kept;
      value = load(db, modelId);
      value.catch(() => mine.delete(modelId));
      kept.set(modelId, value);
      if (kept.size > MODEL_CACHE_SIZE) kept.delete(kept.keys().next().value!);
    }
    return value;
  };
}

const MODEL_CACHE_SIZE = 8;

export const cachedModel = keptPerDatabase(async (db, modelId): Promise<LoadedModel> => {
  const model = await loadModel(db, modelId);
  if (!model) throw new Error(`model ${modelId} does not exist`);
  return model;
});

const cachedReference = keptPerDatabase(loadReference);

/**
 * Scores the chunk's contacts that this run has not scored yet, with a provisional tier (the
 * model's own cut points) until the run's tiers are set. Returns how many the chunk now holds.
 * `stored` hears of the chunk's contacts after their statuses, and again after their scores.
 */
export async function scoreChunk(
  db: Kysely<Database>,
  runId: number,
  chunk: number,
  stored?: ContactsStored,
): Promise<number> {
  const run = await runContext(db, runId);
  const range = await chunkRange(db, runId, chunk);
  const contacts = await loadContacts(db, run.portalId, {
    from: range.first_contact_id,
    upTo: range.last_contact_id,
  });
  const done = new Set(await scoredInChunk(db, runId, range));
  const { episodes, statuses } = await statusesOf(db, run.portalId, contacts, run.asOf);
  const active = await storeStatuses(db, run.portalId, statuses, { asOf: run.asOf, runId });
  await stored?.(
    run.portalId,
    contacts.map((c) => c.id),
  );
  // Only customers who can still leave get a churn score.
  const todo = contacts.filter((c) => !done.has(c.id) && active.has(c.id));
  const loaded = await cachedModel(db, run.modelId);
  const features = await featuresOfContacts(db, run.portalId, run.asOf, todo, episodes);
  const scores = await scoreContacts(loaded.model, features);
  const provisional = loaded.model.thresholds;
  await storeScores(db, {
    portalId: run.portalId,
    modelId: run.modelId,
    runId,
    trigger: 'cycle',
    scoredAt: run.asOf,
    scores: scores.map((s) => ({
      ...s,
      tier: (s.probability >= provisional.high
        ? 'high'
        : s.probability >= provisional.medium
          ? 'medium'
          : 'low') as Tier,
    })),
  });
  await stored?.(
    run.portalId,
    scores.map((s) => s.contactId),
  );
  const reference = await cachedReference(db, run.modelId);
  const scored = done.size + scores.length;
  await db
    .updateTable('scoring_run_chunks')
    .set({
      scored,
      scored_at: sql`now()`,
      // Counts of the contacts scored now; a retried chunk counts what it scored itself.
      ...(reference && features.length > 0
        ? {
            feature_counts: json(
              featureCounts(
                reference,
                features.map((f) => f.values),
              ),
            ),
          }
        : {}),
    })
    .where('run_id', '=', runId)
    .where('chunk', '=', chunk)
    .execute();
  return scored;
}

function featureCounts(reference: ModelReference, rows: readonly FeatureValues[]): Record<string, number[]> {
  const counts: Record<string, number[]> = {};
  for (const [name, dist] of Object.entries(reference.features)) {
    const values = rows.map((r) => {
      const v = r[name];
      return typeof v === 'number' ? v : Number.NaN;
    });
    counts[name] = binCounts(values, dist.edges);
  }
  return counts;
}

/**
 * Sets every tier of the run, once, over the active customers it scored: by rank for a share policy
 * (the Settings shares exactly), by value for the cost-aware one. The tier is stored with each
 * score and its contact's current score, so every list, the card and the CRM read the same one.
 */
export async function assignTiers(
  db: Kysely<Database>,
  runId: number,
  settings: Pick<PortalSettings, 'tiers'>,
): Promise<TierCut> {
  const run = await runContext(db, runId);
  let cut: TierCut;
  if (settings.tiers.kind === 'share') {
    cut = await rankTiersOfRun(db, runId, settings.tiers);
  } else {
    cut = costAwareCut(settings.tiers);
    const scores = await db
      .selectFrom('scores')
      .select(['id', 'contact_id', 'probability'])
      .where('run_id', '=', runId)
      .execute();
    const values = await contactValues(
      db,
      run.portalId,
      scores.map((s) => s.contact_id),
      cut,
    );
    for (const tier of ['low', 'medium', 'high'] as const) {
      const ids = scores
        .filter((s) => tierOfScore(s.probability, values.get(s.contact_id) ?? null, cut) === tier)
        .map((s) => s.id);
      for (let i = 0; i < ids.length; i += 5000) {
        await db
          .updateTable('scores')
          .set({ tier })
          .where('id', 'in', ids.slice(i, i + 5000))
          .execute();
      }
    }
  }
  await refreshCurrentTiers(db, run.portalId, runId, run.asOf);
  await db
    .updateTable('scoring_runs')
    .set({ thresholds: json(cut), ...enterPhase('writeback') })
    .where('id', '=', runId)
    .execute();
  return cut;
}

/**
 * The run's tiers into each contact's current score (where the run's score is the current one)
 * and into the run's week of the weekly totals, which the insert trigger filled with the
 * provisional tiers.
 */
async function refreshCurrentTiers(db: Kysely<Database>, portalId: number, runId: number, asOf: Date) {
  await sql`
    update current_scores c set tier = s.tier
    from scores s
    where s.run_id = ${runId} and c.portal_id = s.portal_id and c.contact_id = s.contact_id
      and c.scored_at = s.scored_at and c.tier <> s.tier`.execute(db);
  await sql`
    update score_weekly_totals t set contacts = w.contacts, high = w.high, medium = w.medium,
      probability_sum = w.probability_sum
    from (
      select count(*)::int as contacts, count(*) filter (where tier = 'high')::int as high,
        count(*) filter (where tier = 'medium')::int as medium, coalesce(sum(probability), 0) as probability_sum
      from (
        select distinct on (contact_id) tier, probability from scores
        where portal_id = ${portalId}
          and scored_at >= score_week(${asOf}::timestamptz)::timestamp at time zone 'UTC'
          and scored_at < (score_week(${asOf}::timestamptz) + 7)::timestamp at time zone 'UTC'
        order by contact_id, scored_at desc
      ) last_of_week
    ) w
    where t.portal_id = ${portalId} and t.week = score_week(${asOf}::timestamptz)`.execute(db);
}

/**
 * Writes the chunk's scores back. A chunk whose write-back started before (a worker died, or the
 * job is retried) first reads what the CRM holds, so nothing already written is sent twice.
 */
export async function writeBackChunk(
  deps: { db: Kysely<Database>; connector: CrmConnector },
  runId: number,
  chunk: number,
): Promise<WriteBackResult> {
  const { db } = deps;
  const run = await runContext(db, runId);
  const range = await chunkRange(db, runId, chunk);
  const resumed = range.writeback_started_at !== null;
  if (!resumed) {
    await db
      .updateTable('scoring_run_chunks')
      .set({ writeback_started_at: sql`now()` })
      .where('run_id', '=', runId)
      .where('chunk', '=', chunk)
      .execute();
  }
  const contactIds = [...(await scoredInChunk(db, runId, range)), ...(await leftOutOfChunk(db, range))];
  const result = await writeBackScores(deps, run.portalId, contactIds, { verify: resumed });
  await db
    .updateTable('scoring_run_chunks')
    .set({
      written: sql`coalesce(written, 0) + ${result.written}`,
      write_failures: result.failed.length,
      written_at: sql`now()`,
    })
    .where('run_id', '=', runId)
    .where('chunk', '=', chunk)
    .execute();
  return result;
}

export interface DriftReport {
  /** PSI of the run's scores against the training rows'; null without a reference (starter model). */
  scorePsi: number | null;
  /** The features that moved most, largest first. */
  features: { name: string; psi: number }[];
  threshold: number;
  flagged: boolean;
}

/** Drift against the model's training window, tier counts and write-back totals; closes the run. */
export async function summariseRun(
  db: Kysely<Database>,
  runId: number,
  settings: Pick<PortalSettings, 'driftPsiThreshold'>,
): Promise<{ drift: DriftReport; summary: Record<string, unknown> }> {
  const run = await runContext(db, runId);
  const reference = await cachedReference(db, run.modelId);
  const threshold = settings.driftPsiThreshold;
  let drift: DriftReport = { scorePsi: null, features: [], threshold, flagged: false };
  if (reference) {
    const probabilities = (
      await db.selectFrom('scores').select('probability').where('run_id', '=', runId).execute()
    ).map((r) => r.probability);
    const scorePsi = populationStability(
      reference.score.shares,
      binCounts(probabilities, reference.score.edges),
    );
    const totals: Record<string, number[]> = {};
    const chunks = await db
      .selectFrom('scoring_run_chunks')
      .select('feature_counts')
      .where('run_id', '=', runId)
      .execute();
    for (const { feature_counts } of chunks) {
      for (const [name, counts] of Object.entries((feature_counts ?? {}) as Record<string, number[]>)) {
        totals[name] = addCounts(totals[name] ?? [], counts);
      }
    }
    const all = Object.entries(totals)
      .map(([name, counts]) => ({
        name,
        psi: round(populationStability(reference.features[name]?.shares ?? [], counts)),
      }))
      .sort((a, b) => b.psi - a.psi);
    // The scores moving is drift; so is a broad shift of the inputs. One feature moving on its
    // own (a date-like count that ages) is shown, not acted on.
    const shifted = all.filter((f) => f.psi > threshold).length;
    drift = {
      scorePsi: round(scorePsi),
      features: all.slice(0, 5),
      threshold,
      flagged: scorePsi > threshold || shifted > all.length / 4,
    };
  }
  const tiers = await db
    .selectFrom('scores')
    .select(['tier', sql<number>`count(*)::int`.as('n')])
    .where('run_id', '=', runId)
    .groupBy('tier')
    .execute();
  const writes = await db
    .selectFrom('scoring_run_chunks')
    .select([
      sql<number>`coalesce(sum(scored), 0)::int`.as('scored'),
      sql<number>`coalesce(sum(written), 0)::int`.as('written'),
      sql<number>`coalesce(sum(write_failures), 0)::int`.as('writeFailures'),
    ])
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
  const statuses = await db
    .selectFrom('customer_status')
    .select(['status', sql<number>`count(*)::int`.as('n')])
    .where('run_id', '=', runId)
    .groupBy('status')
    .execute();
  const summary = {
    tiers: Object.fromEntries(tiers.map((t) => [t.tier, t.n])),
    customers: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
    ...writes,
  };
  await setPhase(db, runId, 'done');
  return { drift, summary };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
