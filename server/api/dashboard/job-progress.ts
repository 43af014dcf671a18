import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Queues, QueueName } from '../../jobs/queues.js';
import { latestRunProgress, type RunProgress } from '../../scoring/runs.js';

export interface JobProgress {
  queue: QueueName;
  name: string;
  state: 'active' | 'waiting';
  progress: unknown;
  startedAt: string | null;
}

const WATCHED: QueueName[] = ['system', 'sync', 'score', 'train', 'writeback'];

/** The portal's latest run when it ended failed: when, and what failed. */
export interface FailedRun {
  runId: number;
  trigger: string;
  finishedAt: string | null;
  error: string;
}

/**
 * The portal's jobs running or waiting now, with the progress their workers report, the scoring
 * run in progress (its phase and how many contacts are scored and written back), and the latest
 * run when it failed, so an admin learns of it.
 */
export async function loadJobProgress(
  db: Kysely<Database>,
  queues: Queues,
  portalId: number,
): Promise<{ jobs: JobProgress[]; run: RunProgress | null; failedRun: FailedRun | null }> {
  const jobs: JobProgress[] = [];
  for (const name of WATCHED) {
    const queue = queues.get(name);
    // A run's chunk jobs wait as "prioritized": they take turns with other portals' (fair-share.ts).
    for (const state of ['active', 'waiting', 'prioritized'] as const) {
      for (const job of await queue.getJobs([state], 0, 200)) {
        if (!job || (job.data as { portalId?: unknown })?.portalId !== portalId) continue;
        jobs.push({
          queue: name,
          name: job.name,
          state: state === 'active' ? 'active' : 'waiting',
          progress: job.progress,
          startedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
        });
      }
    }
  }
  const run = await latestRunProgress(db, portalId);
  return {
    jobs,
    run: run?.status === 'running' ? run : null,
    failedRun:
      run?.status === 'failed'
        ? {
            runId: run.runId,
            trigger: run.trigger,
            finishedAt: run.finishedAt?.toISOString() ?? null,
            error: run.error ?? 'no reason was recorded',
          }
        : null,
  };
}
