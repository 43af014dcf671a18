/**
 * What a batch of webhook events asks for: records to re-read (refetches, queued for the sync
 * worker), and contacts to erase for privacy at once.
 */
import { createHash } from 'node:crypto';
import type { CrmObjectType } from '../../crm/connector.js';
import type { RecordRefetch } from '../../work-queue.js';
import { effectOf, type WebhookEvent } from './events.js';

/** HubSpot's batch read takes 100 ids, so a refetch never asks for more. */
export const REFETCH_MAX_IDS = 100;

export interface ContactErasure {
  portalId: number;
  contactId: string;
  /** The privacy-deletion event that asked for it; absent when a full sync found the contact gone. */
  eventId?: string;
}

export interface RefetchPlan {
  refetches: RecordRefetch[];
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
 * Groups events per portal and object type into refetches. Delivery order is not guaranteed, so
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
  const refetches: RecordRefetch[] = [];
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
        key: `${group.portalId}-${group.objectType}-${digest}-${i}`,
        portalId: group.portalId,
        objectType: group.objectType,
        objectIds: range(objectIds),
        ...(gone.length > 0 ? { deleted: gone } : {}),
      });
    }
  }
  return { refetches, erasures };
}
