import { sql, type RawBuilder } from 'kysely';

/**
 * The current score of each contact of a portal: `current_scores`, which a trigger on `scores`
 * keeps at each contact's latest row, so no page sorts the whole score history.
 */
export function latestScores(portalId: number): RawBuilder<unknown> {
  return sql`(
    select contact_id, probability, tier, reasons, scored_at, model_id
    from current_scores
    where portal_id = ${portalId}
  )`;
}

/**
 * The next renewal of a contact (SQL over `contacts c`): the next anniversary, per billing period,
 * of becoming a customer (the start of their current time as a customer, a return included), as
 * the feature `days_to_next_renewal` computes it.
 */
export const nextRenewal = sql<Date | null>`(
  case when c.billing_period in ('annual', 'monthly') then (
    with since as (
      select coalesce(
        (select cs.since from customer_status cs
          where cs.portal_id = c.portal_id and cs.contact_id = c.id and cs.status = 'active'),
        c.customer_since,
        c.created_at) as at,
      case c.billing_period when 'annual' then 365.25 * 86400 else 365.25 * 86400 / 12 end as period
    )
    select to_timestamp(
      extract(epoch from since.at)
      + (floor(greatest(extract(epoch from now()) - extract(epoch from since.at), 0) / since.period) + 1) * since.period)
    from since where since.at is not null
  ) end)`;
