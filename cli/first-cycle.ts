import type { Kysely } from 'kysely';
import type { Database } from '../server/db/schema.js';
import type { Queues } from '../server/jobs/queues.js';
import { latestRunProgress } from '../server/scoring/runs.js';
import { padLabel, progressGroup, type Progress, type ProgressGroup } from './progress.js';

/** The words a person uses for the synced object types. */
const TYPE_WORDS: Record<string, string> = { feedback_submissions: 'feedback' };
interface SyncJobView {
  progress?: { fetched?: Record<string, number> };
  returnvalue?: { type: string; fetched: number }[] | null;
}

/**
 * Shows a portal's first scoring cycle as it runs (the sync of every object type, training,
 * scoring, write-back), and returns the riskiest active customer once it is done.
 */
export async function followFirstCycle(options: {
  db: Kysely<Database>;
  queues: Queues;
  portalId: number;
  /** How many records of each object type the CRM holds, where known: the sync's totals. */
  recordCounts: Partial<Record<string, number>>;
  log: (line: string) => void;
  /** Aborted when the process shuts down: following stops quietly, whatever it was reading. */
  signal?: AbortSignal;
}): Promise<{ contactId: string; probability: number } | null> {
  const display = new PhaseDisplay();
  try {
    return await follow(options, display);
  } catch (error) {
    if (options.signal?.aborted) return null;
    throw error;
  } finally {
    display.stop();
  }
}

/** The bars of the phase the cycle is in; moving to another phase completes the last one's. */
class PhaseDisplay {
  private phase: string | null = null;
  private group: ProgressGroup | null = null;
  private readonly bars = new Map<string, Progress>();

  show(phase: string, text: string, done: number, total: number): void {
    if (this.phase !== phase) {
      this.stop();
      this.phase = phase;
      this.group = progressGroup();
    }
    let bar = this.bars.get(text);
    if (!bar) {
      bar = this.group!.bar(padLabel(text));
      this.bars.set(text, bar);
    }
    bar.update(Math.min(done, total), total);
  }

  isShowing(phase: string): boolean {
    return this.phase === phase;
  }

  stop(): void {
    this.group?.stop();
    this.group = null;
    this.phase = null;
    this.bars.clear();
  }
}

const syncLabel = (type: string) => `Syncing ${TYPE_WORDS[type] ?? type}`;

async function syncJob(queues: Queues, runId: number): Promise<SyncJobView | undefined> {
  return (await queues.get('sync').getJob(`run-${runId}-sync`)) as SyncJobView | undefined;
}

async function follow(options: Parameters<typeof followFirstCycle>[0], display: PhaseDisplay) {
  const { db, queues, portalId, recordCounts } = options;
  // The last count seen per object type, kept for the moment the sync is over.
  const fetched: Record<string, number> = { contacts: 0 };
  const showSync = (counts: Record<string, number>, final: boolean) => {
    for (const [type, count] of Object.entries(counts)) {
      const total = final ? count : Math.max(recordCounts[type] ?? count, count);
      display.show('sync', syncLabel(type), count, total);
    }
  };
  let syncShownWhole = false;
  let announcedTraining = false;
  for (;;) {
    if (options.signal?.aborted) return null;
    const run = await latestRunProgress(db, portalId);
    if (run?.status === 'failed') {
      display.stop();
      options.log(`The first cycle failed: ${run.error ?? 'see the log'}`);
      return null;
    }
    if (run && run.phase !== 'sync' && !syncShownWhole) {
      // Every object type gets its line, also those whose sync ended between two looks.
      const job = await syncJob(queues, run.runId);
      for (const result of job?.returnvalue ?? []) fetched[result.type] = result.fetched;
      showSync(fetched, true);
      syncShownWhole = true;
    }
    // The last look at a phase may have been before its last chunk: it ends with its final count.
    if (run && run.phase !== 'score' && display.isShowing('score')) {
      display.show('score', 'Scoring contacts', run.chunksScored, run.chunks);
    }
    if (run?.status === 'succeeded') {
      display.show('writeback', 'Writing scores back', run.chunksWritten, run.chunks);
      break;
    }
    if (run?.phase === 'sync' || !run) {
      const job = run ? await syncJob(queues, run.runId) : undefined;
      Object.assign(fetched, job?.progress?.fetched ?? {});
      showSync(fetched, false);
    } else if (run.phase === 'model') {
      if (!announcedTraining) {
        display.stop();
        options.log('Training the portal’s churn model on its own history…');
        announcedTraining = true;
      }
    } else if (run.phase === 'score') {
      // Chunks, not scores: only active customers get a score, but every contact is looked at.
      display.show('score', 'Scoring contacts', run.chunksScored, run.chunks);
    } else if (run.phase === 'writeback' || run.phase === 'done') {
      display.show('writeback', 'Writing scores back', run.chunksWritten, run.chunks);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  display.stop();
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
