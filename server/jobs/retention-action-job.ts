import type { Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CrmConnectors } from '../crm/registry.js';
import type { Database } from '../db/schema.js';
import { completeRetentionAction } from '../workflows/complete-action.js';
import { connectorForInstalledPortal, untilRevoked } from './portal-guard.js';
import type { Queues } from './queues.js';

/** The CRM work of one treated contact's retention action, then its workflow callback. */
export const RETENTION_ACTION_JOB = 'retention-action';

const dataSchema = z.object({ actionId: z.number().int().positive() });

/**
 * HubSpot waits for a step's callback only once it has read our BLOCK answer: the job starts a
 * moment later so that its completion does not arrive first.
 */
const START_DELAY_MS = 500;

/**
 * Queues an action's CRM work; queuing it again while it waits or runs is the same job, and a job
 * that ran out of attempts is tried again (HubSpot's retry of the step asks for it).
 */
export async function enqueueRetentionAction(queues: Queues, actionId: number): Promise<void> {
  const queue = queues.get('workflows');
  const jobId = `retention-action-${actionId}`;
  const existing = await queue.getJob(jobId);
  if (existing && (await existing.isFailed())) {
    await existing.retry('failed');
    return;
  }
  await queue.add(RETENTION_ACTION_JOB, dataSchema.parse({ actionId }), { jobId, delay: START_DELAY_MS });
}

export interface RetentionActionJobDeps {
  db: Kysely<Database>;
  crms: CrmConnectors;
}

export async function processRetentionAction(job: Job, deps: RetentionActionJobDeps) {
  const { actionId } = dataSchema.parse(job.data);
  const action = await deps.db
    .selectFrom('retention_actions')
    .select('portal_id')
    .where('id', '=', actionId)
    .executeTakeFirst();
  if (!action) return { actionId, result: 'gone' };
  const connector = await connectorForInstalledPortal(deps.db, action.portal_id, deps.crms);
  const result = await untilRevoked(() => completeRetentionAction({ db: deps.db, connector }, actionId));
  return { actionId, result };
}
