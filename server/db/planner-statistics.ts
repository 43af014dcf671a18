/**
 * Planner statistics after a bulk change. PostgreSQL's autovacuum analyses a table some time after
 * it changed; PGlite has no autovacuum at all, so without this a freshly synced warehouse is planned
 * as if every table held one row, and a join over associations that takes milliseconds with
 * statistics takes minutes (nested loops over every association of a type, once per contact).
 * `ANALYZE` samples each table (30,000 rows at most), blocks no reader or writer, and is cheap
 * next to the load it follows.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The tables a sync fills. */
export const SYNCED_TABLES = [
  'contacts',
  'companies',
  'deals',
  'tickets',
  'emails',
  'feedback',
  'associations',
  'usage_events',
  'customer_status',
  'owners',
] as const satisfies readonly (keyof Database)[];

/** The tables a scoring run fills. */
export const SCORED_TABLES = [
  'scores',
  'current_scores',
  'customer_status',
] as const satisfies readonly (keyof Database)[];

export async function refreshPlannerStatistics(
  db: Kysely<Database>,
  tables: readonly (keyof Database)[],
): Promise<void> {
  await sql`analyze ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
}
