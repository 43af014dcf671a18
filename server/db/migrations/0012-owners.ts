import { sql, type Kysely } from 'kysely';

/**
 * `owners`: the people the CRM assigns records to (HubSpot's owners, Salesforce's active users),
 * read whole at each sync. `user_id` is the CRM user a dashboard sign-in names, so the signed-in
 * user finds their own accounts ("My accounts"); contacts name their owner in `owner_id`, which
 * the list filters on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('owners')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('user_id', 'text')
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('owners_pkey', ['portal_id', 'id'])
    .execute();
  await db.schema.createIndex('owners_user').on('owners').columns(['portal_id', 'user_id']).execute();
  await db.schema.createIndex('contacts_owner').on('contacts').columns(['portal_id', 'owner_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('contacts_owner').ifExists().execute();
  await db.schema.dropTable('owners').ifExists().execute();
}
