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

/**
 * Won deals and lost renewals of these contacts, by contact id; with their companies' lost
 * renewals, for accounts whose deals are kept on the company alone.
 */
export async function dealHistories(
  db: Kysely<Database>,
  portalId: number,
  contacts: readonly Pick<ContactRow, 'id' | 'company_id'>[],
): Promise<Map<string, DealHistory>> {
  if (contacts.length === 0) return new Map();
  const ids = contacts.map((c) => c.id);
  const { rows } = await sql<{ contact_id: string; won: unknown; lost: unknown }>`
    select a.from_id as contact_id,
      array_agg(d.close_date order by d.close_date) filter (where d.is_closed_won = true) as won,
      jsonb_agg(jsonb_build_object('at', d.close_date, 'name', d.name) order by d.close_date)
        filter (where d.is_closed_lost = true and d.is_renewal = true) as lost
    from associations a
    join deals d on d.portal_id = a.portal_id and d.id = a.to_id
    where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.to_type = 'deals'
      and a.from_id in ${idList(ids)} and d.close_date is not null and not d.archived
    group by a.from_id`.execute(db);
  const toDate = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
  const losses = (v: unknown) =>
    ((typeof v === 'string' ? JSON.parse(v) : v) as { at: string; name: string | null }[] | null) ?? [];
  const histories = new Map<string, DealHistory>(
    rows.map((r) => [
      r.contact_id,
      {
        won: Array.isArray(r.won) ? r.won.map(toDate) : [],
        renewalsLost: losses(r.lost).map((l) => ({ at: new Date(l.at), name: l.name })),
        companyRenewalsLost: [],
      },
    ]),
  );
  // Only contacts without deals of their own read their company's.
  const companyIds = [
    ...new Set(contacts.flatMap((c) => (c.company_id && !histories.has(c.id) ? [c.company_id] : []))),
  ];
  if (companyIds.length === 0) return histories;
  const { rows: companies } = await sql<{ company_id: string; lost: unknown }>`
    select a.to_id as company_id,
      jsonb_agg(jsonb_build_object('at', d.close_date, 'name', d.name) order by d.close_date) as lost
    from associations a
    join deals d on d.portal_id = a.portal_id and d.id = a.from_id
    where a.portal_id = ${portalId} and a.from_type = 'deals' and a.to_type = 'companies'
      and a.to_id in ${idList(companyIds)} and d.close_date is not null and not d.archived
      and d.is_closed_lost = true and d.is_renewal = true
    group by a.to_id`.execute(db);
  const byCompany = new Map(companies.map((c) => [c.company_id, losses(c.lost)]));
  for (const contact of contacts) {
    const lost =
      contact.company_id && !histories.has(contact.id) ? byCompany.get(contact.company_id) : undefined;
    if (!lost) continue;
    const history = histories.get(contact.id) ?? { won: [], renewalsLost: [], companyRenewalsLost: [] };
    history.companyRenewalsLost = lost.map((l) => ({ at: new Date(l.at), name: l.name }));
    histories.set(contact.id, history);
  }
  return histories;
}

/** Each contact's customer episodes under the rule (the portal's own when not given). */
export async function loadCustomerEpisodes(
  db: Kysely<Database>,
  portalId: number,
  contacts: readonly ContactRow[],
  rule?: ChurnRule,
): Promise<Map<string, CustomerEpisode[]>> {
  const theRule = rule ?? (await portalChurnRule(db, portalId));
  const deals = await dealHistories(db, portalId, contacts);
  return new Map(contacts.map((c) => [c.id, customerEpisodes(c, deals.get(c.id) ?? NO_DEALS, theRule)]));
}
