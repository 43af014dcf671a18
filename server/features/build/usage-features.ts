import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import {
  byWindow,
  DAY_MS,
  daysBefore,
  date,
  epochMs,
  idArray,
  msDate,
  packedAggregates,
  joinWanted,
  windowsTable,
  type ContactCutoffs,
  type Windows,
} from './time-windows.js';

/** (x + 1) / (y + 1) on a log2 scale: defined for zero use, symmetric, 0 when steady. */
const trend = (recentPerWeek: number, earlierPerWeek: number) =>
  Math.log2((recentPerWeek + 1) / (earlierPerWeek + 1));

/** A geometric mean from the mean of the logarithms: null when there was nothing to average. */
function lnMean(mean: number | null): number | null {
  return mean === null ? null : Math.exp(mean);
}

/** log2 of the recent typical session length over the usual one; null when either is unknown. */
function sessionLengthChange(recentLn: number | null, usualLn: number | null): number | null {
  return recentLn === null || usualLn === null ? null : (recentLn - usualLn) / Math.LN2;
}

/**
 * The customer's usual minutes a week: those of the 22 weeks before the last 4 (weeks 5 to 26
 * back), counted from their first use in them. A customer who started using the product 6 weeks
 * ago has a habit of 2 weeks, not of 22 weeks mostly without it; at least a week, so that one
 * session just before the last 4 weeks does not read as a habit of several hours a week.
 */
function usualPerWeek(minutes: number, firstUse: Date | null, w: Windows): number {
  if (firstUse === null || firstUse >= w.weeks4) return 0;
  const weeks = (w.weeks4.getTime() - firstUse.getTime()) / (7 * DAY_MS);
  return minutes / Math.max(1, weeks);
}

/**
 * Product usage from the last 26 weeks before `asOf`, and the last use at any time before it. One
 * map per window, holding each of its contacts. Weeks 13 to 26 back feed only the customer's usual
 * use: one more sum over a wider range of the same index, in the same pass.
 */
export async function usageFeatures(
  db: Kysely<Database>,
  portalId: number,
  at: ContactCutoffs,
): Promise<Map<string, FeatureValues>[]> {
  const recent = sql`u.occurred_at >= w.weeks4`;
  const previous = sql`u.occurred_at >= w.weeks12 and u.occurred_at < w.weeks4`;
  const aggregates = packedAggregates({
    sessions4w: sql`count(*) filter (where ${recent} and u.type = 'session')`,
    sessionsPrev: sql`count(*) filter (where ${previous} and u.type = 'session')`,
    minutes4w: sql`coalesce(sum(u.minutes) filter (where ${recent}), 0)`,
    minutesPrev: sql`coalesce(sum(u.minutes) filter (where ${previous}), 0)`,
    minutesUsual: sql`coalesce(sum(u.minutes) filter (where not (${recent})), 0)`,
    firstUse: epochMs(sql`min(u.occurred_at)`),
    features4w: sql`count(distinct u.feature) filter (where ${recent})`,
    lastUse: epochMs(sql`max(u.occurred_at)`),
    lnSession12w: sql`avg(u.ln_session) filter (where u.occurred_at >= w.weeks12)`,
    lnSession4w: sql`avg(u.ln_session) filter (where ${recent})`,
    lnSessionUsual: sql`avg(u.ln_session) filter (where not (${recent}))`,
  });
  const from = new Date(Math.min(...at.windows.map((w) => w.weeks26.getTime())));
  const to = new Date(Math.max(...at.windows.map((w) => w.asOf.getTime())));
  const { rows } = await sql<{ contact_id: string; k: number; v: string }>`
    with used as materialized (
      -- A session's logarithm once per event, not once per cutoff and mean: in floating point
      -- (numeric's own is far slower), summed exactly as numeric so that the mean does not depend
      -- on the order the plan reads the rows in.
      select u.contact_id, u.occurred_at, u.type, u.minutes, u.feature,
        case when u.type = 'session' and u.minutes > 0 then ln(u.minutes::float8)::numeric end as ln_session
      from usage_events u
      where u.portal_id = ${portalId} and u.contact_id = any(${idArray(at.ids)})
        and u.occurred_at >= ${from} and u.occurred_at < ${to}
    )
    select u.contact_id, w.k, ${aggregates.select} as v
    from used u
    ${joinWanted(at, sql.ref('u.contact_id'))}
      and u.occurred_at >= w.weeks26 and u.occurred_at < w.as_of
    group by u.contact_id, w.k`.execute(db);
  const result = byWindow(at.windows, rows, (r, w): [string, FeatureValues] => {
    const a = aggregates.read(r.v);
    const sessions4 = (a.sessions4w ?? 0) / 4;
    const minutes4 = (a.minutes4w ?? 0) / 4;
    return [
      r.contact_id,
      {
        sessions_per_week_4w: sessions4,
        usage_minutes_per_week_4w: minutes4,
        features_used_4w: a.features4w ?? 0,
        usage_trend: trend(minutes4, (a.minutesPrev ?? 0) / 8),
        usage_vs_own_baseline: trend(minutes4, usualPerWeek(a.minutesUsual ?? 0, msDate(a.firstUse), w)),
        sessions_trend: trend(sessions4, (a.sessionsPrev ?? 0) / 8),
        days_since_last_use: daysBefore(w.asOf, msDate(a.lastUse)),
        session_minutes_12w: lnMean(a.lnSession12w),
        session_minutes_vs_usual: sessionLengthChange(a.lnSession4w, a.lnSessionUsual),
      },
    ];
  });
  const idle = at.pairIds.flatMap((id, i) => {
    const k = at.pairKs[i]!;
    return result[k]!.has(id) ? [] : [{ id, k }];
  });
  if (idle.length > 0) {
    // Only contacts idle for 26 weeks need their older history; the index finds each last event.
    const { rows: last } = await sql<{ contact_id: string; k: number; last_use: unknown }>`
      select p.id as contact_id, p.k,
        (select max(u.occurred_at) from usage_events u
          where u.portal_id = ${portalId} and u.contact_id = p.id and u.occurred_at < w.as_of) as last_use
      from unnest(${idArray(idle.map((p) => p.id))}, ${idle.map((p) => p.k)}::int[]) as p(id, k)
      join ${windowsTable(at.windows)} w on w.k = p.k`.execute(db);
    for (const r of last) {
      const w = at.windows[Number(r.k)]!;
      result[Number(r.k)]!.set(r.contact_id, {
        ...emptyUsageFeatures(),
        days_since_last_use: daysBefore(w.asOf, date(r.last_use)),
      });
    }
  }
  return result;
}

export function emptyUsageFeatures(): FeatureValues {
  return {
    sessions_per_week_4w: 0,
    usage_minutes_per_week_4w: 0,
    features_used_4w: 0,
    usage_trend: 0,
    usage_vs_own_baseline: 0,
    sessions_trend: 0,
    days_since_last_use: null,
    session_minutes_12w: null,
    session_minutes_vs_usual: null,
  };
}
