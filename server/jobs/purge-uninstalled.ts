import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { portalsUninstalledBefore, purgePortal } from '../db/portals.js';
import type { Logger } from '../logger.js';
import type { Queues } from './queues.js';

export const PURGE_UNINSTALLED_JOB = 'purge-uninstalled';
const DAY_MS = 24 * 3600 * 1000;

/**
 * Data retention after uninstall: a portal's warehouse rows (contacts, activity, scores, models,
 * audit log) are kept for `retentionDays` so a reinstall picks up where it left off, then deleted.
 */
export async function processPurgeUninstalled(deps: {
  db: Kysely<Database>;
  retentionDays: number;
  logger: Logger;
  now?: Date;
}): Promise<{ purged: number[] }> {
  const cutoff = new Date((deps.now ?? new Date()).getTime() - deps.retentionDays * DAY_MS);
  const due = await portalsUninstalledBefore(deps.db, cutoff);
  for (const portalId of due) {
    await purgePortal(deps.db, portalId);
    deps.logger.info({ portalId }, 'purged the data of an uninstalled portal');
  }
  return { purged: due };
}

/** Runs the purge daily at 03:00 UTC; calling this again changes nothing. */
export async function scheduleDailyPurge(queues: Queues): Promise<void> {
  await queues
    .get('system')
    .upsertJobScheduler(
      'daily:purge-uninstalled',
      { pattern: '0 3 * * *', tz: 'UTC' },
      { name: PURGE_UNINSTALLED_JOB, data: {} },
    );
}
