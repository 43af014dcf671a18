import type { Kysely } from 'kysely';

/**
 * `owners.active`: whether the owner is still a user of the CRM. The sync keeps the owners who left
 * (HubSpot's archived owners, Salesforce's inactive users) by name, since records keep naming them
 * until someone reassigns them; rows already stored are the active owners the sync read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('owners')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('owners').dropColumn('active').execute();
}
