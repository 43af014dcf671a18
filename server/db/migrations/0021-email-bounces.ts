import { sql, type Kysely } from 'kysely';

/**
 * `emails.bounced`: whether an outgoing email bounced, in neutral terms (HubSpot's
 * `hs_email_status` BOUNCED, Salesforce's `EmailMessage.IsBounced`). A contact whose emails bounce
 * has usually left the company. HubSpot's rows already stored say so in `status` and are set here;
 * Salesforce's did not read the flag and get it when the sync next writes them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('emails')
    .addColumn('bounced', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`update emails set bounced = true where upper(status) = 'BOUNCED'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('emails').dropColumn('bounced').execute();
}
