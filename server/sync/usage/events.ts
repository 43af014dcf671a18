import { z } from 'zod';
import { storableString } from '../../storable-text.js';

/**
 * A batch of product usage events, as the customer's product sends it to
 * `POST /api/v1/usage-events`: `{ "events": [ … ] }`, at most 1,000 per request.
 */

export const USAGE_BATCH_MAX = 1000;

const contactRef = z.union(
  [
    z.strictObject({
      // The contact's id in its CRM: HubSpot's digits, Salesforce's 15 or 18 characters.
      id: z.union([z.string().regex(/^[A-Za-z0-9]{1,40}$/), z.number().int().positive()]).transform(String),
    }),
    z.strictObject({ email: z.email().transform((email) => email.toLowerCase()) }),
  ],
  { error: 'contact must be {"id": "<CRM contact id>"} or {"email": "<address>"}' },
);

const propertyValue = z.union([storableString().max(1000), z.number(), z.boolean(), z.null()]);

export const usageEventSchema = z.object({
  eventId: storableString().min(1).max(200),
  contact: contactRef,
  occurredAt: z.iso.datetime({ offset: true, error: 'occurredAt must be an ISO 8601 date-time' }),
  name: storableString().trim().min(1).max(200),
  durationSeconds: z
    .number()
    .nonnegative()
    .max(7 * 24 * 3600)
    .optional(),
  properties: z
    .record(storableString().max(100), propertyValue)
    .refine((value) => Object.keys(value).length <= 50, 'at most 50 properties')
    .optional(),
});
export type UsageEvent = z.infer<typeof usageEventSchema>;

export const usageBatchSchema = z.object({
  events: z
    .array(usageEventSchema)
    .min(1, 'a batch holds at least one event')
    .max(USAGE_BATCH_MAX, `a batch holds at most ${USAGE_BATCH_MAX.toLocaleString('en-US')} events`),
});
export type UsageBatch = z.infer<typeof usageBatchSchema>;

/** Sessions are counted as sessions; every other name is the use of a feature by that name. */
export function usageKind(name: string): { type: 'session' | 'feature_use'; feature: string | null } {
  return name.toLowerCase() === 'session'
    ? { type: 'session', feature: null }
    : { type: 'feature_use', feature: name };
}
