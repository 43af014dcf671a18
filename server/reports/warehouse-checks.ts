/**
 * Impossible values in a portal's synced tables, outside the features: things that cannot have
 * happened (a contact created in the future, a ticket closed before it was opened) and amounts or
 * scores outside what they can be. Each check counts all rows and names a few.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import type { QualityIssueKind, WarehouseCheck } from './types.js';

const EXAMPLES = 5;

interface Check {
  issue: QualityIssueKind;
  table: string;
  rule: string;
  /** The condition on rows of `table` (alias t) that breaks the rule. */
  where: (asOf: Date) => RawBuilder<unknown>;
  /** What identifies an offending row. */
  id?: RawBuilder<unknown>;
}

const CHECKS: Check[] = [
  {
    issue: 'future_date',
    table: 'contacts',
    rule: 'a creation date in the future',
    where: (asOf) => sql`t.created_at > ${asOf}`,
  },
  {
    issue: 'future_date',
    table: 'deals',
    rule: 'a closed deal with a close date in the future',
    where: (asOf) => sql`(t.is_closed_won or t.is_closed_lost) and t.close_date > ${asOf}`,
  },
  { issue: 'negative_amount', table: 'deals', rule: 'a negative amount', where: () => sql`t.amount < 0` },
  {
    issue: 'future_date',
    table: 'tickets',
    rule: 'a creation date in the future',
    where: (asOf) => sql`t.created_at > ${asOf}`,
  },
  {
    issue: 'impossible_date',
    table: 'tickets',
    rule: 'a close date before the creation date',
    where: () => sql`t.closed_at < t.created_at`,
  },
  {
    issue: 'future_date',
    table: 'emails',
    rule: 'a send date in the future',
    where: (asOf) => sql`t.sent_at > ${asOf}`,
  },
  {
    issue: 'impossible_date',
    table: 'emails',
    rule: 'an open or reply before the email was sent',
    where: () => sql`t.opened_at < t.sent_at or t.replied_at < t.sent_at`,
  },
  {
    issue: 'out_of_range',
    table: 'feedback',
    rule: 'an NPS answer outside 0–10',
    where: () => sql`upper(coalesce(t.survey_type, '')) = 'NPS' and (t.score < 0 or t.score > 10)`,
  },
  {
    issue: 'future_date',
    table: 'feedback',
    rule: 'a submission date in the future',
    where: (asOf) => sql`t.submitted_at > ${asOf}`,
  },
  {
    issue: 'out_of_range',
    table: 'usage_events',
    rule: 'negative minutes of use',
    where: () => sql`t.minutes < 0`,
    id: sql`t.event_id`,
  },
  {
    issue: 'future_date',
    table: 'usage_events',
    rule: 'an event in the future',
    where: (asOf) => sql`t.occurred_at > ${asOf}`,
    id: sql`t.event_id`,
  },
];

/** Every check, with its count (0 when the table is sound). Dates after `asOf` are in the future. */
export async function checkWarehouse(
  db: Kysely<Database>,
  portalId: number,
  asOf: Date,
): Promise<WarehouseCheck[]> {
  const results: WarehouseCheck[] = [];
  for (const check of CHECKS) {
    const id = check.id ?? sql`t.id`;
    const archived = check.table === 'usage_events' ? sql`true` : sql`t.archived = false`;
    const { rows } = await sql<{ id: string; total: number }>`
      select ${id} as id, count(*) over () as total
      from ${sql.table(check.table)} t
      where t.portal_id = ${portalId} and ${archived} and (${check.where(asOf)})
      order by 1
      limit ${EXAMPLES}`.execute(db);
    results.push({
      issue: check.issue,
      table: check.table,
      rule: check.rule,
      count: rows.length === 0 ? 0 : Number(rows[0]!.total),
      examples: rows.map((r) => String(r.id)),
    });
  }
  return results;
}
