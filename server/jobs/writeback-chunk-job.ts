/**
 * Writes one chunk of a run's scores back to the CRM (a child of the cycle job). Records the CRM
 * refused are retried with the job's backoff; after the last attempt they stay recorded, and the
 * next write-back sends them again.
 */
import type { Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CrmConnectors } from '../crm/registry.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { writeBackChunk } from '../scoring/cycle-steps.js';
import { connectorForInstalledPortal, untilRevoked } from './portal-guard.js';

export const WRITEBACK_CHUNK_JOB = 'writeback-chunk';

const dataSchema = z.object({
  runId: z.number().int().positive(),
  chunk: z.number().int().min(0),
  portalId: z.number().int().positive(),
});

export class RecordsRefusedError extends Error {
  readonly code = 'records_refused';
}

export async function processWriteBackChunk(
  job: Job,
  deps: { db: Kysely<Database>; crms: CrmConnectors; logger: Logger },
) {
  const { runId, chunk, portalId } = dataSchema.parse(job.data);
  const connector = await connectorForInstalledPortal(deps.db, portalId, deps.crms);
  const result = await untilRevoked(() => writeBackChunk({ db: deps.db, connector }, runId, chunk));
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (result.failed.length > 0) {
    deps.logger.warn(
      { portalId, runId, chunk, failed: result.failed.length, first: result.failed[0] },
      'the CRM refused some score writes',
    );
    if (!lastAttempt) {
      throw new RecordsRefusedError(
        `${result.failed.length} records refused, first ${result.failed[0]!.id}: ${result.failed[0]!.message}`,
      );
    }
  }
  return {
    sent: result.sent,
    written: result.written,
    unchanged: result.unchanged,
    failed: result.failed.length,
  };
}
