import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { json } from '../../db/json.js';
import { usageKind, type UsageEvent } from './events.js';

export interface UsageIntakeResult {
  /** Events stored now. */
  accepted: number;
  /** Events whose eventId the portal had sent before (or that repeat within the batch). */
  duplicates: number;
  /** The contacts the stored events belong to (those already known). */
  contactIds: string[];
}

/**
 * Stores a validated batch for one portal, idempotent on eventId. A contact named by email is
 * linked now if the warehouse has it; otherwise the email is kept and `linkPendingUsageEvents`
 * links it once a sync brings the contact in. A contact named by id needs no lookup: the id is
 * the CRM's, which is what the warehouse keys contacts by, so it joins as soon as the contact lands.
 */
export async function recordUsageEvents(
  db: Kysely<Database>,
  portalId: number,
  events: UsageEvent[],
): Promise<UsageIntakeResult> {
  const emails = [...new Set(events.flatMap((e) => ('email' in e.contact ? [e.contact.email] : [])))];
  const known = await contactsByEmail(db, portalId, emails);
  const rows = events.map((event) => {
    const kind = usageKind(event.name);
    const byEmail = 'email' in event.contact ? event.contact.email : null;
    return {
      portal_id: portalId,
      event_id: event.eventId,
      contact_id: 'id' in event.contact ? event.contact.id : (known.get(byEmail!) ?? null),
      contact_email: byEmail,
      type: kind.type,
      feature: kind.feature,
      minutes: (event.durationSeconds ?? 0) / 60,
      properties: json(event.properties ?? {}),
      occurred_at: new Date(event.occurredAt),
    };
  });
  // One statement: a batch is stored whole or not at all (at most 1,000 rows, well under
  // Postgres's limit on bound parameters).
  const inserted = await db
    .insertInto('usage_events')
    .values(rows)
    .onConflict((oc) => oc.columns(['portal_id', 'event_id']).doNothing())
    .returning('contact_id')
    .execute();
  const accepted = inserted.length;
  const contactIds = [...new Set(inserted.flatMap((r) => (r.contact_id ? [r.contact_id] : [])))];
  return { accepted, duplicates: events.length - accepted, contactIds };
}

/**
 * Links the portal's waiting events to contacts that have since arrived, by email. Call it after a
 * sync; returns how many events were linked.
 */
export async function linkPendingUsageEvents(db: Kysely<Database>, portalId: number): Promise<number> {
  const result = await db
    .updateTable('usage_events')
    .from('contacts')
    .set({ contact_id: sql`contacts.id` })
    .where('usage_events.portal_id', '=', portalId)
    .where('usage_events.contact_id', 'is', null)
    .where('contacts.portal_id', '=', portalId)
    .where('contacts.archived', '=', false)
    .whereRef(sql`lower(contacts.email)`, '=', 'usage_events.contact_email')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

async function contactsByEmail(
  db: Kysely<Database>,
  portalId: number,
  emails: string[],
): Promise<Map<string, string>> {
  if (emails.length === 0) return new Map();
  const rows = await db
    .selectFrom('contacts')
    .select(['id', sql<string>`lower(email)`.as('email')])
    .where('portal_id', '=', portalId)
    .where('archived', '=', false)
    .where(sql`lower(email)`, 'in', emails)
    .execute();
  return new Map(rows.map((row) => [row.email, row.id]));
}
