import { sql, type Kysely } from 'kysely';

/**
 * A billing system's CSV of offer redemptions, read into staged rows as it arrives and applied by a
 * worker in batches, so a large file neither holds the request nor the database. Each staged row
 * keeps its outcome: a rerun of the job after a crash skips what was applied and counts nothing
 * twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('redemption_imports')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('portal_id', 'integer', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('receiving', 'queued', 'running', 'succeeded', 'failed')`),
    )
    .addColumn('rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('redemption_imports_portal_idx')
    .on('redemption_imports')
    .columns(['portal_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('redemption_import_rows')
    .addColumn('portal_id', 'integer', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('import_id', 'integer', (c) =>
      c.notNull().references('redemption_imports.id').onDelete('cascade'),
    )
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('redeemed_at', 'timestamptz')
    .addColumn('value', 'double precision')
    .addColumn('status', 'text', (c) =>
      c.check(
        sql`status in ('redeemed', 'already_redeemed', 'expired', 'unknown_code', 'date_out_of_range')`,
      ),
    )
    .addColumn('message', 'text')
    .addPrimaryKeyConstraint('redemption_import_rows_pk', ['import_id', 'line'])
    .execute();
}
