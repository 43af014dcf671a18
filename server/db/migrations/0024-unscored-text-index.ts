import { sql, type Kysely } from 'kysely';

/**
 * Each text table's rows whose customer text is not scored yet, in a partial index. The sync stores
 * texts with their score, so the index holds few rows: texts a sync rewrote (their score reset by
 * 0003's trigger) and any stored without one. Looking for them before training, scoring and
 * reports then reads those entries instead of every row of the table (all of a portal's emails).
 * The conditions are those `unscoredTexts` (features/build/text-sentiment.ts) asks with.
 */
const UNSCORED = {
  tickets: sql`sentiment is null and (subject is not null or content is not null)`,
  emails: sql`sentiment is null and direction = 'INCOMING_EMAIL' and (body is not null or subject is not null)`,
  feedback: sql`sentiment is null and comment is not null`,
} as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, condition] of Object.entries(UNSCORED)) {
    await sql`create index ${sql.raw(`${table}_unscored`)} on ${sql.table(table)} (portal_id, id)
      where ${condition}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of Object.keys(UNSCORED)) {
    await sql`drop index if exists ${sql.raw(`${table}_unscored`)}`.execute(db);
  }
}
