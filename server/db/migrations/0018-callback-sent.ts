import type { Kysely } from 'kysely';

/**
 * When a workflow action's callback completion was first sent to the CRM. HubSpot answers 404 for a
 * callback it no longer waits for, so a completion sent again (its first answer was lost, or the
 * worker died before recording it) must know it may already have landed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('retention_actions').addColumn('callback_sent_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('retention_actions').dropColumn('callback_sent_at').execute();
}
