import type { Kysely } from 'kysely';

/**
 * Sentiment of customer text, scored once per row and kept beside it, so that features aggregate it
 * in SQL instead of scoring every text again at every build. Null means "not scored yet".
 */
const TABLES = ['tickets', 'emails', 'feedback'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await db.schema.alterTable(table).addColumn('sentiment', 'double precision').execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await db.schema.alterTable(table).dropColumn('sentiment').execute();
  }
}
