import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import type { TextSentiment } from './email-features.js';
import { byWindow, idArray, packedAggregates, joinWanted, type ContactCutoffs } from './time-windows.js';

export interface TicketAggregates {
  features: FeatureValues;
  text: TextSentiment;
}

/**
 * Tickets as they stood at `asOf`: created before it, open unless closed before it. The current
 * `is_closed` and stage are not read (a ticket closed since was open then). One map per window;
 * sentiments summed exactly (numeric), whatever order the plan reads them in.
 */
export async function ticketAggregates(
  db: Kysely<Database>,
  portalId: number,
  at: ContactCutoffs,
): Promise<Map<string, TicketAggregates>[]> {
  const in90 = sql`t.created_at >= w.days90`;
  const in30 = sql`t.created_at >= w.days30`;
  const openThen = sql`(t.closed_at is null or t.closed_at >= w.as_of)`;
  const aggregates = packedAggregates({
    created30: sql`count(*) filter (where ${in30})`,
    created90: sql`count(*) filter (where ${in90})`,
    openNow: sql`count(*) filter (where ${openThen})`,
    openOver7d: sql`count(*) filter (where ${openThen} and t.created_at < w.days7)`,
    high90: sql`count(*) filter (where ${in90} and t.priority in ('HIGH', 'URGENT'))`,
    resolutionMedian90: sql`percentile_cont(0.5) within group (order by extract(epoch from (t.closed_at - t.created_at)) / 3600)
      filter (where t.closed_at >= w.days90 and t.closed_at < w.as_of)`,
    sSum90: sql`sum(t.sentiment::numeric) filter (where ${in90})`,
    sN90: sql`count(t.sentiment) filter (where ${in90})`,
    sMin90: sql`min(t.sentiment) filter (where ${in90})`,
    sSum30: sql`sum(t.sentiment::numeric) filter (where ${in30})`,
    sN30: sql`count(t.sentiment) filter (where ${in30})`,
  });
  const { rows } = await sql<{ contact_id: string; k: number; v: string }>`
    with raised as materialized (
      select a.from_id as contact_id, t.created_at, t.closed_at, t.priority, t.sentiment
      from associations a
      join tickets t on t.portal_id = a.portal_id and t.id = a.to_id
      where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'tickets'
        and a.from_id = any(${idArray(at.ids)})
    )
    select t.contact_id, w.k, ${aggregates.select} as v
    from raised t
    ${joinWanted(at, sql.ref('t.contact_id'))} and t.created_at < w.as_of
    group by t.contact_id, w.k`.execute(db);
  return byWindow(at.windows, rows, (r): [string, TicketAggregates] => {
    const a = aggregates.read(r.v);
    const created90 = a.created90 ?? 0;
    return [
      r.contact_id,
      {
        features: {
          tickets_30d: a.created30 ?? 0,
          tickets_90d: created90,
          tickets_open: a.openNow ?? 0,
          tickets_open_over_7d: a.openOver7d ?? 0,
          tickets_high_priority_share_90d: created90 === 0 ? null : (a.high90 ?? 0) / created90,
          ticket_resolution_hours_median_90d: a.resolutionMedian90,
        },
        text: {
          sum90: a.sSum90 ?? 0,
          n90: a.sN90 ?? 0,
          min90: a.sMin90,
          sum30: a.sSum30 ?? 0,
          n30: a.sN30 ?? 0,
        },
      },
    ];
  });
}

const NO_TEXT: TextSentiment = { sum90: 0, n90: 0, min90: null, sum30: 0, n30: 0 };

/** Ticket features plus the tone of ticket text and inbound emails taken together. */
export function supportFeatures(
  tickets: TicketAggregates | undefined,
  inbound: TextSentiment | undefined,
): FeatureValues {
  const t = tickets?.text ?? NO_TEXT;
  const e = inbound ?? NO_TEXT;
  const n90 = t.n90 + e.n90;
  const n30 = t.n30 + e.n30;
  const nEarlier = n90 - n30;
  const mins = [t.min90, e.min90].filter((v): v is number => v !== null);
  return {
    tickets_30d: 0,
    tickets_90d: 0,
    tickets_open: 0,
    tickets_open_over_7d: 0,
    tickets_high_priority_share_90d: null,
    ticket_resolution_hours_median_90d: null,
    ...tickets?.features,
    support_sentiment_mean_90d: n90 === 0 ? null : (t.sum90 + e.sum90) / n90,
    support_sentiment_worst_90d: mins.length === 0 ? null : Math.min(...mins),
    support_sentiment_trend:
      n30 === 0 || nEarlier === 0
        ? null
        : (t.sum30 + e.sum30) / n30 - (t.sum90 + e.sum90 - t.sum30 - e.sum30) / nEarlier,
  };
}
