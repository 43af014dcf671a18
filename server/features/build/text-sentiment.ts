import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { compoundScores } from '../sentiment/index.js';

export interface SentimentScoring {
  tickets: number;
  emails: number;
  feedback: number;
}

const DEFAULT_BATCH = 1000;

/** A row as the sync is about to store it: its columns by name. */
type StoredRow = Readonly<Record<string, unknown>>;

const textColumn = (row: StoredRow, column: string): string | null => {
  const value = row[column];
  return typeof value === 'string' ? value : null;
};

/**
 * The customer's own words in each table: what is scored and which rows have any, in SQL for rows
 * stored, and the same read from a row the sync is about to store (`textOf`, null when it has none).
 */
const SOURCES = {
  tickets: {
    text: sql<string>`concat_ws('. ', subject, content)`,
    has: sql<boolean>`(subject is not null or content is not null)`,
    textOf: (row: StoredRow): string | null => {
      const parts = [textColumn(row, 'subject'), textColumn(row, 'content')].filter((t) => t !== null);
      return parts.length === 0 ? null : parts.join('. ');
    },
  },
  emails: {
    text: sql<string>`coalesce(body, subject)`,
    has: sql<boolean>`direction = 'INCOMING_EMAIL' and (body is not null or subject is not null)`,
    textOf: (row: StoredRow): string | null =>
      row.direction === 'INCOMING_EMAIL' ? (textColumn(row, 'body') ?? textColumn(row, 'subject')) : null,
  },
  feedback: {
    text: sql<string>`comment`,
    has: sql<boolean>`comment is not null`,
    textOf: (row: StoredRow): string | null => textColumn(row, 'comment'),
  },
} as const;

/** A table whose rows hold customer text. */
export type TextTable = keyof typeof SOURCES;

export function isTextTable(table: string): table is TextTable {
  return Object.hasOwn(SOURCES, table);
}

/**
 * Scores every not yet scored customer text of a portal (ticket text, inbound emails, survey
 * comments) and stores the compound score beside it, a batch at a time, so features aggregate
 * tone in SQL and each text is scored once. Returns how many rows of each table were scored.
 * The sync scores each page as it stores it (`sentimentOfRows`), so this finds little left.
 */
export async function ensureTextSentiment(
  db: Kysely<Database>,
  portalId: number,
  batchSize = DEFAULT_BATCH,
): Promise<SentimentScoring> {
  const scored: SentimentScoring = { tickets: 0, emails: 0, feedback: 0 };
  for (const table of ['tickets', 'emails', 'feedback'] as const) {
    for (;;) {
      const done = await scoreUnscored(db, portalId, table, batchSize);
      scored[table] += done;
      if (done < batchSize) break;
    }
  }
  return scored;
}

/**
 * The sentiment each row will have once stored, scored from the text the row carries (the same
 * text the SQL above reads back): a sync page is scored before it is written, so its rows are
 * stored once, with their score. Null for a row without customer text.
 */
export async function sentimentOfRows(
  table: TextTable,
  rows: readonly StoredRow[],
): Promise<(number | null)[]> {
  const texts = rows.map(SOURCES[table].textOf);
  const scores = await compoundScores(texts.filter((t) => t !== null));
  let next = 0;
  return texts.map((t) => (t === null ? null : scores[next++]!));
}

/** Stores the given scores by row id (rows whose text changed since they were scored). */
export async function storeSentiments(
  db: Kysely<Database>,
  portalId: number,
  table: TextTable,
  scores: ReadonlyMap<string, number>,
): Promise<void> {
  if (scores.size === 0) return;
  const values = sql.join([...scores].map(([id, score]) => sql`(${id}, ${score})`));
  await sql`
    update ${sql.table(table)} as t set sentiment = v.score::double precision
    from (values ${values}) as v(id, score)
    where t.portal_id = ${portalId} and t.id = v.id`.execute(db);
}

/**
 * The first `limit` texts of a table not scored yet, in id order. Its conditions are those of the
 * table's `<table>_unscored` partial index (migration 0024), which holds only such rows: the sync
 * stores texts scored, so this reads a handful of index entries, not every email stored.
 */
export function unscoredTexts(portalId: number, table: TextTable, limit: number) {
  const source = SOURCES[table];
  return sql<{ id: string; text: string }>`
    select id, ${source.text} as text from ${sql.table(table)}
    where portal_id = ${portalId} and sentiment is null and ${source.has}
    order by id limit ${limit}`;
}

async function scoreUnscored(
  db: Kysely<Database>,
  portalId: number,
  table: TextTable,
  limit: number,
): Promise<number> {
  const { rows } = await unscoredTexts(portalId, table, limit).execute(db);
  if (rows.length === 0) return 0;
  const scores = await compoundScores(rows.map((r) => r.text));
  await storeSentiments(db, portalId, table, new Map(rows.map((r, i) => [r.id, scores[i]!])));
  return rows.length;
}
