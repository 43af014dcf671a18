/**
 * The account step of a scoring run, after the contacts' tiers: each company with active
 * customers gets its risk of leaving (account-risk.ts) from what the warehouse holds as of the
 * run, a tier among the run's companies by the portal's tier policy, and its write-back to the
 * company record. A company's contacts are those whose primary company it is (`contacts.company_id`,
 * which both CRMs fill); its deals and tickets are those linked to it or to those contacts.
 */
import { sql, type Kysely } from 'kysely';
import type { CrmConnector } from '../crm/connector.js';
import { json } from '../db/json.js';
import type { AccountReasonRow, Database } from '../db/schema.js';
import { DAY_MS, date, idList, num } from '../features/build/time-windows.js';
import type { PortalSettings } from '../settings/portal-settings.js';
import { accountReasonsText, accountRisk, RENEWAL_WINDOW_DAYS, type AccountContact } from './account-risk.js';
import { scoreText } from './score-points.js';
import { costAwareCut, tierOfRank, tierOfScore, type Tier } from './tiers.js';
import {
  writeBackFields,
  type FieldWrite,
  type WriteBackOptions,
  type WriteBackResult,
} from './writeback.js';

/** Companies whose signals are read together. */
const PAGE = 1000;
/** Customers who left longer ago than this no longer count against their account. */
const CHURNED_WITHIN_DAYS = 365;

interface AccountRow {
  portal_id: number;
  company_id: string;
  run_id: number;
  probability: number;
  tier: Tier;
  reasons: string;
  active_contacts: number;
  decision_maker_id: string;
  value: number | null;
  renewal_at: Date | null;
  renewal_value: number | null;
  scored_at: Date;
}

/**
 * Scores the run's companies, replacing what an earlier attempt at the same run stored, and tiers
 * them: by rank under a share policy (the Settings shares, as for contacts), by value under the
 * cost-aware one. Returns how many companies were scored.
 */
export async function scoreAccounts(
  db: Kysely<Database>,
  runId: number,
  settings: Pick<PortalSettings, 'tiers'>,
): Promise<number> {
  const run = await db
    .selectFrom('scoring_runs')
    .select(['portal_id', 'as_of'])
    .where('id', '=', runId)
    .executeTakeFirstOrThrow();
  if (run.as_of === null) throw new Error(`run ${runId} is not planned yet`);
  const portalId = run.portal_id;
  const asOf = run.as_of;
  const { rows: companies } = await sql<{ company_id: string }>`
    select distinct c.company_id from scores s
    join contacts c on c.portal_id = s.portal_id and c.id = s.contact_id
    join companies co on co.portal_id = c.portal_id and co.id = c.company_id and not co.archived
    where s.run_id = ${runId} and c.company_id is not null
    order by c.company_id`.execute(db);
  const cut = settings.tiers.kind === 'cost_aware' ? costAwareCut(settings.tiers) : null;

  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('account_scores').where('run_id', '=', runId).execute();
    for (let i = 0; i < companies.length; i += PAGE) {
      const ids = companies.slice(i, i + PAGE).map((c) => c.company_id);
      const accounts = await readAccounts(trx, portalId, runId, asOf, ids);
      const rows: AccountRow[] = [];
      for (const [companyId, account] of accounts) {
        const risk = accountRisk(account.contacts, account.signals, asOf);
        rows.push({
          portal_id: portalId,
          company_id: companyId,
          run_id: runId,
          probability: risk.probability,
          // A share policy ranks the whole run below; a cost-aware one needs the value alone.
          tier: cut ? tierOfScore(risk.probability, account.value, cut) : 'low',
          reasons: json(risk.reasons satisfies AccountReasonRow[]),
          active_contacts: account.contacts.length,
          decision_maker_id: risk.decisionMakerId,
          value: account.value,
          renewal_at: account.signals.renewal?.at ?? null,
          renewal_value: account.signals.renewal?.value ?? null,
          scored_at: asOf,
        });
      }
      if (rows.length > 0) await trx.insertInto('account_scores').values(rows).execute();
    }
    if (settings.tiers.kind === 'share') {
      await sql`
        with ranked as (
          select company_id, row_number() over (order by probability desc, company_id) as rank,
            count(*) over () as n
          from account_scores where run_id = ${runId}
        )
        update account_scores a set tier = ${tierOfRank(sql.ref('r.rank'), sql.ref('r.n'), settings.tiers)}
        from ranked r where a.run_id = ${runId} and a.company_id = r.company_id`.execute(trx);
    }
  });
  return companies.length;
}

interface AccountInputs {
  contacts: AccountContact[];
  signals: Parameters<typeof accountRisk>[1];
  value: number | null;
}

/** What the warehouse holds about these companies as of the run. */
async function readAccounts(
  db: Kysely<Database>,
  portalId: number,
  runId: number,
  asOf: Date,
  companyIds: readonly string[],
): Promise<Map<string, AccountInputs>> {
  const year = new Date(asOf.getTime() - 365 * DAY_MS);
  const members = sql`(
    select c.id, c.company_id, cs.status, cs.left_at from contacts c
    left join customer_status cs on cs.portal_id = c.portal_id and cs.contact_id = c.id
    where c.portal_id = ${portalId} and c.company_id in ${idList(companyIds)} and not c.archived
  )`;
  const { rows: active } = await sql<Record<string, unknown>>`
    select c.company_id, c.id, s.probability, s.tier, c.first_name, c.last_name, c.email,
      coalesce(cs.since, c.customer_since) as since
    from contacts c
    join scores s on s.run_id = ${runId} and s.contact_id = c.id
    left join customer_status cs on cs.portal_id = c.portal_id and cs.contact_id = c.id
    where c.portal_id = ${portalId} and c.company_id in ${idList(companyIds)} and not c.archived
    order by c.company_id, c.id`.execute(db);

  // Deals of the account: its active customers' and the company's own, but none of a customer
  // who left (their revenue is gone already).
  const { rows: deals } = await sql<Record<string, unknown>>`
    with m as ${members},
    gone as (
      select distinct a.to_id as deal_id from m join associations a
        on a.portal_id = ${portalId} and a.from_type = 'contacts' and a.from_id = m.id and a.to_type = 'deals'
      where m.status = 'churned'
    ),
    links as (
      select m.company_id, a.to_id as deal_id, m.id as contact_id
      from m join associations a on a.portal_id = ${portalId} and a.from_type = 'contacts'
        and a.from_id = m.id and a.to_type = 'deals'
      where m.status = 'active'
      union
      select a.to_id, a.from_id, null from associations a
      left join gone on gone.deal_id = a.from_id
      where a.portal_id = ${portalId} and a.from_type = 'deals' and a.to_type = 'companies'
        and a.to_id in ${idList(companyIds)} and gone.deal_id is null
    )
    select l.company_id, l.contact_id, d.id, d.amount, d.close_date, d.is_closed_won as won
    from links l join deals d on d.portal_id = ${portalId} and d.id = l.deal_id and not d.archived
    where (d.is_closed_won and d.close_date >= ${year} and d.close_date < ${asOf})
      or (d.is_renewal and not coalesce(d.is_closed_won, false) and not coalesce(d.is_closed_lost, false)
        and d.close_date >= ${asOf})`.execute(db);

  const { rows: tickets } = await sql<{ company_id: string; n: unknown }>`
    with m as ${members},
    links as (
      select m.company_id, a.to_id as ticket_id from m join associations a
        on a.portal_id = ${portalId} and a.from_type = 'contacts' and a.from_id = m.id and a.to_type = 'tickets'
      union
      select a.to_id, a.from_id from associations a
      where a.portal_id = ${portalId} and a.from_type = 'tickets' and a.to_type = 'companies'
        and a.to_id in ${idList(companyIds)}
      union
      select a.from_id, a.to_id from associations a
      where a.portal_id = ${portalId} and a.from_type = 'companies' and a.to_type = 'tickets'
        and a.from_id in ${idList(companyIds)}
    )
    select l.company_id, count(distinct t.id) as n
    from links l join tickets t on t.portal_id = ${portalId} and t.id = l.ticket_id and not t.archived
    where t.priority in ('HIGH', 'URGENT') and (t.created_at is null or t.created_at < ${asOf})
      and (t.closed_at is null or t.closed_at >= ${asOf})
    group by l.company_id`.execute(db);

  const { rows: churned } = await sql<{ company_id: string; n: unknown }>`
    select m.company_id, count(*) as n from ${members} m
    where m.status = 'churned' and m.left_at >= ${new Date(asOf.getTime() - CHURNED_WITHIN_DAYS * DAY_MS)}
      and m.left_at <= ${asOf}
    group by m.company_id`.execute(db);

  return assemble(active, deals, tickets, churned);
}

function assemble(
  active: Record<string, unknown>[],
  deals: Record<string, unknown>[],
  tickets: { company_id: string; n: unknown }[],
  churned: { company_id: string; n: unknown }[],
): Map<string, AccountInputs> {
  const contactValue = new Map<string, number>();
  const won = new Map<string, Map<string, number>>();
  const renewals = new Map<string, Map<string, { at: Date; amount: number | null }>>();
  for (const d of deals) {
    const companyId = String(d.company_id);
    const amount = num(d.amount);
    if (d.won === true) {
      if (d.contact_id !== null)
        contactValue.set(String(d.contact_id), (contactValue.get(String(d.contact_id)) ?? 0) + (amount ?? 0));
      if (!won.has(companyId)) won.set(companyId, new Map());
      won.get(companyId)!.set(String(d.id), amount ?? 0);
    } else {
      if (!renewals.has(companyId)) renewals.set(companyId, new Map());
      renewals.get(companyId)!.set(String(d.id), { at: date(d.close_date)!, amount });
    }
  }
  const ticketCount = new Map(tickets.map((t) => [t.company_id, num(t.n) ?? 0]));
  const churnedCount = new Map(churned.map((c) => [c.company_id, num(c.n) ?? 0]));

  const accounts = new Map<string, AccountInputs>();
  for (const row of active) {
    const companyId = String(row.company_id);
    const contactId = String(row.id);
    let account = accounts.get(companyId);
    if (!account) {
      const worth = won.get(companyId);
      account = {
        contacts: [],
        value: worth ? [...worth.values()].reduce((s, x) => s + x, 0) : null,
        signals: {
          openHighPriorityTickets: ticketCount.get(companyId) ?? 0,
          renewal: nextRenewal([...(renewals.get(companyId)?.values() ?? [])]),
          churnedContacts: churnedCount.get(companyId) ?? 0,
        },
      };
      accounts.set(companyId, account);
    }
    account.contacts.push({
      contactId,
      name:
        [row.first_name, row.last_name].filter(Boolean).join(' ') ||
        (row.email as string | null) ||
        `Contact ${contactId}`,
      probability: Number(row.probability),
      tier: row.tier as Tier,
      value: contactValue.get(contactId) ?? null,
      customerSince: date(row.since),
    });
  }
  return accounts;
}

/**
 * The account's next open renewal, worth what its open renewals in the 90 days from that one add
 * up to (each customer of an account may hold a renewal deal of their own).
 */
function nextRenewal(open: { at: Date; amount: number | null }[]): { at: Date; value: number | null } | null {
  if (open.length === 0) return null;
  const first = open.reduce((a, b) => (b.at < a.at ? b : a));
  const until = first.at.getTime() + RENEWAL_WINDOW_DAYS * DAY_MS;
  const due = open.filter((r) => r.at.getTime() <= until && r.amount !== null);
  return { at: first.at, value: due.length === 0 ? null : due.reduce((s, r) => s + r.amount!, 0) };
}

/** A company's three fields, by the app's own names: score 0–100 (one decimal), tier, reasons in words. */
export function accountProperties(score: {
  probability: number;
  tier: string;
  reasons: readonly { text: string }[];
}): FieldWrite['properties'] {
  return {
    churn_risk_score: scoreText(score.probability),
    churn_risk_tier: score.tier,
    churn_risk_reasons: accountReasonsText(score.reasons),
  };
}

/**
 * Where each write-back job of `size` companies starts: the first company id of every chunk, in
 * company id order. A job reads its chunk from its start by the key, so no job skips past the ones
 * before it (an offset would, and a million-contact portal has hundreds of chunks).
 */
export async function accountWriteChunkStarts(
  db: Kysely<Database>,
  runId: number,
  size: number,
): Promise<string[]> {
  const { rows } = await sql<{ company_id: string }>`
    select company_id from (
      select company_id, row_number() over (order by company_id) - 1 as place
      from account_scores where run_id = ${runId}
    ) ranked
    where place % ${size} = 0
    order by company_id`.execute(db);
  return rows.map((r) => r.company_id);
}

/**
 * Writes one chunk of the run's companies (in company id order) back to their CRM records: only
 * values the CRM does not hold yet. `verify` when an earlier attempt may have reached the CRM.
 * The chunk is the `size` companies from `from` on; a job queued without its start (by an earlier
 * release) finds it by its place.
 */
export async function writeBackAccountChunk(
  deps: { db: Kysely<Database>; connector: CrmConnector },
  runId: number,
  chunk: { index: number; size: number; from?: string | undefined },
  options: WriteBackOptions = {},
): Promise<WriteBackResult> {
  let query = deps.db
    .selectFrom('account_scores')
    .select(['portal_id', 'company_id', 'probability', 'tier', 'reasons'])
    .where('run_id', '=', runId)
    .orderBy('company_id')
    .limit(chunk.size);
  query =
    chunk.from === undefined
      ? query.offset(chunk.index * chunk.size)
      : query.where('company_id', '>=', chunk.from);
  const rows = await query.execute();
  if (rows.length === 0) return { sent: 0, written: 0, failed: [], unchanged: 0, calls: 0 };
  const writes = rows.map((r) => ({ id: r.company_id, properties: accountProperties(r) }));
  return writeBackFields(deps, rows[0]!.portal_id, 'companies', writes, options);
}
