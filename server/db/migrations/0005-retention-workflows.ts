import { sql, type Kysely } from 'kysely';

/**
 * Retention actions and what they hand out: offer codes with their terms (and redemption), the
 * personal survey links of feedback requests, and the loyalty ledger. Each row belongs to the
 * retention action that created it, so a replayed action finds what it made the first time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // `workflow` actions complete a CRM callback; `manual` ones (the risk card's buttons) do not.
  await db.schema
    .alterTable('retention_actions')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('workflow'))
    .execute();
  await db.schema
    .createIndex('retention_actions_campaign')
    .on('retention_actions')
    .columns(['portal_id', 'campaign_id', 'action'])
    .execute();

  await db.schema
    .createTable('retention_offers')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('retention_action_id', 'bigint', (c) =>
      c.notNull().unique().references('retention_actions.id').onDelete('cascade'),
    )
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('offer_type', 'text', (c) => c.notNull())
    .addColumn('discount_percent', 'double precision')
    .addColumn('validity_days', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('redeemed_at', 'timestamptz')
    .addColumn('redeemed_value', 'double precision')
    .execute();

  await db.schema
    .createTable('survey_requests')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('retention_action_id', 'bigint', (c) =>
      c.references('retention_actions.id').onDelete('cascade'),
    )
    .addColumn('contact_id', 'text', (c) => c.notNull())
    // Only a hash of the link's token is kept: the database alone cannot answer for a customer.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('answered_at', 'timestamptz')
    .addColumn('feedback_id', 'text')
    .execute();

  await db.schema
    .createTable('loyalty_ledger')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('retention_action_id', 'bigint', (c) =>
      c.notNull().unique().references('retention_actions.id').onDelete('cascade'),
    )
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('awarded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('loyalty_ledger_contact')
    .on('loyalty_ledger')
    .columns(['portal_id', 'contact_id', 'awarded_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['loyalty_ledger', 'survey_requests', 'retention_offers']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await db.schema.dropIndex('retention_actions_campaign').ifExists().execute();
  await db.schema.alterTable('retention_actions').dropColumn('source').execute();
}
