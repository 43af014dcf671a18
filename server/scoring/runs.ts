/**
 * Scoring runs: one row per cycle of a portal, with its phase and counts (the progress the
 * dashboard shows). At most one runs at a time per portal (a partial unique index), whichever
 * worker starts it.
 */
import { sql, type Kysely } from 'kysely';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';

export type RunPhase = 'sync' | 'model' | 'score' | 'tiers' | 'writeback' | 'done';

export interface RunRow {
  id: number;
  portalId: number;
  jobId: string | null;
  status: 'running' | 'succeeded' | 'failed';
  phase: string;
}

/**
 * Opens a run for the job, or finds the one this job already opened (a retried job resumes it).
 * `busy` when another job's run is in progress for the portal.
 */
export async function openRun(
  db: Kysely<Database>,
  portalId: number,
  trigger: string,
  jobId: string,
): Promise<{ run: RunRow; busy: boolean }> {
  const inserted = await db
    .insertInto('scoring_runs')
    .values({ portal_id: portalId, trigger, job_id: jobId })
    .onConflict((oc) => oc.column('portal_id').where('status', '=', 'running').doNothing())
    .returning(['id', 'portal_id', 'job_id', 'status', 'phase'])
    .executeTakeFirst();
  if (inserted) return { run: toRun(inserted), busy: false };
  const running = await runningRun(db, portalId);
  if (!running) return openRun(db, portalId, trigger, jobId);
  return { run: running, busy: running.jobId !== jobId };
}

export async function runningRun(db: Kysely<Database>, portalId: number): Promise<RunRow | null> {
  const row = await db
    .selectFrom('scoring_runs')
    .select(['id', 'portal_id', 'job_id', 'status', 'phase'])
    .where('portal_id', '=', portalId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return row ? toRun(row) : null;
}

function toRun(row: {
  id: number;
  portal_id: number;
  job_id: string | null;
  status: 'running' | 'succeeded' | 'failed';
  phase: string;
}): RunRow {
  return { id: row.id, portalId: row.portal_id, jobId: row.job_id, status: row.status, phase: row.phase };
}

/** The columns that move a run to `phase`, noting in its summary when each phase began. */
export function enterPhase(phase: RunPhase) {
  return {
    phase,
    summary: sql<string>`jsonb_set(summary, '{phases}',
      coalesce(summary -> 'phases', '{}'::jsonb) || jsonb_build_object(${phase}::text, now()))`,
  };
}

export async function setPhase(db: Kysely<Database>, runId: number, phase: RunPhase): Promise<void> {
  await db.updateTable('scoring_runs').set(enterPhase(phase)).where('id', '=', runId).execute();
}

export async function failRun(db: Kysely<Database>, runId: number, error: string): Promise<void> {
  await db
    .updateTable('scoring_runs')
    .set({ status: 'failed', error: error.slice(0, 2000), finished_at: sql`now()` })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}

/**
 * Closes a run that went through every step. It succeeded when none of its jobs failed; when some
 * did, it failed with `error` saying which, and what they did finish (scores, tiers, writes) stays.
 */
export async function completeRun(
  db: Kysely<Database>,
  runId: number,
  outcome: { drift: unknown; summary: Record<string, unknown>; error?: string | null },
): Promise<void> {
  const error = outcome.error ?? null;
  await db
    .updateTable('scoring_runs')
    .set({
      status: error === null ? 'succeeded' : 'failed',
      error: error?.slice(0, 2000) ?? null,
      phase: 'done',
      drift: json(outcome.drift),
      // Keeps the phases' start times beside the outcome.
      summary: sql`summary || ${json(outcome.summary)}::jsonb`,
      finished_at: sql`now()`,
    })
    .where('id', '=', runId)
    .execute();
}

/**
 * What a run's failed jobs say, from BullMQ's record of its children that failed (job key to
 * reason): null when none failed, else one line such as
 * "4 of this run's jobs failed: score ×4 (job stalled more than allowable limit)".
 */
export function failedJobsError(failures: Readonly<Record<string, string>>): string | null {
  const byQueue = new Map<string, { count: number; reasons: Set<string> }>();
  for (const [key, reason] of Object.entries(failures)) {
    // Keys are `<prefix>:<queue>:<job id>`; job ids of a run's children hold no colon.
    const parts = key.split(':');
    const queue = parts.length >= 2 ? parts[parts.length - 2]! : key;
    const entry = byQueue.get(queue) ?? { count: 0, reasons: new Set<string>() };
    entry.count++;
    entry.reasons.add(reason || 'no reason given');
    byQueue.set(queue, entry);
  }
  const total = [...byQueue.values()].reduce((sum, e) => sum + e.count, 0);
  if (total === 0) return null;
  const parts = [...byQueue].map(([queue, e]) => `${queue} ×${e.count} (${[...e.reasons].join('; ')})`);
  return `${total} of this run's jobs failed: ${parts.join(', ')}`;
}

export interface RunProgress {
  runId: number;
  trigger: string;
  status: 'running' | 'succeeded' | 'failed';
  phase: string;
  startedAt: Date;
  finishedAt: Date | null;
  contactsTotal: number;
  chunks: number;
  chunksScored: number;
  contactsScored: number;
  chunksWritten: number;
  written: number;
  writeFailures: number;
  drift: unknown;
  summary: Record<string, unknown>;
  error: string | null;
}

/** The portal's latest run and how far it got: what the dashboard and the demo show. */
export async function latestRunProgress(db: Kysely<Database>, portalId: number): Promise<RunProgress | null> {
  const run = await db
    .selectFrom('scoring_runs')
    .selectAll()
    .where('portal_id', '=', portalId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!run) return null;
  const chunks = await db
    .selectFrom('scoring_run_chunks')
    .select([
      sql<number>`count(*) filter (where scored_at is not null)::int`.as('chunksScored'),
      sql<number>`coalesce(sum(scored), 0)::int`.as('contactsScored'),
      sql<number>`count(*) filter (where written_at is not null)::int`.as('chunksWritten'),
      sql<number>`coalesce(sum(written), 0)::int`.as('written'),
      sql<number>`coalesce(sum(write_failures), 0)::int`.as('writeFailures'),
    ])
    .where('run_id', '=', run.id)
    .executeTakeFirstOrThrow();
  return {
    runId: run.id,
    trigger: run.trigger,
    status: run.status,
    phase: run.phase,
    startedAt: run.started_at,
    finishedAt: run.finished_at,
    contactsTotal: run.contacts_total,
    chunks: run.chunks,
    ...chunks,
    drift: run.drift,
    summary: run.summary,
    error: run.error,
  };
}
