import { sql, type Kysely } from 'kysely';

/**
 * Sentiment of customer text, scored once per row and kept beside it, so that features aggregate it
 * in SQL instead of scoring every text again at every build. Null means "not scored yet"; a trigger
 * sets it back to null when a sync rewrites the text, so the new text is scored in its turn.
 */
const TEXT_COLUMNS = {
  tickets: ['subject', 'content'],
  emails: ['subject', 'body'],
  feedback: ['comment'],
} as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function text_sentiment_reset() returns trigger language plpgsql as $$
    begin
      new.sentiment := null;
      return new;
    end
    $$`.execute(db);
  for (const [table, columns] of Object.entries(TEXT_COLUMNS)) {
    await db.schema.alterTable(table).addColumn('sentiment', 'double precision').execute();
    const changed = sql.join(
      columns.map((c) => sql`old.${sql.ref(c)} is distinct from new.${sql.ref(c)}`),
      sql` or `,
    );
    await sql`
      create trigger ${sql.raw(`${table}_text_changed`)}
      before update of ${sql.join(columns.map((c) => sql.ref(c)))} on ${sql.table(table)}
      for each row when (${changed}) execute function text_sentiment_reset()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of Object.keys(TEXT_COLUMNS)) {
    await sql`drop trigger if exists ${sql.raw(`${table}_text_changed`)} on ${sql.table(table)}`.execute(db);
    await db.schema.alterTable(table).dropColumn('sentiment').execute();
  }
  await sql`drop function if exists text_sentiment_reset()`.execute(db);
}
