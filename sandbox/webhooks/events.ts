/**
 * Turns a store change into the webhook events one app's subscriptions ask for, in HubSpot's
 * payload shape. Pure: ids come from the caller, so the dispatcher owns their ordering.
 */
import type { RecordChange } from '../store.js';
import { OBJECT_TYPE_IDS } from '../http/object-types.js';
import { LEGACY_EVENT_PREFIX, type WebhookSubscription } from './subscriptions.js';

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  objectTypeId?: string;
  propertyName?: string;
  propertyValue?: string;
  changeSource: 'CRM' | 'INTEGRATION';
  sourceId?: string;
  changeFlag?: 'NEW' | 'DELETED' | 'RESTORED';
  /** Merge events: the record kept, the records folded into it, and the id the result has. */
  primaryObjectId?: number;
  mergedObjectIds?: number[];
  newObjectId?: number;
}

const CHANGE_FLAGS: Partial<Record<RecordChange['kind'], WebhookEvent['changeFlag']>> = {
  creation: 'NEW',
  deletion: 'DELETED',
  restore: 'RESTORED',
};

/** Which subscriptions a change of this kind on this object type could match. */
function matches(subscription: WebhookSubscription, change: RecordChange): boolean {
  if (!subscription.active) return false;
  const [prefix, action] = subscription.eventType.split('.') as [string, string];
  if (action !== change.kind) return false;
  if (prefix === 'object') return subscription.objectTypeId === OBJECT_TYPE_IDS[change.objectType];
  return prefix === LEGACY_EVENT_PREFIX[change.objectType];
}

export function eventsForChange(
  change: RecordChange,
  appId: number,
  subscriptions: WebhookSubscription[],
  nextEventId: () => number,
): WebhookEvent[] {
  // The store records the writing app's id as the source of an API write; HubSpot reports
  // those as INTEGRATION changes and everything else (UI, imports, the sandbox) as CRM.
  const fromIntegration = change.source !== 'CRM';
  const events: WebhookEvent[] = [];
  for (const subscription of subscriptions) {
    if (!matches(subscription, change)) continue;
    const name = subscription.propertyName;
    if (change.kind === 'propertyChange' && (name === undefined || !(name in change.changed))) continue;
    events.push({
      eventId: nextEventId(),
      subscriptionId: subscription.id,
      portalId: change.portalId,
      appId,
      occurredAt: change.occurredAt.getTime(),
      subscriptionType: subscription.eventType,
      attemptNumber: 0,
      objectId: Number(change.objectId),
      ...(subscription.eventType.startsWith('object.')
        ? { objectTypeId: OBJECT_TYPE_IDS[change.objectType] }
        : {}),
      ...(change.kind === 'propertyChange' && name !== undefined
        ? { propertyName: name, propertyValue: change.changed[name] ?? '' }
        : {}),
      changeSource: fromIntegration ? 'INTEGRATION' : 'CRM',
      ...(fromIntegration ? { sourceId: change.source } : {}),
      ...(CHANGE_FLAGS[change.kind] ? { changeFlag: CHANGE_FLAGS[change.kind] } : {}),
      ...(change.merge
        ? {
            primaryObjectId: Number(change.merge.primaryObjectId),
            mergedObjectIds: change.merge.mergedObjectIds.map(Number),
            newObjectId: Number(change.merge.newObjectId),
          }
        : {}),
    });
  }
  return events;
}
