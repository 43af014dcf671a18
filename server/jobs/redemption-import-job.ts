import type { Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { applyRedemptionImport, failRedemptionImport } from '../workflows/redemption-import.js';
import type { Queues } from './queues.js';

/** A received redemptions CSV, applied in batches with its progress. */
export const REDEMPTION_IMPORT_JOB = 'redemption-import';

const dataSchema = z.object({ importId: z.number().int().positive() });
const ATTEMPTS = 5;

/** Queues an import once: asking again while it waits or runs is the same job. */
export async function enqueueRedemptionImport(queues: Queues, importId: number): Promise<void> {
  await queues.get('workflows').add(REDEMPTION_IMPORT_JOB, dataSchema.parse({ importId }), {
    jobId: `redemption-import-${importId}`,
    attempts: ATTEMPTS,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: { age: 86_400 },
    removeOnFail: { age: 7 * 86_400 },
  });
}

export async function processRedemptionImport(job: Job, deps: { db: Kysely<Database> }) {
  const { importId } = dataSchema.parse(job.data);
  try {
    const result = await applyRedemptionImport(deps.db, importId, {
      onProgress: (done, rows) => job.updateProgress({ done, rows }),
    });
    return { importId, result };
  } catch (error) {
    // The last attempt: the import says it failed, rather than staying "running" for ever.
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
      await failRedemptionImport(deps.db, importId, error instanceof Error ? error.message : String(error));
    }
    throw error;
  }
}
