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

/** HubSpot's renewal deal types, for deals synced before the neutral `is_renewal` was filled. */
const DEFAULT_RENEWAL_DEAL_TYPES = sql.join(['existingbusiness', 'renewal']);

/**
 * Open renewal deals of a contact (SQL over `contacts c`) closing from now on: a renewal by the
 * neutral `is_renewal` (the portal's renewal deal types), neither won nor lost. This is the
 * `from … where` of a query over them: `select d.name ${openRenewalDeals} order by d.close_date`.
 */
export const openRenewalDeals = sql`
  from associations a
  join deals d on d.portal_id = a.portal_id and d.id = a.to_id
  where a.portal_id = c.portal_id and a.from_type = 'contacts' and a.from_id = c.id
    and a.to_type = 'deals' and not d.archived
    and coalesce(d.is_renewal, lower(d.deal_type) in (${DEFAULT_RENEWAL_DEAL_TYPES}))
    and coalesce(d.is_closed_won, false) = false and coalesce(d.is_closed_lost, false) = false
    and d.close_date >= now()`;

/**
 * The next renewal of a contact (SQL over `contacts c`), the one rule the at-risk list, the
 * dashboard's contact view and the risk card share: the open renewal deal that closes first, as
 * the CRM plans it; without one, the next anniversary, per billing period, of becoming a customer
 * (the start of their current time as a customer, a return included), as the feature
 * `days_to_next_renewal` computes it (the feature never reads open deals: their close date is
 * rewritten when they close).
 */
export const nextRenewal = sql<Date | null>`coalesce(
  (select min(d.close_date) ${openRenewalDeals}),
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
