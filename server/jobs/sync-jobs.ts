import { DelayedError, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CrmConnectors } from '../crm/registry.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { syncPortal } from '../sync/sync-portal.js';
import { linkPendingUsageEvents } from '../sync/usage/intake.js';
import { connectorForInstalledPortal, untilRevoked } from './portal-guard.js';
import { tryLockPortal } from './portal-lock.js';
import type { Queues } from './queues.js';

export const SYNC_JOB = 'sync';
const dataSchema = z.object({ portalId: z.number().int().positive(), mode: z.enum(['full', 'incremental']) });
export type SyncJobData = z.infer<typeof dataSchema>;

/** While another sync of the portal runs, a sync job waits this long and tries again. */
const BUSY_RETRY_MS = 2000;

/** Queues a sync of a portal; a second request while one is waiting is the same job. */
export async function enqueueSync(queues: Queues, data: SyncJobData): Promise<void> {
  await queues.get('sync').add(SYNC_JOB, dataSchema.parse(data), {
    deduplication: { id: `sync:${data.mode}:${data.portalId}` },
  });
}

export interface SyncJobDeps {
  db: Kysely<Database>;
  queues: Queues;
  /** Each job takes the connector of its portal's CRM. */
  crms: CrmConnectors;
  lockKeyPrefix: string;
  /** How long a dead worker's hold on a portal's sync lasts (the job lock's duration). */
  lockTtlMs: number;
  logger: Logger;
}

/** Runs a portal's full or incremental sync; one sync at a time per portal, across all workers. */
export async function processSync(
  job: Job,
  signal: AbortSignal,
  token: string | undefined,
  deps: SyncJobDeps,
) {
  const { portalId, mode } = dataSchema.parse(job.data);
  const connector = await connectorForInstalledPortal(deps.db, portalId, deps.crms);

  const lock = await tryLockPortal(
    deps.queues.connection,
    `${deps.lockKeyPrefix}:sync-lock:${portalId}`,
    deps.lockTtlMs,
  );
  if (!lock) {
    if (!token) throw new Error(`portal ${portalId} is already syncing`);
    await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
    throw new DelayedError();
  }
  const started = Date.now();
  const progress = syncProgress(mode);
  try {
    const results = await untilRevoked(() =>
      syncPortal(
        {
          db: deps.db,
          connector,
          signal,
          onProgress: (p) => job.updateProgress(progress.record(p)),
        },
        portalId,
        mode,
      ),
    );
    const linkedUsageEvents = await linkPendingUsageEvents(deps.db, portalId);
    deps.logger.info(
      { portalId, mode, ms: Date.now() - started, results, linkedUsageEvents },
      'sync finished',
    );
    return results;
  } finally {
    await lock.release();
  }
}

/** What a running sync shows: records fetched so far per object type. */
function syncProgress(mode: 'full' | 'incremental') {
  const fetched: Record<string, number> = {};
  return {
    record({ type, fetched: count }: { type: string; fetched: number }) {
      fetched[type] = count;
      return { mode, fetched: { ...fetched } };
    },
  };
}
