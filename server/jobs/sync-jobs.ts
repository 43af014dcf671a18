import { DelayedError, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CrmConnector } from '../crm/connector.js';
import { CrmRequestError } from '../crm/errors.js';
import type { CrmConnectors } from '../crm/registry.js';
import { refreshPlannerStatistics, SYNCED_TABLES } from '../db/planner-statistics.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { ObjectSyncResult } from '../sync/full-sync.js';
import { syncOwners } from '../sync/owners.js';
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

/**
 * A running sync stores its progress at most this often: its streams write pages far faster (a
 * hundred a second at ten times HubSpot's limit) than the dashboard reads them, and each store is
 * a Redis call and an event.
 */
const PROGRESS_EVERY_MS = 500;

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

/** Rows a sync writes before the planner's statistics are refreshed. */
const STATISTICS_AFTER_ROWS = 500;

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
  const onProgress = syncProgress(job, mode);
  try {
    const results = await untilRevoked(() =>
      syncPortal(
        {
          db: deps.db,
          connector,
          signal,
          onProgress,
        },
        portalId,
        mode,
      ),
    );
    const owners = await untilRevoked(() => syncOwnersOf(deps, connector, portalId));
    const linkedUsageEvents = await linkPendingUsageEvents(deps.db, portalId);
    // A few changed records leave the statistics as good as they were; a load does not.
    if (results.reduce((n, r) => n + r.written + r.archived, 0) >= STATISTICS_AFTER_ROWS)
      await refreshPlannerStatistics(deps.db, SYNCED_TABLES);
    deps.logger.info(
      {
        portalId,
        mode: modeRan(mode, results),
        ms: Date.now() - started,
        results,
        owners,
        linkedUsageEvents,
      },
      'sync finished',
    );
    return results;
  } finally {
    await lock.release();
  }
}

/**
 * The portal's owners, read whole at every sync (they are few). A CRM that refuses to list them
 * (a scope the install lacks) leaves the owners as they were: the records are synced all the same.
 */
async function syncOwnersOf(deps: SyncJobDeps, connector: CrmConnector, portalId: number) {
  try {
    return await syncOwners({ db: deps.db, connector }, portalId);
  } catch (error) {
    if (!(error instanceof CrmRequestError)) throw error;
    deps.logger.warn({ portalId, err: error.message }, 'the CRM refused to list the owners');
    return null;
  }
}

/**
 * The mode the sync ran in, as an admin reading the log needs it: an incremental sync reads in full
 * each type never read in full before (the first sync after an install reads everything).
 */
export function modeRan(asked: 'full' | 'incremental', results: readonly ObjectSyncResult[]): string {
  const full = results.filter((r) => r.mode === 'full').map((r) => r.type);
  if (asked === 'full' || full.length === 0) return asked;
  if (full.length === results.length) return 'full';
  return `incremental (in full: ${full.join(', ')})`;
}

/** What a running sync shows: records fetched so far per object type, stored now and then. */
function syncProgress(job: Job, mode: 'full' | 'incremental') {
  const fetched: Record<string, number> = {};
  let storedAt = Number.NEGATIVE_INFINITY;
  return async ({ type, fetched: count }: { type: string; fetched: number }) => {
    fetched[type] = count;
    if (Date.now() - storedAt < PROGRESS_EVERY_MS) return;
    storedAt = Date.now();
    await job.updateProgress({ mode, fetched: { ...fetched } });
  };
}
