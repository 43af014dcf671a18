/**
 * Writes one chunk of a run's scores back to the CRM (a child of the cycle job): a chunk of its
 * contacts, or of its companies' account scores. Records the CRM refused are retried with the
 * job's backoff; after the last attempt they stay recorded, and the next write-back sends them again.
 */
import type { Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CrmConnectors } from '../crm/registry.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { writeBackAccountChunk } from '../scoring/account-scores.js';
import { writeBackChunk } from '../scoring/cycle-steps.js';
import { connectorForInstalledPortal, untilRevoked } from './portal-guard.js';

export const WRITEBACK_CHUNK_JOB = 'writeback-chunk';

const dataSchema = z.discriminatedUnion('records', [
  z.object({
    records: z.literal('contacts'),
    runId: z.number().int().positive(),
    chunk: z.number().int().min(0),
    portalId: z.number().int().positive(),
  }),
  z.object({
    records: z.literal('companies'),
    runId: z.number().int().positive(),
    chunk: z.number().int().min(0),
    portalId: z.number().int().positive(),
    /** Companies per chunk, in company id order. */
    size: z.number().int().positive(),
    /** The chunk's first company id (absent from jobs an earlier release queued). */
    from: z.string().min(1).optional(),
  }),
]);

export class RecordsRefusedError extends Error {
  readonly code = 'records_refused';
}

export async function processWriteBackChunk(
  job: Job,
  deps: { db: Kysely<Database>; crms: CrmConnectors; logger: Logger },
) {
  const data = dataSchema.parse({ records: 'contacts', ...job.data });
  const { runId, chunk, portalId } = data;
  const connector = await connectorForInstalledPortal(deps.db, portalId, deps.crms);
  const target = { db: deps.db, connector };
  const result = await untilRevoked(() =>
    data.records === 'companies'
      ? // A job started before may have reached the CRM without recording it: read the CRM first.
        writeBackAccountChunk(
          target,
          runId,
          { index: chunk, size: data.size, from: data.from },
          { verify: job.attemptsStarted > 1 },
        )
      : writeBackChunk(target, runId, chunk),
  );
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (result.failed.length > 0) {
    deps.logger.warn(
      {
        portalId,
        runId,
        chunk,
        records: data.records,
        failed: result.failed.length,
        first: result.failed[0],
      },
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
