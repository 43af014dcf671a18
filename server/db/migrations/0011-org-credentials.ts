import { sql, type Kysely } from 'kysely';

/**
 * The secret with which a CRM install's own code (Salesforce's package Apex) authenticates its
 * calls to this server: only its SHA-256 is kept. `rotating` while a new secret is being set in
 * the CRM, `awaiting_package` until the package holding the credential is installed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('org_credentials')
    .addColumn('portal_id', 'integer', (c) => c.primaryKey().references('portals.id').onDelete('cascade'))
    .addColumn('secret_sha256', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('set', 'rotating', 'awaiting_package', 'failed')`),
    )
    .addColumn('detail', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
