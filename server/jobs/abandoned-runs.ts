/**
 * Runs left `running` after their cycle job ended: the record of how it ended was lost, as when
 * the worker that failed the job died before noting it in the run. A job every minute closes them,
 * so the dashboard does not show such a run as running until the portal's next cycle.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { failRun } from '../scoring/runs.js';
import type { Queues } from './queues.js';

export const CLOSE_ABANDONED_RUNS_JOB = 'close-abandoned-runs';

/** What a run says when its cycle job failed for good. */
export function cycleJobFailure(reason: string | undefined): string {
  return `the cycle's own job failed: ${reason || 'no reason was recorded'}`;
}

/** Closes the run when its cycle job has failed, finished or gone; returns whether it did. */
export async function closeIfAbandoned(
  db: Kysely<Database>,
  queues: Queues,
  run: { id: number; jobId: string | null },
): Promise<boolean> {
  const job = run.jobId ? await queues.get('score').getJob(run.jobId) : undefined;
  const state = job ? await job.getState() : 'unknown';
  if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
  await failRun(
    db,
    run.id,
    state === 'failed'
      ? cycleJobFailure(job?.failedReason)
      : 'abandoned: its job ended without finishing the run',
  );
  return true;
}

/** Closes every abandoned run; returns how many. */
export async function processCloseAbandonedRuns(deps: {
  db: Kysely<Database>;
  queues: Queues;
}): Promise<{ closed: number }> {
  const running = await deps.db
    .selectFrom('scoring_runs')
    .select(['id', 'job_id'])
    .where('status', '=', 'running')
    .execute();
  let closed = 0;
  for (const run of running)
    if (await closeIfAbandoned(deps.db, deps.queues, { id: run.id, jobId: run.job_id })) closed++;
  return { closed };
}

/** Checks every minute; calling this again changes nothing. */
export async function scheduleAbandonedRunsCheck(queues: Queues): Promise<void> {
  await queues
    .get('system')
    .upsertJobScheduler(
      'every-minute:close-abandoned-runs',
      { every: 60_000 },
      { name: CLOSE_ABANDONED_RUNS_JOB, data: {}, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    );
}
