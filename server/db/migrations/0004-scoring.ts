import { sql, type Kysely } from 'kysely';

/**
 * The scoring cycle: one `scoring_runs` row per run (weekly, on demand), its chunks, the run each
 * score belongs to (a contact is scored at most once per run), what was last written to each CRM
 * record (so unchanged values are never sent again, and failed writes are retried), and the
 * distributions a model was trained on (for drift).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scoring_runs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('running'))
    .addColumn('phase', 'text', (c) => c.notNull().defaultTo('sync'))
    .addColumn('model_id', 'bigint', (c) => c.references('models.id'))
    .addColumn('as_of', 'timestamptz')
    .addColumn('chunks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('contacts_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('thresholds', 'jsonb')
    .addColumn('drift', 'jsonb')
    .addColumn('summary', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  // A cycle never runs twice at once for a portal, whichever worker starts it.
  await sql`create unique index scoring_runs_one_running on scoring_runs (portal_id) where status = 'running'`.execute(
    db,
  );
  await db.schema
    .createIndex('scoring_runs_portal_time')
    .on('scoring_runs')
    .columns(['portal_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('scoring_run_chunks')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('scoring_runs.id').onDelete('cascade'))
    .addColumn('chunk', 'integer', (c) => c.notNull())
    .addColumn('first_contact_id', 'text', (c) => c.notNull())
    .addColumn('last_contact_id', 'text', (c) => c.notNull())
    .addColumn('scored', 'integer')
    .addColumn('feature_counts', 'jsonb')
    .addColumn('scored_at', 'timestamptz')
    .addColumn('writeback_started_at', 'timestamptz')
    .addColumn('written', 'integer')
    .addColumn('write_failures', 'integer')
    .addColumn('written_at', 'timestamptz')
    .addPrimaryKeyConstraint('scoring_run_chunks_pk', ['run_id', 'chunk'])
    .execute();

  await db.schema
    .alterTable('scores')
    .addColumn('run_id', 'bigint', (c) => c.references('scoring_runs.id').onDelete('set null'))
    .execute();
  await db.schema
    .alterTable('scores')
    .addColumn('trigger', 'text', (c) => c.notNull().defaultTo('cycle'))
    .execute();
  await sql`create unique index scores_once_per_run on scores (run_id, contact_id) where run_id is not null`.execute(
    db,
  );

  await db.schema
    .createTable('crm_writebacks')
    .addColumn('portal_id', 'bigint', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('written', 'jsonb')
    .addColumn('written_at', 'timestamptz')
    .addColumn('failed_values', 'jsonb')
    .addColumn('failure', 'text')
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_at', 'timestamptz')
    .addPrimaryKeyConstraint('crm_writebacks_pk', ['portal_id', 'contact_id'])
    .execute();
  await sql`create index crm_writebacks_failed on crm_writebacks (portal_id) where failure is not null`.execute(
    db,
  );

  await db.schema.alterTable('models').addColumn('reference', 'jsonb').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('models').dropColumn('reference').execute();
  await db.schema.dropTable('crm_writebacks').execute();
  await sql`drop index if exists scores_once_per_run`.execute(db);
  await db.schema.alterTable('scores').dropColumn('trigger').execute();
  await db.schema.alterTable('scores').dropColumn('run_id').execute();
  await db.schema.dropTable('scoring_run_chunks').execute();
  await db.schema.dropTable('scoring_runs').execute();
}
