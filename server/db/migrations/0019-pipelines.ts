import { sql, type Kysely } from 'kysely';

/**
 * `pipeline_stages`: each portal's deal and ticket pipelines, one row per stage, read whole at
 * each sync. What a stage means for its records (`is_closed`; for deals `is_won`) is decided from
 * the CRM's stage metadata, kept as sent in `metadata`; a portal's custom pipelines have their own
 * stage ids, so a ticket's closed state and a deal's won state come from here, not from fixed ids.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pipeline_stages')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('pipeline_id', 'text', (c) => c.notNull())
    .addColumn('pipeline_label', 'text', (c) => c.notNull())
    .addColumn('pipeline_order', 'integer', (c) => c.notNull())
    .addColumn('stage_id', 'text', (c) => c.notNull())
    .addColumn('stage_label', 'text', (c) => c.notNull())
    .addColumn('stage_order', 'integer', (c) => c.notNull())
    .addColumn('is_closed', 'boolean', (c) => c.notNull())
    .addColumn('is_won', 'boolean')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pipeline_stages_pkey', ['portal_id', 'object_type', 'pipeline_id', 'stage_id'])
    .addCheckConstraint('pipeline_stages_object_type', sql`object_type in ('deals', 'tickets')`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('pipeline_stages').ifExists().execute();
}
