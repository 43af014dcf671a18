import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FeatureValues } from '../catalogue.js';
import type { ContactRow } from './contact-chunks.js';
import { byWindow, idArray, packedAggregates, windowsTable, type ContactCutoffs } from './time-windows.js';

/** As usage_trend: (x + 1) / (y + 1) on a log2 scale, x and y minutes a week. */
const trend = (recentPerWeek: number, earlierPerWeek: number) =>
  Math.log2((recentPerWeek + 1) / (earlierPerWeek + 1));

/**
 * What the contact's company shows through its other contacts at each cutoff: who left in the 180
 * days up to it and who were customers then (from the customer and former-customer dates, never
 * the current stage), their tickets of the 90 days before it, their use of the 12 weeks before it,
 * and their NPS answers of the year before it. One statement for every cutoff: each company's
 * totals once at each cutoff one of its contacts is wanted at, less the contact's own share, so a
 * company with many contacts in the chunk is read once rather than once for each of them. Archived
 * contacts count: an archive is today's state, and they were there at the date. One map per
 * window, holding the contacts that have a company.
 */
export async function accountFeatures(
  db: Kysely<Database>,
  portalId: number,
  contacts: readonly Pick<ContactRow, 'id' | 'company_id'>[],
  at: ContactCutoffs,
): Promise<Map<string, FeatureValues>[]> {
  const { windows } = at;
  const companyOf = new Map(contacts.flatMap((c) => (c.company_id ? [[c.id, c.company_id] as const] : [])));
  // The pairs of contacts that have a company; each company is read at the cutoffs they need.
  const me = { ids: [] as string[], companies: [] as string[], ks: [] as number[] };
  at.pairIds.forEach((id, i) => {
    const company = companyOf.get(id);
    if (company === undefined) return;
    me.ids.push(id);
    me.companies.push(company);
    me.ks.push(at.pairKs[i]!);
  });
  if (me.ids.length === 0) return windows.map(() => new Map());
  const companies = [...new Set(me.companies)];
  // Colleagues' ticket links and usage are read one colleague at a time through their indexes, the
  // usage within fixed bounds and once for all cutoffs (member_use): a lateral read, which `offset 0`
  // keeps the planner from turning into a scan of the whole portal's usage (its choice on statistics
  // alone, measured 1.5 times slower on 12,000 contacts, and growing with the portal rather than
  // with the chunk).
  const usageFrom = new Date(Math.min(...windows.map((w) => w.weeks12.getTime())));
  const usageTo = new Date(Math.max(...windows.map((w) => w.asOf.getTime())));
  // The contact's colleagues: the company's totals less the contact's own share.
  const aggregates = packedAggregates({
    left180: sql`coalesce(pc.left_180, 0) - (case when own.left_180 then 1 else 0 end)`,
    active: sql`coalesce(pc.active, 0) - (case when own.active then 1 else 0 end)`,
    tickets90: sql`coalesce(tc.n, 0) - coalesce(ot.n, 0)`,
    useEvents: sql`coalesce(uc.events, 0) - coalesce(uo.events, 0)`,
    useRecent: sql`coalesce(uc.recent, 0) - coalesce(uo.recent, 0)`,
    useEarlier: sql`coalesce(uc.earlier, 0) - coalesce(uo.earlier, 0)`,
    npsAnswers: sql`coalesce(nc.answers, 0) - coalesce(nm.answers, 0)`,
    npsSum: sql`coalesce(nc.total, 0) - coalesce(nm.total, 0)`,
  });
  const { rows } = await sql<{ contact_id: string; k: number; v: string }>`
    with w as ${windowsTable(windows)},
    me as (
      select m.contact_id, m.company_id, m.k
      from unnest(${idArray(me.ids)}, ${idArray(me.companies)}, ${me.ks}::int[]) as m(contact_id, company_id, k)
    ),
    cw as (
      select c.company_id, w.* from (select distinct company_id, k from me) c join w on w.k = c.k
    ),
    members as (
      select c.id, c.company_id, c.customer_since, c.former_since
      from contacts c
      where c.portal_id = ${portalId} and c.company_id = any(${idArray(companies)})
    ),
    people as (
      select m.company_id, m.id, w.k,
        coalesce(m.former_since >= w.days180 and m.former_since <= w.as_of, false) as left_180,
        coalesce(m.customer_since < w.as_of
          and (m.former_since is null or m.former_since > w.as_of or m.former_since <= m.customer_since), false)
          as active
      from members m join cw w on w.company_id = m.company_id
    ),
    people_by_company as (
      select company_id, k,
        count(*) filter (where left_180) as left_180,
        count(*) filter (where active) as active
      from people group by company_id, k
    ),
    ticket_links as (
      select m.company_id, m.id as member_id, w.k, t.id as ticket_id
      from members m
      cross join lateral (
        select a.to_id from associations a
        where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.from_id = m.id and a.to_type = 'tickets'
        offset 0
      ) a
      join tickets t on t.portal_id = ${portalId} and t.id = a.to_id
      join cw w on w.company_id = m.company_id and t.created_at >= w.days90 and t.created_at < w.as_of
    ),
    tickets_by_company as (
      select company_id, k, count(distinct ticket_id) as n from ticket_links group by company_id, k
    ),
    own_tickets as (
      select company_id, member_id, k, count(*) as n from ticket_links group by company_id, member_id, k
    ),
    member_use as materialized (
      select m.company_id, m.id as member_id, u.occurred_at, u.minutes
      from members m
      cross join lateral (
        select u.occurred_at, u.minutes from usage_events u
        where u.portal_id = ${portalId} and u.contact_id = m.id
          and u.occurred_at >= ${usageFrom} and u.occurred_at < ${usageTo}
        offset 0
      ) u
    ),
    use_by_member as (
      select u.company_id, u.member_id, w.k,
        count(*) as events,
        coalesce(sum(u.minutes) filter (where u.occurred_at >= w.weeks4), 0) as recent,
        coalesce(sum(u.minutes) filter (where u.occurred_at < w.weeks4), 0) as earlier
      from member_use u
      join cw w on w.company_id = u.company_id and u.occurred_at >= w.weeks12 and u.occurred_at < w.as_of
      group by u.company_id, u.member_id, w.k
    ),
    use_by_company as (
      select company_id, k, sum(events) as events, sum(recent) as recent, sum(earlier) as earlier
      from use_by_member group by company_id, k
    ),
    nps_by_member as (
      select m.company_id, m.id as member_id, w.k, count(*) as answers, sum(f.score) as total
      from members m
      cross join lateral (
        select a.to_id from associations a
        where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.from_id = m.id
          and a.to_type = 'feedback_submissions'
        offset 0
      ) a
      join feedback f on f.portal_id = ${portalId} and f.id = a.to_id and f.score is not null
      join cw w on w.company_id = m.company_id and f.submitted_at >= w.days365 and f.submitted_at < w.as_of
      group by m.company_id, m.id, w.k
    ),
    nps_by_company as (
      select company_id, k, sum(answers) as answers, sum(total) as total
      from nps_by_member group by company_id, k
    )
    select me.contact_id, w.k, ${aggregates.select} as v
    from me join w on w.k = me.k
    left join people_by_company pc on pc.company_id = me.company_id and pc.k = w.k
    left join people own on own.id = me.contact_id and own.company_id = me.company_id and own.k = w.k
    left join tickets_by_company tc on tc.company_id = me.company_id and tc.k = w.k
    left join own_tickets ot on ot.member_id = me.contact_id and ot.company_id = me.company_id
      and ot.k = w.k
    left join use_by_company uc on uc.company_id = me.company_id and uc.k = w.k
    left join use_by_member uo on uo.member_id = me.contact_id and uo.company_id = me.company_id
      and uo.k = w.k
    left join nps_by_company nc on nc.company_id = me.company_id and nc.k = w.k
    left join nps_by_member nm on nm.member_id = me.contact_id and nm.company_id = me.company_id
      and nm.k = w.k`.execute(db);
  return byWindow(windows, rows, (r): [string, FeatureValues] => {
    const a = aggregates.read(r.v);
    const used = (a.useEvents ?? 0) > 0;
    const active = a.active ?? 0;
    const answers = a.npsAnswers ?? 0;
    return [
      r.contact_id,
      {
        account_contacts_left_180d: a.left180 ?? 0,
        account_contacts_active: active,
        account_tickets_90d: a.tickets90 ?? 0,
        account_usage_trend: used ? trend((a.useRecent ?? 0) / 4, (a.useEarlier ?? 0) / 8) : null,
        account_usage_per_colleague:
          active > 0 ? ((a.useRecent ?? 0) + (a.useEarlier ?? 0)) / 12 / active : null,
        account_nps_mean: answers > 0 ? (a.npsSum ?? 0) / answers : null,
      },
    ];
  });
}

/** A contact without a company: nothing to measure. */
export function emptyAccountFeatures(): FeatureValues {
  return {
    account_contacts_left_180d: null,
    account_contacts_active: null,
    account_tickets_90d: null,
    account_usage_trend: null,
    account_usage_per_colleague: null,
    account_nps_mean: null,
  };
}
