/** Trains a portal's model on its own history and activates it (or the starter model). */
import type { Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { trainPortalModel } from '../scoring/portal-model.js';
import { requireInstalledPortal } from './portal-guard.js';
import type { Queues } from './queues.js';

export const TRAIN_JOB = 'train';

/**
 * A training is long, so a failing one is tried few times; the waits between tries ride out a
 * database or Redis outage of up to 15 s, which fails a try at once (a failed training leaves its
 * run failed).
 */
export const TRAIN_RETRIES = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
} as const;

const dataSchema = z.object({
  portalId: z.number().int().positive(),
  reason: z.enum(['no_model', 'starter', 'age', 'drift', 'manual']),
});
export type TrainJobData = z.infer<typeof dataSchema>;

/** Queues a training of the portal's model; one waiting request per portal. */
export async function enqueueTraining(
  queues: Queues,
  portalId: number,
  reason: TrainJobData['reason'],
): Promise<string | undefined> {
  const job = await queues.get('train').add(TRAIN_JOB, dataSchema.parse({ portalId, reason }), {
    deduplication: { id: `train:${portalId}` },
    ...TRAIN_RETRIES,
  });
  return job.id;
}

export async function processTrain(job: Job, deps: { db: Kysely<Database>; logger: Logger }) {
  const { portalId, reason } = dataSchema.parse(job.data);
  await requireInstalledPortal(deps.db, portalId);
  const started = Date.now();
  let lastReport = 0;
  const result = await trainPortalModel(deps.db, portalId, {
    onProgress: (stage, done, total) => {
      if (Date.now() - lastReport < 500) return;
      lastReport = Date.now();
      void job.updateProgress({ stage, done, total });
    },
  });
  const summary = {
    portalId,
    modelId: result.model.id,
    version: result.model.version,
    family: result.model.family,
    starter: result.model.isStarter,
    rows: result.rows,
    churners: result.churners,
    reason,
    ms: Date.now() - started,
    seconds: result.seconds,
  };
  deps.logger.info(summary, 'model trained');
  return summary;
}
