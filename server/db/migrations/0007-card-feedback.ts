import { sql, type Kysely } from 'kysely';

/**
 * "This looks wrong" from the risk card: which user doubted which score, and why. The card sends a
 * key with each click, so a retried request (HubSpot retries once on a 5xx) stores one row.
 * The card's score lookups use `scores_contact_time` (0001), so no index is added for them here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('score_feedback')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('score_id', 'bigint', (c) => c.references('scores.id').onDelete('set null'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('request_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('score_feedback_request', ['portal_id', 'request_key'])
    .execute();
  await db.schema
    .createIndex('score_feedback_contact')
    .on('score_feedback')
    .columns(['portal_id', 'contact_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('score_feedback').ifExists().execute();
}
