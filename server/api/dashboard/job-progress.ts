import type { Queues, QueueName } from '../../jobs/queues.js';

export interface JobProgress {
  queue: QueueName;
  name: string;
  state: 'active' | 'waiting';
  progress: unknown;
  startedAt: string | null;
}

const WATCHED: QueueName[] = ['system', 'sync', 'score', 'train', 'writeback'];

/** The portal's jobs running or waiting now, with the progress their workers report. */
export async function loadJobProgress(queues: Queues, portalId: number): Promise<{ jobs: JobProgress[] }> {
  const jobs: JobProgress[] = [];
  for (const name of WATCHED) {
    const queue = queues.get(name);
    for (const state of ['active', 'waiting'] as const) {
      for (const job of await queue.getJobs([state], 0, 200)) {
        if (!job || (job.data as { portalId?: unknown })?.portalId !== portalId) continue;
        jobs.push({
          queue: name,
          name: job.name,
          state,
          progress: job.progress,
          startedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
        });
      }
    }
  }
  return { jobs };
}
