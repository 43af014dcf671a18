import { sql, type Kysely } from 'kysely';

/**
 * Product usage intake: events may name a contact by email before that contact is in the warehouse,
 * so `contact_id` becomes optional and the email is kept for linking later; each portal gets one
 * usage API key, stored as a hash.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('usage_events')
    .alterColumn('contact_id', (c) => c.dropNotNull())
    .execute();
  await db.schema.alterTable('usage_events').addColumn('contact_email', 'text').execute();
  await db.schema
    .alterTable('usage_events')
    .addColumn('properties', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema
    .alterTable('usage_events')
    .addCheckConstraint(
      'usage_events_names_a_contact',
      sql`contact_id is not null or contact_email is not null`,
    )
    .execute();
  // Only the events still waiting for their contact are looked up by email.
  await sql`create index usage_events_pending_email on usage_events (portal_id, contact_email) where contact_id is null`.execute(
    db,
  );
  await sql`create index contacts_email_lower on contacts (portal_id, lower(email))`.execute(db);

  await db.schema
    .createTable('usage_api_keys')
    .addColumn('portal_id', 'bigint', (c) => c.primaryKey().references('portals.id').onDelete('cascade'))
    .addColumn('key_prefix', 'text', (c) => c.notNull().unique())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('rotated_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage_api_keys').ifExists().execute();
  await sql`drop index if exists contacts_email_lower`.execute(db);
  await sql`drop index if exists usage_events_pending_email`.execute(db);
  await db.schema.alterTable('usage_events').dropConstraint('usage_events_names_a_contact').execute();
  await db.schema.alterTable('usage_events').dropColumn('properties').execute();
  await db.schema.alterTable('usage_events').dropColumn('contact_email').execute();
  await sql`delete from usage_events where contact_id is null`.execute(db);
  await db.schema
    .alterTable('usage_events')
    .alterColumn('contact_id', (c) => c.setNotNull())
    .execute();
}
