/**
 * Reads what the customer-status rules need from the warehouse: the portal's churn rule and each
 * contact's won and lost deals, and gives each contact its customer episodes.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { churnRuleOf, type ChurnRule } from '../settings/churn-rule.js';
import type { ContactRow } from './build/contact-chunks.js';
import { idList } from './build/time-windows.js';
import { customerEpisodes, NO_DEALS, type CustomerEpisode, type DealHistory } from './customer-status.js';

/** The churn rule in the portal's settings, or the default. */
export async function portalChurnRule(db: Kysely<Database>, portalId: number): Promise<ChurnRule> {
  const portal = await db
    .selectFrom('portals')
    .select('settings')
    .where('id', '=', portalId)
    .executeTakeFirst();
  return churnRuleOf(portal?.settings ?? {});
}

const renewalTypesOf = (rule: ChurnRule) =>
  rule.kind === 'lifecycle_stage' ? rule.renewalDealTypes : ['existingbusiness', 'renewal'];

/** Won deals and lost renewals of these contacts, by contact id. */
export async function dealHistories(
  db: Kysely<Database>,
  portalId: number,
  ids: readonly string[],
  rule: ChurnRule,
): Promise<Map<string, DealHistory>> {
  if (ids.length === 0) return new Map();
  const renewalTypes = renewalTypesOf(rule);
  const { rows } = await sql<{ contact_id: string; won: unknown; lost: unknown }>`
    select a.from_id as contact_id,
      array_agg(d.close_date order by d.close_date) filter (where d.is_closed_won = true) as won,
      jsonb_agg(jsonb_build_object('at', d.close_date, 'name', d.name) order by d.close_date)
        filter (where d.is_closed_lost = true
          and d.deal_type in (${sql.join(renewalTypes.map((t) => sql`${t}`))})) as lost
    from associations a
    join deals d on d.portal_id = a.portal_id and d.id = a.to_id
    where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'deals'
      and a.from_id in ${idList(ids)} and d.close_date is not null and not d.archived
    group by a.from_id`.execute(db);
  const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
  return new Map(
    rows.map((r) => {
      const lost = (typeof r.lost === 'string' ? JSON.parse(r.lost) : r.lost) as
        { at: string; name: string | null }[] | null;
      return [
        r.contact_id,
        {
          won: Array.isArray(r.won) ? r.won.map(toDate) : [],
          renewalsLost: (lost ?? []).map((l) => ({ at: new Date(l.at), name: l.name })),
        },
      ];
    }),
  );
}

/** Each contact's customer episodes under the rule (the portal's own when not given). */
export async function loadCustomerEpisodes(
  db: Kysely<Database>,
  portalId: number,
  contacts: readonly ContactRow[],
  rule?: ChurnRule,
): Promise<Map<string, CustomerEpisode[]>> {
  const theRule = rule ?? (await portalChurnRule(db, portalId));
  const deals = await dealHistories(
    db,
    portalId,
    contacts.map((c) => c.id),
    theRule,
  );
  return new Map(contacts.map((c) => [c.id, customerEpisodes(c, deals.get(c.id) ?? NO_DEALS, theRule)]));
}
