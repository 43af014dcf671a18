import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CRM_OBJECT_TYPES, type CrmObjectType } from '../../crm/connector.js';
import type { Queues } from '../../jobs/queues.js';
import { effectOf, type WebhookEvent } from './events.js';

/**
 * The `refetch` job on the `sync` queue: re-read a few records the CRM told us changed, and mark
 * the ones it told us were deleted. Webhook intake produces these; the sync worker consumes them.
 */
export const REFETCH_JOB = 'refetch';

/** HubSpot's batch read takes 100 ids, so a job never asks for more. */
export const REFETCH_MAX_IDS = 100;

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

export interface PlannedRefetch {
  /** Derived from the events behind the job: enqueuing the same events twice adds one job. */
  jobId: string;
  data: RefetchJobData;
}

export interface ContactErasure {
  portalId: number;
  contactId: string;
  eventId: string;
}

export interface RefetchPlan {
  refetches: PlannedRefetch[];
  erasures: ContactErasure[];
}

interface Group {
  portalId: number;
  objectType: CrmObjectType;
  eventIds: string[];
  /** Per record, what its latest event said: re-read it, or it is gone. */
  state: Map<string, 'refresh' | 'deleted'>;
}

/**
 * Groups events per portal and object type into refetch jobs. Delivery order is not guaranteed, so
 * the latest event by `occurredAt` decides whether a record is re-read or marked deleted; a
 * contact erased for privacy is never re-read.
 */
export function planRefetches(events: { portalId: number; event: WebhookEvent }[]): RefetchPlan {
  const ordered = [...events].sort((a, b) => a.event.occurredAt - b.event.occurredAt);
  const groups = new Map<string, Group>();
  const erasures: ContactErasure[] = [];
  for (const { portalId, event } of ordered) {
    const effect = effectOf(event);
    if (effect.kind === 'erase-contact') {
      erasures.push({ portalId, contactId: effect.contactId, eventId: event.eventId });
      continue;
    }
    if (effect.kind !== 'refresh') continue;
    const key = `${portalId}-${effect.objectType}`;
    let group = groups.get(key);
    if (!group) {
      group = { portalId, objectType: effect.objectType, eventIds: [], state: new Map() };
      groups.set(key, group);
    }
    group.eventIds.push(event.eventId);
    for (const id of effect.ids) group.state.set(id, 'refresh');
    for (const id of effect.deleted) group.state.set(id, 'deleted');
  }

  const erased = new Set(erasures.map((e) => `${e.portalId}-${e.contactId}`));
  const refetches: PlannedRefetch[] = [];
  for (const group of groups.values()) {
    const objectIds: string[] = [];
    const deleted: string[] = [];
    for (const [id, state] of group.state) {
      if (group.objectType === 'contacts' && erased.has(`${group.portalId}-${id}`)) continue;
      (state === 'deleted' ? deleted : objectIds).push(id);
    }
    const digest = createHash('sha256')
      .update([...group.eventIds].sort().join(','))
      .digest('hex')
      .slice(0, 24);
    const chunks = Math.ceil(Math.max(objectIds.length, deleted.length) / REFETCH_MAX_IDS);
    for (let i = 0; i < chunks; i += 1) {
      const range = (ids: string[]) => ids.slice(i * REFETCH_MAX_IDS, (i + 1) * REFETCH_MAX_IDS);
      const gone = range(deleted);
      refetches.push({
        jobId: `${REFETCH_JOB}-${group.portalId}-${group.objectType}-${digest}-${i}`,
        data: {
          portalId: group.portalId,
          objectType: group.objectType,
          objectIds: range(objectIds),
          ...(gone.length > 0 ? { deleted: gone } : {}),
        },
      });
    }
  }
  return { refetches, erasures };
}

/** Adds the jobs in one round trip; a job whose id is already queued (or kept after running) is skipped. */
export async function enqueueRefetches(queues: Queues, refetches: PlannedRefetch[]): Promise<void> {
  if (refetches.length === 0) return;
  await queues.get('sync').addBulk(
    refetches.map(({ jobId, data }) => ({
      name: REFETCH_JOB,
      data: refetchJobSchema.parse(data),
      opts: { jobId },
    })),
  );
}
