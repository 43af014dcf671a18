import type { Job } from 'bullmq';
import { z } from 'zod';
import { CRM_OBJECT_TYPES } from '../crm/connector.js';
import { refetchObjects } from '../sync/refetch.js';
import { contactsTouchedBy } from '../sync/touched-contacts.js';
import { linkPendingUsageEvents } from '../sync/usage/intake.js';
import { REFETCH_MAX_IDS } from '../sync/webhooks/refetch-plan.js';
import type { RecordRefetch } from '../work-queue.js';
import { ContactStamps } from './contact-stamps.js';
import { connectorForInstalledPortal, untilRevoked } from './portal-guard.js';
import type { Queues } from './queues.js';
import { enqueueContactRescore } from './rescore-jobs.js';
import type { SyncJobDeps } from './sync-jobs.js';

/**
 * The `refetch` job on the `sync` queue: re-read a few records the CRM told us changed, and mark
 * the ones it told us were deleted. Webhook intake asks for these; the sync worker runs them.
 */
export const REFETCH_JOB = 'refetch';

const crmId = z.string().regex(/^\d+$/, 'must be a CRM record id');

export const refetchJobSchema = z
  .object({
    /** Our portal id (portals.id), not the CRM's. */
    portalId: z.number().int().positive(),
    objectType: z.enum(CRM_OBJECT_TYPES),
    objectIds: z.array(crmId).max(REFETCH_MAX_IDS),
    deleted: z.array(crmId).max(REFETCH_MAX_IDS).optional(),
  })
  .refine((job) => job.objectIds.length + (job.deleted?.length ?? 0) > 0, {
    message: 'a refetch job names at least one record',
  });
export type RefetchJobData = z.infer<typeof refetchJobSchema>;

/** Adds the jobs in one round trip; a job whose id is already queued (or kept after running) is skipped. */
export async function enqueueRefetches(queues: Queues, refetches: readonly RecordRefetch[]): Promise<void> {
  if (refetches.length === 0) return;
  await queues.get('sync').addBulk(
    refetches.map(({ key, ...data }) => ({
      name: REFETCH_JOB,
      data: refetchJobSchema.parse(data),
      opts: { jobId: `${REFETCH_JOB}-${key}` },
    })),
  );
}

/** Re-reads the records a webhook named; safe beside a running sync (writes are idempotent). */
export async function processRefetch(job: Job, deps: SyncJobDeps) {
  const { portalId, objectType, objectIds, deleted } = refetchJobSchema.parse(job.data);
  const connector = await connectorForInstalledPortal(deps.db, portalId, deps.crms);
  const result = await untilRevoked(() =>
    refetchObjects({ db: deps.db, connector }, portalId, objectType, objectIds, deleted ?? []),
  );
  if (objectType === 'contacts') await linkPendingUsageEvents(deps.db, portalId);
  const touched = await contactsTouchedBy(deps.db, portalId, objectType, objectIds);
  // Names, renewal deals and deletions show on the card before the rescoring is done.
  const gone = objectType === 'contacts' ? (deleted ?? []) : [];
  await new ContactStamps(deps.queues.connection, deps.queues.prefix).contactsChanged(portalId, [
    ...touched,
    ...gone,
  ]);
  await enqueueContactRescore(deps.queues, portalId, touched, 'webhook');
  return result;
}
