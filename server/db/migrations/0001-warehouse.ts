import { sql, type Kysely } from 'kysely';

/** The warehouse: every table carries portal_id, and every query filters by it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('portals')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('crm', 'text', (c) => c.notNull().check(sql`crm in ('hubspot', 'salesforce')`))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('domain', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('installed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('uninstalled_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('portals_crm_external_id', ['crm', 'external_id'])
    .execute();

  await db.schema
    .createTable('oauth_tokens')
    .addColumn('portal_id', 'bigint', (c) => c.primaryKey().references('portals.id').onDelete('cascade'))
    .addColumn('access_token_enc', 'text', (c) => c.notNull())
    .addColumn('refresh_token_enc', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('scopes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('installed_by_user_id', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  const crmObject = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('properties', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn('created_at', 'timestamptz')
      .addColumn('updated_at', 'timestamptz')
      .addColumn('archived', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint(`${name}_pkey`, ['portal_id', 'id']);

  await crmObject('contacts')
    .addColumn('email', 'text')
    .addColumn('lifecycle_stage', 'text')
    .addColumn('owner_id', 'text')
    .addColumn('company_id', 'text')
    .execute();
  await crmObject('companies').addColumn('name', 'text').addColumn('domain', 'text').execute();
  await crmObject('emails')
    .addColumn('direction', 'text')
    .addColumn('status', 'text')
    .addColumn('subject', 'text')
    .addColumn('body', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('opened_at', 'timestamptz')
    .addColumn('replied_at', 'timestamptz')
    .execute();
  await crmObject('tickets')
    .addColumn('subject', 'text')
    .addColumn('content', 'text')
    .addColumn('priority', 'text')
    .addColumn('stage', 'text')
    .addColumn('is_closed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('closed_at', 'timestamptz')
    .execute();
  await crmObject('deals')
    .addColumn('name', 'text')
    .addColumn('amount', 'numeric')
    .addColumn('stage', 'text')
    .addColumn('deal_type', 'text')
    .addColumn('is_closed_won', 'boolean')
    .addColumn('is_closed_lost', 'boolean')
    .addColumn('close_date', 'timestamptz')
    .execute();
  await crmObject('feedback')
    .addColumn('survey_type', 'text')
    .addColumn('score', 'integer')
    .addColumn('comment', 'text')
    .addColumn('submitted_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('usage_events')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('feature', 'text')
    .addColumn('minutes', 'numeric', (c) => c.notNull().defaultTo(0))
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('usage_events_pkey', ['portal_id', 'event_id'])
    .execute();
  await db.schema
    .createIndex('usage_events_contact_time')
    .on('usage_events')
    .columns(['portal_id', 'contact_id', 'occurred_at'])
    .execute();

  await db.schema
    .createTable('associations')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('from_type', 'text', (c) => c.notNull())
    .addColumn('from_id', 'text', (c) => c.notNull())
    .addColumn('to_type', 'text', (c) => c.notNull())
    .addColumn('to_id', 'text', (c) => c.notNull())
    .addColumn('type_id', 'integer')
    .addPrimaryKeyConstraint('associations_pkey', ['portal_id', 'from_type', 'from_id', 'to_type', 'to_id'])
    .execute();

  await db.schema
    .createTable('sync_cursors')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('cursor', 'text')
    .addColumn('last_modified_at', 'timestamptz')
    .addColumn('full_sync_completed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('sync_cursors_pkey', ['portal_id', 'object_type'])
    .execute();

  await db.schema
    .createTable('models')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('trained'))
    .addColumn('is_starter', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('feature_spec', 'jsonb', (c) => c.notNull())
    .addColumn('params', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('metrics', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('artifact', 'jsonb')
    .addColumn('trained_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('activated_at', 'timestamptz')
    .addUniqueConstraint('models_portal_version', ['portal_id', 'version'])
    .execute();

  await db.schema
    .createTable('scores')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('model_id', 'bigint', (c) => c.notNull().references('models.id'))
    .addColumn('probability', 'double precision', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('reasons', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('scored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('scores_contact_time')
    .on('scores')
    .columns(['portal_id', 'contact_id', 'scored_at'])
    .execute();

  await db.schema
    .createTable('retention_actions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('callback_id', 'text')
    .addColumn('group', 'text', (c) => c.notNull().check(sql`"group" in ('treatment', 'control')`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('inputs', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('outputs', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('outcome', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addUniqueConstraint('retention_actions_callback', ['portal_id', 'callback_id'])
    .execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('subscription_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addPrimaryKeyConstraint('webhook_events_pkey', ['portal_id', 'event_id'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.references('portals.id').onDelete('cascade'))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_log',
    'webhook_events',
    'retention_actions',
    'scores',
    'models',
    'sync_cursors',
    'associations',
    'usage_events',
    'feedback',
    'deals',
    'tickets',
    'emails',
    'companies',
    'contacts',
    'oauth_tokens',
    'portals',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
