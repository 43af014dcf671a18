/**
 * What a later cycle changed in the CRM's score fields: the records it rewrote (their "updated
 * at" field moved) and the records whose score, tier, reasons or model differ. A cycle's as-of is
 * its hour, so one that starts in a later hour than the last may move a few scores by a decimal;
 * it must rewrite exactly those and nothing it already wrote.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.js';

export type ScoreFieldsById = Map<string, Record<string, unknown>>;

export function rewritesBetween(
  before: ScoreFieldsById,
  after: ScoreFieldsById,
  updatedAtField: string,
): { rewritten: string[]; changed: string[] } {
  const rewritten: string[] = [];
  const changed: string[] = [];
  for (const [id, now] of after) {
    const then = before.get(id) ?? {};
    if ((then[updatedAtField] ?? null) !== (now[updatedAtField] ?? null)) rewritten.push(id);
    const fields = new Set([...Object.keys(then), ...Object.keys(now)]);
    fields.delete(updatedAtField);
    if ([...fields].some((f) => (then[f] ?? null) !== (now[f] ?? null))) changed.push(id);
  }
  return { rewritten: rewritten.sort(), changed: changed.sort() };
}

/** Whether the portal's last run has the as-of (an hour) of its first. */
export async function lastRunInFirstRunsHour(db: Kysely<Database>, portalId: number): Promise<boolean> {
  const runs = await db
    .selectFrom('scoring_runs')
    .select('as_of')
    .where('portal_id', '=', portalId)
    .orderBy('id')
    .execute();
  return runs[0]!.as_of!.getTime() === runs.at(-1)!.as_of!.getTime();
}

/** The first run of `trigger` after run `afterRunId`: the one a request made then started. */
export async function firstRunAfter(
  db: Kysely<Database>,
  portalId: number,
  afterRunId: number,
  trigger: string,
): Promise<{ id: number; status: string; summary: { scored?: number } } | undefined> {
  return db
    .selectFrom('scoring_runs')
    .select(['id', 'status', 'summary'])
    .where('portal_id', '=', portalId)
    .where('trigger', '=', trigger)
    .where('id', '>', afterRunId)
    .orderBy('id')
    .executeTakeFirst();
}

/** The tier each of these contacts' current score holds: what the CRM must show for them. */
export async function storedTiers(
  db: Kysely<Database>,
  portalId: number,
  contactIds: readonly string[],
): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('current_scores')
    .select(['contact_id', 'tier'])
    .where('portal_id', '=', portalId)
    .where('contact_id', 'in', contactIds)
    .execute();
  return new Map(rows.map((row) => [row.contact_id, row.tier]));
}
