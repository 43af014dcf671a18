import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import { byWindow, daysBefore, date, idArray, num, windowsTable, type Windows } from './time-windows.js';

interface UsageRow {
  contact_id: string;
  k: number;
  sessions_4w: unknown;
  sessions_prev: unknown;
  minutes_4w: unknown;
  minutes_prev: unknown;
  features_4w: unknown;
  last_use: unknown;
}

/** (x + 1) / (y + 1) on a log2 scale: defined for zero use, symmetric, 0 when steady. */
const trend = (recentPerWeek: number, earlierPerWeek: number) =>
  Math.log2((recentPerWeek + 1) / (earlierPerWeek + 1));

/**
 * Product usage from the last 12 weeks before `asOf`, and the last use at any time before it. One
 * map per window, holding every contact.
 */
export async function usageFeatures(
  db: Kysely<Database>,
  portalId: number,
  ids: readonly string[],
  windows: readonly Windows[],
): Promise<Map<string, FeatureValues>[]> {
  const recent = sql`u.occurred_at >= w.weeks4`;
  const { rows } = await sql<UsageRow>`
    select u.contact_id, w.k,
      count(*) filter (where ${recent} and u.type = 'session') as sessions_4w,
      count(*) filter (where not (${recent}) and u.type = 'session') as sessions_prev,
      coalesce(sum(u.minutes) filter (where ${recent}), 0) as minutes_4w,
      coalesce(sum(u.minutes) filter (where not (${recent})), 0) as minutes_prev,
      count(distinct u.feature) filter (where ${recent}) as features_4w,
      max(u.occurred_at) as last_use
    from usage_events u
    join ${windowsTable(windows)} w on u.occurred_at >= w.weeks12 and u.occurred_at < w.as_of
    where u.portal_id = ${portalId} and u.contact_id = any(${idArray(ids)})
    group by u.contact_id, w.k`.execute(db);
  const result = byWindow(windows, rows, (r, w): [string, FeatureValues] => {
    const sessions4 = (num(r.sessions_4w) ?? 0) / 4;
    const minutes4 = (num(r.minutes_4w) ?? 0) / 4;
    return [
      r.contact_id,
      {
        sessions_per_week_4w: sessions4,
        usage_minutes_per_week_4w: minutes4,
        features_used_4w: num(r.features_4w) ?? 0,
        usage_trend: trend(minutes4, (num(r.minutes_prev) ?? 0) / 8),
        sessions_trend: trend(sessions4, (num(r.sessions_prev) ?? 0) / 8),
        days_since_last_use: daysBefore(w.asOf, date(r.last_use)),
      },
    ];
  });
  const idle = result.flatMap((found, k) => ids.filter((id) => !found.has(id)).map((id) => ({ id, k })));
  if (idle.length > 0) {
    // Only contacts idle for 12 weeks need their older history; the index finds each last event.
    const { rows: last } = await sql<{ contact_id: string; k: number; last_use: unknown }>`
      select p.id as contact_id, p.k,
        (select max(u.occurred_at) from usage_events u
          where u.portal_id = ${portalId} and u.contact_id = p.id and u.occurred_at < w.as_of) as last_use
      from unnest(${idArray(idle.map((p) => p.id))}, ${idle.map((p) => p.k)}::int[]) as p(id, k)
      join ${windowsTable(windows)} w on w.k = p.k`.execute(db);
    for (const r of last) {
      const w = windows[Number(r.k)]!;
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
    sessions_trend: 0,
    days_since_last_use: null,
  };
}
