import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import { byWindow, daysBefore, date, idArray, num, windowsTable, type Windows } from './time-windows.js';

interface DealRow {
  contact_id: string;
  k: number;
  won_total: unknown;
  won_365: unknown;
  amount_365: unknown;
  last_won: unknown;
}

/**
 * Purchases are deals won with a close date before `asOf`; open and lost deals are not read. One
 * map per window.
 */
export async function commerceFeatures(
  db: Kysely<Database>,
  portalId: number,
  ids: readonly string[],
  windows: readonly Windows[],
): Promise<Map<string, FeatureValues>[]> {
  const { rows } = await sql<DealRow>`
    select a.from_id as contact_id, w.k,
      count(*) as won_total,
      count(*) filter (where d.close_date >= w.days365) as won_365,
      coalesce(sum(d.amount) filter (where d.close_date >= w.days365), 0) as amount_365,
      max(d.close_date) as last_won
    from associations a
    join deals d on d.portal_id = a.portal_id and d.id = a.to_id
    join ${windowsTable(windows)} w on d.close_date < w.as_of
    where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'deals'
      and a.from_id = any(${idArray(ids)}) and d.is_closed_won = true
    group by a.from_id, w.k`.execute(db);
  return byWindow(windows, rows, (r, w): [string, FeatureValues] => [
    r.contact_id,
    {
      purchases_total: num(r.won_total) ?? 0,
      purchases_365d: num(r.won_365) ?? 0,
      purchase_amount_365d: num(r.amount_365) ?? 0,
      days_since_last_purchase: daysBefore(w.asOf, date(r.last_won)),
    },
  ]);
}

export function emptyCommerceFeatures(): FeatureValues {
  return { purchases_total: 0, purchases_365d: 0, purchase_amount_365d: 0, days_since_last_purchase: null };
}

interface FeedbackRow {
  contact_id: string;
  k: number;
  scores: unknown;
  last_score: unknown;
  mean_score: unknown;
  detractors: unknown;
  sentiment_mean: unknown;
}

/**
 * NPS answers submitted before `asOf`, and the tone of their comments (averaged exactly, as
 * numeric, whatever order the plan reads them in). One map per window.
 */
export async function feedbackFeatures(
  db: Kysely<Database>,
  portalId: number,
  ids: readonly string[],
  windows: readonly Windows[],
): Promise<Map<string, FeatureValues>[]> {
  const { rows } = await sql<FeedbackRow>`
    select a.from_id as contact_id, w.k,
      count(f.score) as scores,
      (array_agg(f.score order by f.submitted_at desc, f.id desc) filter (where f.score is not null))[1] as last_score,
      avg(f.score) as mean_score,
      count(*) filter (where f.score <= 6) as detractors,
      avg(f.sentiment::numeric) as sentiment_mean
    from associations a
    join feedback f on f.portal_id = a.portal_id and f.id = a.to_id
    join ${windowsTable(windows)} w on f.submitted_at < w.as_of
    where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'feedback_submissions'
      and a.from_id = any(${idArray(ids)})
    group by a.from_id, w.k`.execute(db);
  return byWindow(windows, rows, (r): [string, FeatureValues] => {
    const answered = (num(r.scores) ?? 0) > 0;
    return [
      r.contact_id,
      {
        nps_last: answered ? num(r.last_score) : null,
        nps_mean: answered ? num(r.mean_score) : null,
        nps_detractor_count: num(r.detractors) ?? 0,
        feedback_sentiment_mean: num(r.sentiment_mean),
      },
    ];
  });
}

export function emptyFeedbackFeatures(): FeatureValues {
  return { nps_last: null, nps_mean: null, nps_detractor_count: 0, feedback_sentiment_mean: null };
}
