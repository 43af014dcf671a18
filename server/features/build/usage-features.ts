import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import { daysBefore, date, num, type Windows } from './time-windows.js';

interface UsageRow {
  contact_id: string;
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

/** Product usage from the last 12 weeks before `asOf`, and the last use at any time before it. */
export async function usageFeatures(
  db: Kysely<Database>,
  portalId: number,
  ids: readonly string[],
  w: Windows,
): Promise<Map<string, FeatureValues>> {
  const recent = sql`u.occurred_at >= ${w.weeks4}`;
  const { rows } = await sql<UsageRow>`
    select u.contact_id,
      count(*) filter (where ${recent} and u.type = 'session') as sessions_4w,
      count(*) filter (where not (${recent}) and u.type = 'session') as sessions_prev,
      coalesce(sum(u.minutes) filter (where ${recent}), 0) as minutes_4w,
      coalesce(sum(u.minutes) filter (where not (${recent})), 0) as minutes_prev,
      count(distinct u.feature) filter (where ${recent}) as features_4w,
      max(u.occurred_at) as last_use
    from usage_events u
    where u.portal_id = ${portalId} and u.contact_id in (${sql.join(ids.map((id) => sql`${id}`))})
      and u.occurred_at >= ${w.weeks12} and u.occurred_at < ${w.asOf}
    group by u.contact_id`.execute(db);
  const result = new Map<string, FeatureValues>();
  for (const r of rows) {
    const sessions4 = (num(r.sessions_4w) ?? 0) / 4;
    const minutes4 = (num(r.minutes_4w) ?? 0) / 4;
    result.set(r.contact_id, {
      sessions_per_week_4w: sessions4,
      usage_minutes_per_week_4w: minutes4,
      features_used_4w: num(r.features_4w) ?? 0,
      usage_trend: trend(minutes4, (num(r.minutes_prev) ?? 0) / 8),
      sessions_trend: trend(sessions4, (num(r.sessions_prev) ?? 0) / 8),
      days_since_last_use: daysBefore(w.asOf, date(r.last_use)),
    });
  }
  const idle = ids.filter((id) => !result.has(id));
  if (idle.length > 0) {
    // Only contacts idle for 12 weeks need their older history; the index finds each last event.
    const { rows: last } = await sql<{ contact_id: string; last_use: unknown }>`
      select v.id as contact_id,
        (select max(u.occurred_at) from usage_events u
          where u.portal_id = ${portalId} and u.contact_id = v.id and u.occurred_at < ${w.asOf}) as last_use
      from (values ${sql.join(idle.map((id) => sql`(${id})`))}) as v(id)`.execute(db);
    for (const r of last) {
      result.set(r.contact_id, { ...emptyUsageFeatures(), days_since_last_use: daysBefore(w.asOf, date(r.last_use)) });
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
