/**
 * The work that sync, OAuth, workflows and the HTTP routes hand on, to be done later by a worker:
 * what they ask for, not how it is queued. `server/jobs/bullmq-work-queue.ts` does it on BullMQ;
 * the layers that ask never import `server/jobs`.
 */
import type { CrmObjectType } from './crm/connector.js';

/** Records to read again from the CRM (it said they changed), or to mark deleted. */
export interface RecordRefetch {
  /** Derived from what asked for it: asking again with the same key queues nothing more. */
  key: string;
  /** Our portal id (portals.id), not the CRM's. */
  portalId: number;
  objectType: CrmObjectType;
  /** At most 100 ids each. */
  objectIds: string[];
  deleted?: string[];
}

export interface WorkQueue {
  refetchRecords(refetches: readonly RecordRefetch[]): Promise<void>;
  /** Rescores these contacts soon: requests gather per portal for a moment, then go in batches. */
  rescoreContacts(portalId: number, contactIds: readonly string[], reason: string): Promise<void>;
  /**
   * A treated contact's retention action: its CRM work (a property, a ticket), then its workflow
   * callback. Asking again while it waits or runs is the same work; after it failed, it runs again.
   */
  finishRetentionAction(actionId: number): Promise<void>;
  /** A received redemptions CSV, applied in batches by a worker (`redemption_imports`). */
  applyRedemptionImport(importId: number): Promise<void>;
  /** A new install: the app's properties in the CRM, the weekly slot, a first cycle. */
  bootstrapPortal(portalId: number): Promise<void>;
  /** An install that is gone: nothing scheduled for the portal runs again. Returns what was removed. */
  unschedulePortal(portalId: number): Promise<string[]>;
}
