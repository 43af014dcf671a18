import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface Overview {
  /** ISO 4217 code of every amount below. */
  currency: string;
  contacts: number;
  scoredAt: string | null;
  tiers: { low: number; medium: number; high: number };
  /** Contacts per tenth of probability: [0, 0.1), [0.1, 0.2) … [0.9, 1]. */
  distribution: { from: number; to: number; contacts: number }[];
  /**
   * One point per week with scores (ISO weeks in UTC, by their Monday): the share of contacts in
   * the high tier, and the mean risk. `partial`: the week in progress, whose totals still change as
   * contacts are rescored.
   */
  trend: {
    week: string;
    partial: boolean;
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

/**
 * The warehouse keeps deal amounts without their currency: neither CRM's sync reads one (HubSpot's
 * account `companyCurrency` or `deal_currency_code`, Salesforce's `CurrencyIsoCode`). USD is the
 * CRM's default company currency, so amounts say so until the portal's own is synced.
 */
export const DEFAULT_CURRENCY = 'USD';

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const iso = (v: unknown): string | null => (v ? new Date(v as string).toISOString() : null);

/**
 * The overview page in three aggregate queries answered inside the database: one pass over the
 * portal's current scores (tiers, histogram, value, change since last week), the weekly totals,
 * and the won deals of the contacts at risk.
 */
export async function loadOverview(db: Kysely<Database>, portalId: number, weeks = 12): Promise<Overview> {
  const summary = await sql<Record<string, unknown>>`
    select count(*) as contacts, max(scored_at) as scored_at,
      count(*) filter (where tier = 'low') as low,
      count(*) filter (where tier = 'medium') as medium,
      count(*) filter (where tier = 'high') as high,
      max(previous_scored_at) as compared_with,
      count(*) filter (where tier = 'high' and previous_tier is not null and previous_tier <> 'high') as newly_high,
      count(*) filter (where tier <> 'high' and previous_tier = 'high') as left_high,
      count(*) filter (where probability - previous_probability >= 0.05) as rose,
      count(*) filter (where previous_probability - probability >= 0.05) as fell,
      count(*) filter (where previous_scored_at is null) as new_contacts,
      ${sql.join(
        Array.from(
          { length: 10 },
          (_, i) =>
            sql`count(*) filter (where least(floor(probability * 10), 9) = ${i}) as ${sql.raw(`b${i}`)}`,
        ),
      )}
    from current_scores where portal_id = ${portalId}`.execute(db);
  const s = summary.rows[0] ?? {};

  // Summed deal by deal (a contact's value is the sum of its deals), so nothing is grouped.
  const value = await sql<Record<string, unknown>>`
    select coalesce(sum(d.amount) filter (where l.tier = 'high'), 0) as value_high,
      coalesce(sum(d.amount) filter (where l.tier in ('high', 'medium')), 0) as value_at_risk,
      coalesce(sum(d.amount * l.probability), 0) as expected_loss
    from associations a
    join deals d on d.portal_id = a.portal_id and d.id = a.to_id
    join current_scores l on l.portal_id = a.portal_id and l.contact_id = a.from_id
    where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'deals'
      and d.is_closed_won = true and d.close_date >= now() - interval '365 days'`.execute(db);
  const v = value.rows[0] ?? {};

  const trend = await sql<{
    week: string;
    contacts: number;
    high: number;
    medium: number;
    probability_sum: number;
    partial: boolean;
  }>`
    select to_char(week, 'YYYY-MM-DD') as week, contacts, high, medium, probability_sum,
      week >= score_week(now()) as partial
    from score_weekly_totals
    where portal_id = ${portalId} and contacts > 0
    order by week desc limit ${weeks}`.execute(db);

  const compared = iso(s.compared_with);
  return {
    currency: DEFAULT_CURRENCY,
    contacts: num(s.contacts),
    scoredAt: iso(s.scored_at),
    tiers: { low: num(s.low), medium: num(s.medium), high: num(s.high) },
    distribution: Array.from({ length: 10 }, (_, i) => ({
      from: i / 10,
      to: (i + 1) / 10,
      contacts: num(s[`b${i}`]),
    })),
    trend: trend.rows.reverse().map((w) => ({
      week: w.week,
      partial: w.partial === true,
      contacts: num(w.contacts),
      highShare: num(w.high) / num(w.contacts),
      atRiskShare: (num(w.high) + num(w.medium)) / num(w.contacts),
      meanProbability: num(w.probability_sum) / num(w.contacts),
    })),
    valueAtRisk: {
      highTier: num(v.value_high),
      atRisk: num(v.value_at_risk),
      expectedLoss: num(v.expected_loss),
    },
    sinceLastWeek: {
      comparedWith: compared,
      newlyHigh: compared ? num(s.newly_high) : 0,
      leftHigh: num(s.left_high),
      rose: num(s.rose),
      fell: num(s.fell),
      newContacts: compared ? num(s.new_contacts) : 0,
    },
  };
}
