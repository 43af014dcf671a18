/**
 * From probability to tier, per the portal's policy (settings.tiers):
 * - `share`: cut points at the run's own quantiles, so the riskiest 10 % are high and the next 20 %
 *   medium (by default), whatever the portal's base rate;
 * - `cost_aware`: a contact is high when treating it is worth more than it costs:
 *   p × saveRate × value > offerCost; medium when worth at least `mediumFactor` of the cost.
 * Tiers are set once per run over its active customers and stored with each score, so the lists,
 * the card and the CRM read the same tier; the cut is stored with the run, and rescoring between
 * runs uses the last run's.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import type { TierPolicy } from '../settings/portal-settings.js';

export type Tier = 'low' | 'medium' | 'high';

export type TierCut =
  | { kind: 'share'; medium: number; high: number }
  | {
      kind: 'cost_aware';
      offerCost: number;
      saveRate: number;
      mediumFactor: number;
      valueProperty: string | null;
      defaultValue: number;
    };

/**
 * Sets the tiers of a run's scores (its active customers) by rank under a `share` policy: exactly
 * the riskiest round(n × highShare) are high and the next round(n × mediumShare) medium. Returns
 * the cut points the ranks fell at, which rescoring between runs applies to single scores.
 */
export async function rankTiersOfRun(
  db: Kysely<Database>,
  runId: number,
  policy: Extract<TierPolicy, { kind: 'share' }>,
): Promise<TierCut> {
  await sql`
    with ranked as (
      select id, row_number() over (order by probability desc, contact_id) as rank, count(*) over () as n
      from scores where run_id = ${runId}
    )
    update scores s set tier = ${tierOfRank(sql.ref('r.rank'), sql.ref('r.n'), policy)}
    from ranked r where s.id = r.id`.execute(db);
  const row = await db
    .selectFrom('scores')
    .select([
      sql<number | null>`min(probability) filter (where tier = 'high')`.as('high'),
      sql<number | null>`min(probability) filter (where tier = 'medium')`.as('medium'),
    ])
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
  // With nobody in a tier (an empty portal, a share of 0), no later score enters it.
  const high = row.high ?? 1;
  return { kind: 'share', high, medium: row.medium ?? high };
}

/**
 * The tier of the row at `rank` (1 is the riskiest) of `n` under a share policy: exactly the
 * riskiest round(n × highShare) are high and the next round(n × mediumShare) medium. Contacts and
 * companies are tiered by this one rule.
 */
export function tierOfRank(
  rank: RawBuilder<unknown>,
  n: RawBuilder<unknown>,
  policy: Extract<TierPolicy, { kind: 'share' }>,
): RawBuilder<Tier> {
  return sql<Tier>`case
      when ${rank} <= round(${n} * ${policy.highShare}::float8) then 'high'
      when ${rank} <= round(${n} * ${policy.highShare + policy.mediumShare}::float8) then 'medium'
      else 'low' end`;
}

/** The cost-aware cut, from the policy alone. */
export function costAwareCut(policy: Extract<TierPolicy, { kind: 'cost_aware' }>): TierCut {
  const { offerCost, saveRate, mediumFactor, valueProperty, defaultValue } = policy;
  return { kind: 'cost_aware', offerCost, saveRate, mediumFactor, valueProperty, defaultValue };
}

export function tierOfScore(probability: number, value: number | null, cut: TierCut): Tier {
  if (cut.kind === 'share') {
    if (probability >= cut.high) return 'high';
    if (probability >= cut.medium) return 'medium';
    return 'low';
  }
  const saved = probability * cut.saveRate * (value ?? cut.defaultValue);
  if (saved > cut.offerCost) return 'high';
  if (saved >= cut.mediumFactor * cut.offerCost) return 'medium';
  return 'low';
}

/**
 * Each contact's value for a cost-aware cut: its value property when set and numeric, else the
 * amount of its latest won deal, else null (the cut's default value then applies).
 */
export async function contactValues(
  db: Kysely<Database>,
  portalId: number,
  contactIds: readonly string[],
  cut: TierCut,
): Promise<Map<string, number | null>> {
  const values = new Map<string, number | null>();
  if (cut.kind !== 'cost_aware' || contactIds.length === 0) return values;
  if (cut.valueProperty) {
    const rows = await db
      .selectFrom('contacts')
      .select(['id', sql<string | null>`properties ->> ${cut.valueProperty}`.as('value')])
      .where('portal_id', '=', portalId)
      .where('id', 'in', [...contactIds])
      .execute();
    for (const row of rows) {
      const value = row.value === null ? Number.NaN : Number(row.value);
      if (Number.isFinite(value) && value >= 0) values.set(row.id, value);
    }
  }
  const missing = contactIds.filter((id) => !values.has(id));
  if (missing.length > 0) {
    const deals = await db
      .selectFrom('associations as a')
      .innerJoin('deals as d', (j) =>
        j.onRef('d.portal_id', '=', 'a.portal_id').onRef('d.id', '=', 'a.to_id'),
      )
      .select(['a.from_id as contactId', 'd.amount'])
      .distinctOn('a.from_id')
      .where('a.portal_id', '=', portalId)
      .where('a.from_type', '=', 'contacts')
      .where('a.to_type', '=', 'deals')
      .where('a.from_id', 'in', missing)
      .where('d.is_closed_won', '=', true)
      .where('d.amount', 'is not', null)
      .orderBy('a.from_id')
      .orderBy('d.close_date', 'desc')
      .execute();
    for (const deal of deals) values.set(deal.contactId, deal.amount);
  }
  for (const id of contactIds) if (!values.has(id)) values.set(id, null);
  return values;
}
