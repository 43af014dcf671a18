import { sql, type Kysely } from 'kysely';

/**
 * Who is a customer:
 * - `contacts.property_history`: the CRM's history of the properties the churn rule reads (the
 *   lifecycle stage, a churn flag), oldest first, so a churn date and a return come from the CRM's
 *   own record of when a value changed.
 * - `customer_status`: each contact's status (prospect, active or churned, with when and what
 *   showed it) as of the portal's last scoring run or rescoring. Only active customers keep a
 *   current score, so every list, count and tier reads active customers alone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contacts').addColumn('property_history', 'jsonb').execute();
  await db.schema
    .createTable('customer_status')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('prospect', 'active', 'churned')`))
    .addColumn('since', 'timestamptz')
    .addColumn('left_at', 'timestamptz')
    .addColumn('evidence', 'jsonb')
    .addColumn('as_of', 'timestamptz', (c) => c.notNull())
    .addColumn('run_id', 'bigint')
    .addPrimaryKeyConstraint('customer_status_pkey', ['portal_id', 'contact_id'])
    .execute();
  await sql`create index customer_status_lost on customer_status (portal_id, status, left_at desc)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('customer_status').ifExists().execute();
  await db.schema.alterTable('contacts').dropColumn('property_history').execute();
}
