import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { scoreSentiments } from '../sentiment/index.js';

export interface SentimentScoring {
  tickets: number;
  emails: number;
  feedback: number;
}

const DEFAULT_BATCH = 1000;

/** The customer's own words in each table: what is scored and which rows have any. */
const SOURCES = {
  tickets: {
    text: sql<string>`concat_ws('. ', subject, content)`,
    has: sql<boolean>`(subject is not null or content is not null)`,
  },
  emails: {
    text: sql<string>`coalesce(body, subject)`,
    has: sql<boolean>`direction = 'INCOMING_EMAIL' and (body is not null or subject is not null)`,
  },
  feedback: { text: sql<string>`comment`, has: sql<boolean>`comment is not null` },
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
 * The sync scores each page as it stores it (`scoreStoredTexts`), so this finds little left.
 */
export async function ensureTextSentiment(
  db: Kysely<Database>,
  portalId: number,
  batchSize = DEFAULT_BATCH,
): Promise<SentimentScoring> {
  const scored: SentimentScoring = { tickets: 0, emails: 0, feedback: 0 };
  for (const table of ['tickets', 'emails', 'feedback'] as const) {
    for (;;) {
      const done = await scoreUnscored(db, portalId, table, sql`true`, batchSize);
      scored[table] += done;
      if (done < batchSize) break;
    }
  }
  return scored;
}

/**
 * Scores the texts among the given rows that have no score yet: a sync page as it is stored, in
 * the page's transaction, while the sync waits on the CRM's rate limit anyway.
 */
export async function scoreStoredTexts(
  db: Kysely<Database>,
  portalId: number,
  table: TextTable,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  return scoreUnscored(db, portalId, table, sql`id in (${sql.join(ids)})`, ids.length);
}

async function scoreUnscored(
  db: Kysely<Database>,
  portalId: number,
  table: TextTable,
  which: ReturnType<typeof sql<boolean>>,
  limit: number,
): Promise<number> {
  const source = SOURCES[table];
  const { rows } = await sql<{ id: string; text: string }>`
    select id, ${source.text} as text from ${sql.table(table)}
    where portal_id = ${portalId} and sentiment is null and ${source.has} and ${which}
    order by id limit ${limit}`.execute(db);
  if (rows.length === 0) return 0;
  const scores = scoreSentiments(rows.map((r) => r.text));
  const values = sql.join(rows.map((r, i) => sql`(${r.id}, ${scores[i]!.compound})`));
  await sql`
    update ${sql.table(table)} as t set sentiment = v.score::double precision
    from (values ${values}) as v(id, score)
    where t.portal_id = ${portalId} and t.id = v.id`.execute(db);
  return rows.length;
}
