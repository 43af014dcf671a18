/**
 * A statement run through a session-level prepared statement: PREPARE once per database session
 * (PGlite's one session, or each pooled PostgreSQL connection), then EXECUTE. For a statement run
 * with every request whose planning costs more than running it: the risk card's, whose renewal
 * subqueries take the planner about a millisecond, against a few tenths for the index lookups.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';

/** `invalid_sql_statement_name`: no prepared statement of that name in this session. */
const NOT_PREPARED = '26000';
/** `duplicate_prepared_statement` */
const ALREADY_PREPARED = '42P05';

/**
 * EXECUTE takes no bind parameters, so the values go in as literals: only plain values that
 * quote safely under any `standard_conforming_strings` (no backslash, no NUL) take this path.
 */
function quotesSafely(value: unknown): boolean {
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (value instanceof Date) return Number.isFinite(value.getTime());
  return typeof value === 'string' && !/[\\\0]/.test(value);
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: unknown } | null)?.code as string | undefined;
}

/**
 * Runs `query` as a prepared statement named `label` plus a hash of its text (so a changed text is
 * a new statement). Falls back to running it as it is inside a transaction (a failed EXECUTE would
 * abort it), for values that cannot be written as literals, and on a connection pooler that does
 * not keep sessions.
 */
export async function executePrepared<DB, R>(
  db: Kysely<DB>,
  label: string,
  query: RawBuilder<R>,
): Promise<R[]> {
  const compiled = query.compile(db);
  if (db.isTransaction || !compiled.parameters.every(quotesSafely)) return (await query.execute(db)).rows;
  const name = `${label}_${createHash('sha1').update(compiled.sql).digest('hex').slice(0, 12)}`;
  const values = compiled.parameters.map((value) => sql.lit(value));
  const execute = sql<R>`execute ${sql.raw(name)}${values.length > 0 ? sql`(${sql.join(values)})` : sql``}`;
  return db.connection().execute(async (session) => {
    try {
      return (await execute.execute(session)).rows;
    } catch (error) {
      if (errorCode(error) !== NOT_PREPARED) throw error;
    }
    try {
      await sql`prepare ${sql.raw(name)} as ${sql.raw(compiled.sql)}`.execute(session);
    } catch (error) {
      if (errorCode(error) !== ALREADY_PREPARED) throw error;
    }
    try {
      return (await execute.execute(session)).rows;
    } catch (error) {
      if (errorCode(error) !== NOT_PREPARED) throw error;
      return (await query.execute(session)).rows;
    }
  });
}
