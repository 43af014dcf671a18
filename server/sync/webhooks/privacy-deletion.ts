import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { json } from '../../db/json.js';
import type { ContactErasure } from './refetch-plan.js';

export interface ErasureReport {
  contacts: number;
  /** Emails, tickets and feedback of this contact alone: their texts are the contact's words. */
  texts: number;
  scores: number;
  usageEvents: number;
  associations: number;
  retentionActions: number;
  /** Advisors' marks and score feedback about the contact, and its status and write-back state. */
  notes: number;
  webhookEvents: number;
}

/** The warehouse tables of the records a contact's texts live in, by association type. */
const TEXT_TABLES = [
  ['emails', 'emails'],
  ['tickets', 'tickets'],
  ['feedback_submissions', 'feedback'],
] as const;

/**
 * A GDPR deletion in the CRM: everything we hold about the contact goes at once, in one
 * transaction, and the audit log says what was removed (counts only, nothing personal). Only the
 * weekly score totals keep the contact, as one count among others. The privacy-deletion event's
 * own row stays: it is what keeps a replay from running this again.
 */
export async function eraseContact(db: Kysely<Database>, erasure: ContactErasure): Promise<ErasureReport> {
  const { portalId, contactId, eventId } = erasure;
  return db.transaction().execute(async (trx) => {
    const contact = await trx
      .selectFrom('contacts')
      .select('email')
      .where('portal_id', '=', portalId)
      .where('id', '=', contactId)
      .executeTakeFirst();
    const email = contact?.email?.toLowerCase();

    const count = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);
    let texts = 0;
    for (const [type, table] of TEXT_TABLES) {
      const removed = await sql`
        delete from ${sql.table(table)} t
        where t.portal_id = ${portalId}
          and t.id in (
            select a.to_id from associations a
            where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.from_id = ${contactId}
              and a.to_type = ${type}
          )
          and not exists (
            select 1 from associations o
            where o.portal_id = ${portalId} and o.from_type = 'contacts' and o.from_id <> ${contactId}
              and o.to_type = ${type} and o.to_id = t.id
          )`.execute(trx);
      texts += Number(removed.numAffectedRows ?? 0n);
    }
    let notes = 0;
    for (const table of ['score_feedback', 'contact_outcomes', 'customer_status'] as const) {
      notes += count(
        await trx
          .deleteFrom(table)
          .where('portal_id', '=', portalId)
          .where('contact_id', '=', contactId)
          .executeTakeFirst(),
      );
    }
    notes += count(
      await trx
        .deleteFrom('crm_writebacks')
        .where('portal_id', '=', portalId)
        .where('object_type', '=', 'contacts')
        .where('record_id', '=', contactId)
        .executeTakeFirst(),
    );
    const report: ErasureReport = {
      texts,
      notes,
      contacts: count(
        await trx
          .deleteFrom('contacts')
          .where('portal_id', '=', portalId)
          .where('id', '=', contactId)
          .executeTakeFirst(),
      ),
      scores: count(
        await trx
          .deleteFrom('scores')
          .where('portal_id', '=', portalId)
          .where('contact_id', '=', contactId)
          .executeTakeFirst(),
      ),
      usageEvents: count(
        await trx
          .deleteFrom('usage_events')
          .where('portal_id', '=', portalId)
          .where((eb) =>
            email
              ? eb.or([eb('contact_id', '=', contactId), eb('contact_email', '=', email)])
              : eb('contact_id', '=', contactId),
          )
          .executeTakeFirst(),
      ),
      associations: count(
        await trx
          .deleteFrom('associations')
          .where('portal_id', '=', portalId)
          .where((eb) =>
            eb.or([
              eb.and([eb('from_type', '=', 'contacts'), eb('from_id', '=', contactId)]),
              eb.and([eb('to_type', '=', 'contacts'), eb('to_id', '=', contactId)]),
            ]),
          )
          .executeTakeFirst(),
      ),
      retentionActions: count(
        await trx
          .deleteFrom('retention_actions')
          .where('portal_id', '=', portalId)
          .where('contact_id', '=', contactId)
          .executeTakeFirst(),
      ),
      // Earlier events about the contact may carry its property values (an email, a name).
      webhookEvents: count(
        await trx
          .deleteFrom('webhook_events')
          .where('portal_id', '=', portalId)
          .where('object_id', '=', contactId)
          .where('event_id', '!=', eventId ?? '')
          .where((eb) =>
            eb.or([
              eb('subscription_type', 'like', 'contact.%'),
              eb.and([
                eb('subscription_type', 'like', 'object.%'),
                eb(sql<string>`payload->>'objectTypeId'`, '=', '0-1'),
              ]),
            ]),
          )
          .executeTakeFirst(),
      ),
    };
    await trx
      .insertInto('audit_log')
      .values({
        portal_id: portalId,
        actor: 'crm',
        action: 'contact.privacy_deleted',
        details: json({ contactId, eventId: eventId ?? null, deleted: report }),
      })
      .execute();
    return report;
  });
}
