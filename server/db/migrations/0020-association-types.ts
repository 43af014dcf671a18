import { sql, type Kysely } from 'kysely';

/**
 * An association between two records can be of several types at once (HubSpot links a contact's
 * primary company by the primary type and by the unlabeled one): each row keeps them all in
 * `type_ids`, from its `from` record to its `to` record, and `is_primary` says whether the CRM calls
 * the link primary (a contact's primary company). A row stays one pair, so readers that join the
 * table see each pair once; `type_id` holds the primary type where there is one, else the first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('associations')
    .addColumn('type_ids', sql`integer[]`, (c) => c.notNull().defaultTo(sql`'{}'::integer[]`))
    .addColumn('is_primary', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('associations').dropColumn('is_primary').dropColumn('type_ids').execute();
}
