import { z } from 'zod';
import { CRM_OBJECT_TYPES, type CrmObjectType } from '../../crm/connector.js';
import { BadRequestError } from '../../errors.js';
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPath } from '../../storable-text.js';

/**
 * HubSpot's webhook payload: a JSON array of events. Ids arrive as JSON numbers; they are kept as
 * decimal strings, the form the warehouse stores CRM ids in.
 */

const numericId = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'must be a decimal id')])
  .transform(String);

const LAST_MILLISECOND = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export const webhookEventSchema = z.object({
  eventId: numericId,
  subscriptionId: z.number().int(),
  portalId: numericId,
  appId: z.number().int(),
  // Milliseconds since 1970; the store (and a Date) holds no later year than 9999 here.
  occurredAt: z
    .number()
    .int()
    .nonnegative()
    .max(LAST_MILLISECOND, 'must be a time in milliseconds before the year 10000'),
  subscriptionType: z.string().min(1),
  attemptNumber: z.number().int().nonnegative(),
  objectId: numericId.optional(),
  objectTypeId: z.string().optional(),
  propertyName: z.string().optional(),
  propertyValue: z.string().optional(),
  changeSource: z.string().optional(),
  changeFlag: z.string().optional(),
  // Merges name the surviving record and the ones folded into it.
  primaryObjectId: numericId.optional(),
  newObjectId: numericId.optional(),
  mergedObjectIds: z.array(numericId).optional(),
  // Association changes name both ends instead of one objectId.
  fromObjectId: numericId.optional(),
});
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

/** HubSpot sends up to 100 events a request; more than this is not a HubSpot batch. */
const webhookBatchSchema = z.array(webhookEventSchema).max(1000);

export interface ReceivedEvent {
  event: WebhookEvent;
  /** The event exactly as it arrived, for the record in webhook_events. */
  raw: Record<string, unknown>;
}

/** Reads a signed request's body; throws a 400 naming the first bad field. */
export function parseWebhookBatch(rawBody: Buffer): ReceivedEvent[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new BadRequestError('The webhook body is not JSON.');
  }
  const parsed = webhookBatchSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BadRequestError(
      `Invalid webhook batch: ${issue.path.join('.') || 'body'} ${issue.message}`,
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  const raw = body as Record<string, unknown>[];
  // Each event is kept as it arrived (jsonb), unknown fields included.
  const unstorable = unstorableTextPath(raw);
  if (unstorable) {
    const path = unstorable.join('.');
    throw new BadRequestError(`Invalid webhook batch: ${path} ${UNSTORABLE_TEXT_MESSAGE}`, [
      { path, message: UNSTORABLE_TEXT_MESSAGE },
    ]);
  }
  return parsed.data.map((event, index) => ({ event, raw: raw[index]! }));
}

const LEGACY_PREFIXES: Record<string, CrmObjectType> = {
  contact: 'contacts',
  company: 'companies',
  deal: 'deals',
  ticket: 'tickets',
};

const TYPE_IDS: Record<string, CrmObjectType> = {
  '0-1': 'contacts',
  '0-2': 'companies',
  '0-3': 'deals',
  '0-5': 'tickets',
  '0-49': 'emails',
  '0-19': 'feedback_submissions',
};

/** What one event asks of the warehouse. */
export type EventEffect =
  | { kind: 'refresh'; objectType: CrmObjectType; ids: string[]; deleted: string[] }
  | { kind: 'erase-contact'; contactId: string }
  | { kind: 'none' };

export function effectOf(event: WebhookEvent): EventEffect {
  const [prefix = '', action = ''] = event.subscriptionType.split('.');
  if (event.subscriptionType === 'contact.privacyDeletion') {
    return event.objectId ? { kind: 'erase-contact', contactId: event.objectId } : { kind: 'none' };
  }
  const objectType = prefix === 'object' ? TYPE_IDS[event.objectTypeId ?? ''] : LEGACY_PREFIXES[prefix];
  if (!objectType || !CRM_OBJECT_TYPES.includes(objectType)) return { kind: 'none' };

  const refresh = (ids: (string | undefined)[], deleted: string[] = []): EventEffect => {
    const kept = ids.filter((id): id is string => id !== undefined);
    return kept.length + deleted.length > 0
      ? { kind: 'refresh', objectType, ids: kept, deleted }
      : { kind: 'none' };
  };
  switch (action) {
    case 'creation':
    case 'propertyChange':
    case 'restore':
      return refresh([event.objectId]);
    case 'associationChange':
      return refresh([event.objectId ?? event.fromObjectId]);
    case 'deletion':
      return refresh([], event.objectId ? [event.objectId] : []);
    case 'merge': {
      const survivor = event.newObjectId ?? event.primaryObjectId ?? event.objectId;
      const folded = [event.primaryObjectId, ...(event.mergedObjectIds ?? [])].filter(
        (id): id is string => id !== undefined && id !== survivor,
      );
      return refresh([survivor], [...new Set(folded)]);
    }
    default:
      return { kind: 'none' };
  }
}
