import type { Kysely } from 'kysely';
import type { Database } from '../server/db/schema.js';
import type { Queues } from '../server/jobs/queues.js';
import { latestRunProgress } from '../server/scoring/runs.js';
import { progressBar, type Progress } from './progress.js';

/**
 * Shows a portal's first scoring cycle as it runs (sync, training, scoring, write-back), and
 * returns the riskiest active customer once it is done.
 */
export async function followFirstCycle(options: {
  db: Kysely<Database>;
  queues: Queues;
  portalId: number;
  contacts: number;
  log: (line: string) => void;
  /** Aborted when the process shuts down: following stops quietly, whatever it was reading. */
  signal?: AbortSignal;
}): Promise<{ contactId: string; probability: number } | null> {
  try {
    return await follow(options);
  } catch (error) {
    if (options.signal?.aborted) return null;
    throw error;
  }
}

async function follow(options: Parameters<typeof followFirstCycle>[0]) {
  const { db, queues, portalId } = options;
  const shown: { phase: string; progress: Progress }[] = [];
  const stop = () => shown.pop()?.progress.stop();
  const show = (phase: string, label: string, done: number, total: number) => {
    if (shown[0]?.phase !== phase) {
      stop();
      shown.push({ phase, progress: progressBar(label) });
    }
    shown[0]!.progress.update(Math.min(done, total), total);
  };
  let announcedTraining = false;
  for (;;) {
    if (options.signal?.aborted) {
      stop();
      return null;
    }
    const run = await latestRunProgress(db, portalId);
    if (run?.status === 'failed') {
      stop();
      options.log(`The first cycle failed: ${run.error ?? 'see the log'}`);
      return null;
    }
    if (run?.status === 'succeeded') break;
    if (run?.phase === 'sync' || !run) {
      const job = run ? await queues.get('sync').getJob(`run-${run.runId}-sync`) : undefined;
      const fetched =
        (job?.progress as { fetched?: Record<string, number> } | undefined)?.fetched?.contacts ?? 0;
      show('sync', 'Syncing contacts   ', fetched, options.contacts);
    } else if (run.phase === 'model') {
      if (!announcedTraining) {
        stop();
        options.log('Training the portal’s churn model on its own history…');
        announcedTraining = true;
      }
    } else if (run.phase === 'score') {
      // Chunks, not scores: only active customers get a score, but every contact is looked at.
      show('score', 'Scoring contacts   ', run.chunksScored, run.chunks);
    } else if (run.phase === 'writeback' || run.phase === 'done') {
      show('writeback', 'Writing scores back', run.chunksWritten, run.chunks);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  stop();
  // Current scores are those of active customers only: never someone who already left.
  const riskiest = await db
    .selectFrom('current_scores')
    .select(['contact_id', 'probability'])
    .where('portal_id', '=', portalId)
    .orderBy('probability', 'desc')
    .limit(1)
    .executeTakeFirst();
  return riskiest ? { contactId: riskiest.contact_id, probability: riskiest.probability } : null;
}
