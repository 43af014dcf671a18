import { sql, type Kysely } from 'kysely';

/**
 * Each portal's latest data-quality and exploratory report, computed by a worker after each
 * scoring cycle (and on request), so the dashboard shows them at once with their age. An `error`
 * row keeps why a report could not be made (a portal with no churn history to explore).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('portal_reports')
    .addColumn('portal_id', 'integer', (c) => c.notNull().references('portals.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('quality', 'explore')`))
    .addColumn('data_version', 'text', (c) => c.notNull())
    .addColumn('report', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('portal_reports_pk', ['portal_id', 'kind'])
    .execute();
}
