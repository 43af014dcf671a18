import type { Kysely } from 'kysely';

/**
 * Where an install's API answers, when its CRM says so per install: Salesforce gives each org an
 * `instance_url` with its tokens (and may move an org to another instance). HubSpot's installs
 * share one API origin and leave it null.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oauth_tokens').addColumn('api_base', 'text').execute();
}
