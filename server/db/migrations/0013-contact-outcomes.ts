import { sql, type Kysely } from 'kysely';

/**
 * An advisor's own word on a contact at risk, from the dashboard's contact view: `saved` (kept
 * after outreach), `lost` (known to be leaving) or `snoozed` (off the at-risk list `until` then).
 * A mark is undone by dating `undone_at`, never deleted, so the retention report and the audit can
 * tell what was believed when. The view sends a key with each click, so a retried request stores
 * one row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contact_outcomes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('saved', 'lost', 'snoozed')`))
    .addColumn('note', 'text')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('request_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('until', 'timestamptz')
    .addColumn('undone_at', 'timestamptz')
    .addColumn('undone_by', 'text')
    .addUniqueConstraint('contact_outcomes_request', ['portal_id', 'request_key'])
    .addCheckConstraint('contact_outcomes_snooze_until', sql`(outcome = 'snoozed') = (until is not null)`)
    .execute();
  // The view's latest mark and the at-risk list's snooze check both read a contact's newest rows.
  await db.schema
    .createIndex('contact_outcomes_contact')
    .on('contact_outcomes')
    .columns(['portal_id', 'contact_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('contact_outcomes').ifExists().execute();
}
