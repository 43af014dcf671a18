import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** A month's NPS from fewer answers than this is shown as uncertain. */
export const NPS_MIN_RESPONSES = 10;

/**
 * Weeks are ISO weeks in UTC named by their Monday (as the scores' weekly totals), months by
 * `YYYY-MM`. Every week or month from the first with data to the current one is listed, a quiet
 * one with zeros, so a gap is never drawn as a line across it. `partial`: the week or month in
 * progress, whose counts are still growing.
 */
export interface Engagement {
  emails: { week: string; partial: boolean; sent: number; opened: number; replied: number }[];
  tickets: {
    week: string;
    partial: boolean;
    opened: number;
    highPriority: number;
    /** Mean sentiment of the week's tickets, −1 (negative) to 1 (positive); null without tickets. */
    meanSentiment: number | null;
  }[];
  /**
   * Net Promoter Score per month: % promoters (9–10) − % detractors (0–6), null without answers;
   * `fewResponses`: fewer than `npsMinResponses` answers, too few to read the score; `margin95`:
   * half the width of its 95 % interval in score points, null with too few answers.
   */
  nps: {
    month: string;
    partial: boolean;
    responses: number;
    nps: number | null;
    margin95: number | null;
    fewResponses: boolean;
  }[];
  npsMinResponses: number;
}

const Z95 = 1.959963984540054;
const DAY_MS = 86_400_000;

/** The Mondays from `first` to `last` (both `YYYY-MM-DD`), one a week. */
function weeksBetween(first: string, last: string): string[] {
  const weeks: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 7 * DAY_MS)
    weeks.push(new Date(t).toISOString().slice(0, 10));
  return weeks;
}

/** The months from `first` to `last` (both `YYYY-MM`). */
function monthsBetween(first: string, last: string): string[] {
  const months: string[] = [];
  const [y0, m0] = first.split('-').map(Number) as [number, number];
  for (let i = 0; ; i++) {
    const month = new Date(Date.UTC(y0, m0 - 1 + i, 1)).toISOString().slice(0, 7);
    if (month > last) return months;
    months.push(month);
  }
}

/** Every period from the first with a row to the current one (or a later row's), filled from its row. */
function dense<R extends { period: string }, T>(
  rows: R[],
  current: string,
  between: (first: string, last: string) => string[],
  filled: (period: string, row: R | undefined) => T,
): T[] {
  if (rows.length === 0) return [];
  const byPeriod = new Map(rows.map((r) => [r.period, r]));
  const last = rows[rows.length - 1]!.period;
  return between(rows[0]!.period, last > current ? last : current).map((period) =>
    filled(period, byPeriod.get(period)),
  );
}

/** Email engagement and ticket volume per week, NPS per month, over the last six months (a year). */
export async function loadEngagement(db: Kysely<Database>, portalId: number): Promise<Engagement> {
  const now = await sql<{ week: string; month: string }>`
    select to_char(date_trunc('week', now() at time zone 'UTC'), 'YYYY-MM-DD') as week,
      to_char(now() at time zone 'UTC', 'YYYY-MM') as month`.execute(db);
  const { week: thisWeek, month: thisMonth } = now.rows[0]!;
  const since = sql`(date_trunc('week', now() at time zone 'UTC') - interval '25 weeks') at time zone 'UTC'`;
  const weekOf = (column: string) =>
    sql`to_char(date_trunc('week', ${sql.ref(column)} at time zone 'UTC'), 'YYYY-MM-DD')`;
  const emails = await sql<Record<string, unknown> & { period: string }>`
    select ${weekOf('sent_at')} as period,
      count(*) filter (where direction is distinct from 'INCOMING_EMAIL') as sent,
      count(opened_at) as opened, count(replied_at) as replied
    from emails where portal_id = ${portalId} and archived = false and sent_at >= ${since}
    group by 1 order by 1`.execute(db);
  const tickets = await sql<Record<string, unknown> & { period: string }>`
    select ${weekOf('created_at')} as period, count(*) as opened,
      count(*) filter (where upper(priority) = 'HIGH') as high_priority, avg(sentiment) as mean_sentiment
    from tickets where portal_id = ${portalId} and archived = false and created_at >= ${since}
    group by 1 order by 1`.execute(db);
  const nps = await sql<Record<string, unknown> & { period: string }>`
    select to_char(submitted_at at time zone 'UTC', 'YYYY-MM') as period, count(*) as responses,
      count(*) filter (where score >= 9) as promoters, count(*) filter (where score <= 6) as detractors
    from feedback where portal_id = ${portalId} and archived = false and score is not null
      and submitted_at >= (date_trunc('month', now() at time zone 'UTC') - interval '11 months') at time zone 'UTC'
    group by 1 order by 1`.execute(db);
  return {
    emails: dense(emails.rows, thisWeek, weeksBetween, (week, r) => ({
      week,
      partial: week === thisWeek,
      sent: Number(r?.sent ?? 0),
      opened: Number(r?.opened ?? 0),
      replied: Number(r?.replied ?? 0),
    })),
    tickets: dense(tickets.rows, thisWeek, weeksBetween, (week, r) => ({
      week,
      partial: week === thisWeek,
      opened: Number(r?.opened ?? 0),
      highPriority: Number(r?.high_priority ?? 0),
      meanSentiment: r?.mean_sentiment === null || r === undefined ? null : Number(r.mean_sentiment),
    })),
    nps: dense(nps.rows, thisMonth, monthsBetween, (month, r) => ({
      month,
      partial: month === thisMonth,
      ...npsOf(Number(r?.responses ?? 0), Number(r?.promoters ?? 0), Number(r?.detractors ?? 0)),
    })),
    npsMinResponses: NPS_MIN_RESPONSES,
  };
}

/**
 * The score and the half-width of its 95 % interval: the normal approximation of a mean of answers
 * scored 1, 0 and −1, its variance taken with one pseudo-answer added to each of the three groups
 * (an adjusted Wald interval), so a month where everyone answered alike is not read as certain.
 */
function npsOf(responses: number, promoters: number, detractors: number) {
  if (responses === 0) return { responses, nps: null, margin95: null, fewResponses: true };
  const fewResponses = responses < NPS_MIN_RESPONSES;
  const n = responses + 3;
  const p = (promoters + 1) / n;
  const d = (detractors + 1) / n;
  const variance = p + d - (p - d) ** 2;
  return {
    responses,
    nps: Math.round((100 * (promoters - detractors)) / responses),
    // Below the minimum the approximation says little; the month reads as uncertain instead.
    margin95: fewResponses ? null : Math.round(100 * Z95 * Math.sqrt(variance / n)),
    fewResponses,
  };
}
