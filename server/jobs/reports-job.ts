import type { Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { computeAndStoreReports, REPORT_KINDS } from '../reports/stored-reports.js';
import type { Queues } from './queues.js';

/** A portal's data-quality and exploratory reports, computed and stored for the dashboard. */
export const REPORTS_JOB = 'compute-reports';

const dataSchema = z.object({
  portalId: z.number().int().positive(),
  kinds: z
    .array(z.enum(REPORT_KINDS))
    .min(1)
    .default([...REPORT_KINDS]),
  reason: z.enum(['cycle', 'request']),
});

/**
 * Queues the reports of a portal; while one waits or runs for the portal, asking again is the same
 * job (its id names the portal), so a page's repeated requests compute once.
 */
export async function enqueueReports(
  queues: Queues,
  portalId: number,
  reason: 'cycle' | 'request',
  kinds: readonly (typeof REPORT_KINDS)[number][] = REPORT_KINDS,
): Promise<void> {
  await queues.get('system').add(REPORTS_JOB, dataSchema.parse({ portalId, kinds: [...kinds], reason }), {
    jobId: `reports-${portalId}`,
    removeOnComplete: true,
    removeOnFail: true,
  });
}

/** The job computing a portal's reports now, with its progress, if one waits or runs. */
export async function reportsJobProgress(
  queues: Queues,
  portalId: number,
): Promise<{ state: string; progress: unknown } | null> {
  const job = await queues.get('system').getJob(`reports-${portalId}`);
  if (!job) return null;
  const state = await job.getState();
  if (state !== 'active' && state !== 'waiting' && state !== 'delayed' && state !== 'prioritized')
    return null;
  return { state, progress: job.progress };
}

export async function processReports(job: Job, deps: { db: Kysely<Database> }) {
  const data = dataSchema.parse(job.data);
  let lastReport = 0;
  await computeAndStoreReports(deps.db, data.portalId, {
    kinds: data.kinds,
    onProgress: (progress) => {
      // A few updates a second at most: each is a Redis write.
      const now = Date.now();
      if (now - lastReport < 300) return;
      lastReport = now;
      void job.updateProgress(progress);
    },
  });
  return { portalId: data.portalId, kinds: data.kinds };
}
