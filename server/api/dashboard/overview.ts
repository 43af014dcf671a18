import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { contactValues, latestScores } from './latest-scores.js';

export interface Overview {
  contacts: number;
  scoredAt: string | null;
  tiers: { low: number; medium: number; high: number };
  /** Contacts per tenth of probability: [0, 0.1), [0.1, 0.2) … [0.9, 1]. */
  distribution: { from: number; to: number; contacts: number }[];
  /** One point per week with scores: the share of contacts in the high tier, and the mean risk. */
  trend: {
    week: string;
    contacts: number;
    highShare: number;
    atRiskShare: number;
    meanProbability: number;
  }[];
  valueAtRisk: { highTier: number; atRisk: number; expectedLoss: number };
  /** Against each contact's score a week before. */
  sinceLastWeek: {
    comparedWith: string | null;
    newlyHigh: number;
    leftHigh: number;
    rose: number;
    fell: number;
    newContacts: number;
  };
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const iso = (v: unknown): string | null => (v ? new Date(v as string).toISOString() : null);

/** The overview page in four aggregate queries, each answered inside the database. */
export async function loadOverview(db: Kysely<Database>, portalId: number, weeks = 12): Promise<Overview> {
  const latest = latestScores(portalId);
  const summary = await sql<Record<string, unknown>>`
    select count(*) as contacts, max(l.scored_at) as scored_at,
      count(*) filter (where tier = 'low') as low,
      count(*) filter (where tier = 'medium') as medium,
      count(*) filter (where tier = 'high') as high,
      coalesce(sum(v.value) filter (where tier = 'high'), 0) as value_high,
      coalesce(sum(v.value) filter (where tier in ('high', 'medium')), 0) as value_at_risk,
      coalesce(sum(v.value * l.probability), 0) as expected_loss,
      ${sql.join(
        Array.from(
          { length: 10 },
          (_, i) =>
            sql`count(*) filter (where least(floor(probability * 10), 9) = ${i}) as ${sql.raw(`b${i}`)}`,
        ),
      )}
    from ${latest} l left join ${contactValues(portalId)} v on v.contact_id = l.contact_id`.execute(db);
  const s = summary.rows[0] ?? {};
  const buckets = Array.from({ length: 10 }, (_, i) => s[`b${i}`]);

  const trend = await sql<Record<string, unknown>>`
    select week, count(*) as contacts,
      avg((tier = 'high')::int) as high_share,
      avg((tier in ('high', 'medium'))::int) as at_risk_share,
      avg(probability) as mean_probability
    from (
      select distinct on (date_trunc('week', scored_at), contact_id)
        date_trunc('week', scored_at) as week, tier, probability
      from scores
      where portal_id = ${portalId} and scored_at >= date_trunc('week', now()) - make_interval(weeks => ${weeks - 1})
      order by date_trunc('week', scored_at), contact_id, scored_at desc
    ) w
    group by week order by week`.execute(db);

  const changes = await sql<Record<string, unknown>>`
    with now_scores as ${latest},
    before as (
      select distinct on (contact_id) contact_id, probability, tier, scored_at
      from scores
      where portal_id = ${portalId}
        and scored_at <= (select max(scored_at) from scores where portal_id = ${portalId}) - interval '7 days'
      order by contact_id, scored_at desc
    )
    select max(b.scored_at) as compared_with,
      count(*) filter (where n.tier = 'high' and b.tier is distinct from 'high' and b.contact_id is not null) as newly_high,
      count(*) filter (where n.tier <> 'high' and b.tier = 'high') as left_high,
      count(*) filter (where n.probability - b.probability >= 0.05) as rose,
      count(*) filter (where b.probability - n.probability >= 0.05) as fell,
      count(*) filter (where b.contact_id is null) as new_contacts
    from now_scores n left join before b on b.contact_id = n.contact_id`.execute(db);
  const c = changes.rows[0] ?? {};
  const compared = iso(c.compared_with);

  return {
    contacts: num(s.contacts),
    scoredAt: iso(s.scored_at),
    tiers: { low: num(s.low), medium: num(s.medium), high: num(s.high) },
    distribution: buckets.map((count, i) => ({ from: i / 10, to: (i + 1) / 10, contacts: num(count) })),
    trend: trend.rows.map((r) => ({
      week: iso(r.week)!.slice(0, 10),
      contacts: num(r.contacts),
      highShare: num(r.high_share),
      atRiskShare: num(r.at_risk_share),
      meanProbability: num(r.mean_probability),
    })),
    valueAtRisk: {
      highTier: num(s.value_high),
      atRisk: num(s.value_at_risk),
      expectedLoss: num(s.expected_loss),
    },
    sinceLastWeek: {
      comparedWith: compared,
      newlyHigh: compared ? num(c.newly_high) : 0,
      leftHigh: num(c.left_high),
      rose: num(c.rose),
      fell: num(c.fell),
      newContacts: compared ? num(c.new_contacts) : 0,
    },
  };
}
