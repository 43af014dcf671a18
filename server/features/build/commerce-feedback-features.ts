import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import {
  byWindow,
  daysBefore,
  epochMs,
  idArray,
  msDate,
  packedAggregates,
  joinWanted,
  type ContactCutoffs,
} from './time-windows.js';

/**
 * Purchases are deals won with a close date before `asOf`; open and lost deals are not read. One
 * map per window.
 */
export async function commerceFeatures(
  db: Kysely<Database>,
  portalId: number,
  at: ContactCutoffs,
): Promise<Map<string, FeatureValues>[]> {
  const aggregates = packedAggregates({
    wonTotal: sql`count(*)`,
    won365: sql`count(*) filter (where d.close_date >= w.days365)`,
    amount365: sql`coalesce(sum(d.amount) filter (where d.close_date >= w.days365), 0)`,
    lastWon: epochMs(sql`max(d.close_date)`),
  });
  const { rows } = await sql<{ contact_id: string; k: number; v: string }>`
    with won as materialized (
      select a.from_id as contact_id, d.close_date, d.amount
      from associations a
      join deals d on d.portal_id = a.portal_id and d.id = a.to_id
      where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'deals'
        and a.from_id = any(${idArray(at.ids)}) and d.is_closed_won = true
    )
    select d.contact_id, w.k, ${aggregates.select} as v
    from won d
    ${joinWanted(at, sql.ref('d.contact_id'))} and d.close_date < w.as_of
    group by d.contact_id, w.k`.execute(db);
  return byWindow(at.windows, rows, (r, w): [string, FeatureValues] => {
    const a = aggregates.read(r.v);
    return [
      r.contact_id,
      {
        purchases_total: a.wonTotal ?? 0,
        purchases_365d: a.won365 ?? 0,
        purchase_amount_365d: a.amount365 ?? 0,
        days_since_last_purchase: daysBefore(w.asOf, msDate(a.lastWon)),
      },
    ];
  });
}

export function emptyCommerceFeatures(): FeatureValues {
  return { purchases_total: 0, purchases_365d: 0, purchase_amount_365d: 0, days_since_last_purchase: null };
}

/**
 * NPS answers submitted before `asOf`, and the tone of their comments (averaged exactly, as
 * numeric, whatever order the plan reads them in). One map per window.
 */
export async function feedbackFeatures(
  db: Kysely<Database>,
  portalId: number,
  at: ContactCutoffs,
): Promise<Map<string, FeatureValues>[]> {
  const aggregates = packedAggregates({
    scores: sql`count(f.score)`,
    lastScore: sql`(array_agg(f.score order by f.submitted_at desc, f.id desc) filter (where f.score is not null))[1]`,
    meanScore: sql`avg(f.score)`,
    detractors: sql`count(*) filter (where f.score <= 6)`,
    sentimentMean: sql`avg(f.sentiment::numeric)`,
  });
  const { rows } = await sql<{ contact_id: string; k: number; v: string }>`
    with answered as materialized (
      select a.from_id as contact_id, f.id, f.submitted_at, f.score, f.sentiment
      from associations a
      join feedback f on f.portal_id = a.portal_id and f.id = a.to_id
      where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'feedback_submissions'
        and a.from_id = any(${idArray(at.ids)})
    )
    select f.contact_id, w.k, ${aggregates.select} as v
    from answered f
    ${joinWanted(at, sql.ref('f.contact_id'))} and f.submitted_at < w.as_of
    group by f.contact_id, w.k`.execute(db);
  return byWindow(at.windows, rows, (r): [string, FeatureValues] => {
    const a = aggregates.read(r.v);
    const answered = (a.scores ?? 0) > 0;
    return [
      r.contact_id,
      {
        nps_last: answered ? a.lastScore : null,
        nps_mean: answered ? a.meanScore : null,
        nps_detractor_count: a.detractors ?? 0,
        feedback_sentiment_mean: a.sentimentMean,
      },
    ];
  });
}

export function emptyFeedbackFeatures(): FeatureValues {
  return { nps_last: null, nps_mean: null, nps_detractor_count: 0, feedback_sentiment_mean: null };
}
