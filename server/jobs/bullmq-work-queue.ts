import type { RecordRefetch, WorkQueue } from '../work-queue.js';
import { enqueueBootstrapPortal } from './bootstrap-portal.js';
import { removePortalSchedules } from './portal-schedules.js';
import type { Queues } from './queues.js';
import { enqueueRedemptionImport } from './redemption-import-job.js';
import { enqueueRefetches } from './refetch-job.js';
import { enqueueContactRescore } from './rescore-jobs.js';
import { enqueueRetentionAction } from './retention-action-job.js';

/** The work port on BullMQ: each request is a job (or a schedule removed) on the product's queues. */
export class BullMqWorkQueue implements WorkQueue {
  constructor(private readonly queues: Queues) {}

  refetchRecords(refetches: readonly RecordRefetch[]): Promise<void> {
    return enqueueRefetches(this.queues, refetches);
  }

  rescoreContacts(portalId: number, contactIds: readonly string[], reason: string): Promise<void> {
    return enqueueContactRescore(this.queues, portalId, contactIds, reason);
  }

  finishRetentionAction(actionId: number): Promise<void> {
    return enqueueRetentionAction(this.queues, actionId);
  }

  applyRedemptionImport(importId: number): Promise<void> {
    return enqueueRedemptionImport(this.queues, importId);
  }

  bootstrapPortal(portalId: number): Promise<void> {
    return enqueueBootstrapPortal(this.queues, portalId);
  }

  unschedulePortal(portalId: number): Promise<string[]> {
    return removePortalSchedules(this.queues, portalId);
  }
}
