/**
 * Account health for the dashboard: the companies as the portal's latest run scored them (the
 * list, sorted and paged in the database), and one company with its contacts.
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { AccountReasonRow, Database } from '../../db/schema.js';
import type { Reason } from '../../model/index.js';
import { SIGNAL_KINDS, type AccountReasonKind } from '../../scoring/account-risk.js';
import { isMeaningfulReason } from '../../scoring/reason-text.js';
import { describeReason } from '../../scoring/recommendation.js';
import { apportionPoints, scoreChange, scorePoints } from '../../scoring/score-points.js';
import {
  ACCOUNT_SORTS,
  type AccountContact,
  type AccountList,
  type AccountListRow,
  type AccountSort,
  type AccountTier,
  type AccountView,
} from '../contracts/accounts.js';

const SORT_COLUMNS: Record<AccountSort, string> = {
  risk: 'a.probability',
  valueAtRisk: 'a.probability * a.value',
  renewal: 'a.renewal_at',
  name: "lower(coalesce(co.name, ''))",
  contacts: 'a.active_contacts',
};

const TIERS = ['low', 'medium', 'high'] as const;

export const accountsQuerySchema = z.object({
  tier: z
    .string()
    .default('high,medium,low')
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(z.enum(TIERS)).min(1)),
  sort: z.enum(ACCOUNT_SORTS).default('risk'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type AccountsQuery = z.infer<typeof accountsQuerySchema>;

/** The portal's latest run that scored accounts. */
async function latestAccountRun(db: Kysely<Database>, portalId: number) {
  return db
    .selectFrom('account_scores')
    .select(['run_id', 'scored_at'])
    .where('portal_id', '=', portalId)
    .orderBy('run_id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

const money = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : null);
const reasonsOf = (value: unknown) =>
  (typeof value === 'string' ? JSON.parse(value) : value) as AccountReasonRow[];

export async function listAccounts(
  db: Kysely<Database>,
  portalId: number,
  query: AccountsQuery,
): Promise<AccountList> {
  const run = await latestAccountRun(db, portalId);
  const empty = { accounts: 0, high: 0, medium: 0, valueAtRisk: 0, renewalsIn90Days: 0 };
  if (!run) return { total: 0, run: null, summary: empty, rows: [] };
  const runId = run.run_id;
  const where = sql`a.portal_id = ${portalId} and a.run_id = ${runId} and a.tier in (${sql.join(query.tier)})`;
  const direction = query.order === 'asc' ? sql`asc nulls last` : sql`desc nulls last`;
  const { rows } = await sql<Record<string, unknown>>`
    select a.*, co.name, co.domain, a.probability * a.value as value_at_risk,
      (select count(*) from contacts c join scores s on s.run_id = a.run_id and s.contact_id = c.id
        where c.portal_id = a.portal_id and c.company_id = a.company_id and s.tier = 'high') as high_contacts
    from account_scores a
    left join companies co on co.portal_id = a.portal_id and co.id = a.company_id
    where ${where}
    order by ${sql.raw(SORT_COLUMNS[query.sort])} ${direction}, a.company_id
    limit ${query.limit} offset ${query.offset}`.execute(db);
  const { rows: counts } = await sql<Record<string, unknown>>`
    select count(*) filter (where ${where}) as total, count(*) as accounts,
      count(*) filter (where a.tier = 'high') as high, count(*) filter (where a.tier = 'medium') as medium,
      coalesce(sum(a.probability * a.value), 0) as value_at_risk,
      count(*) filter (where a.renewal_at >= now() and a.renewal_at < now() + interval '90 days') as renewals
    from account_scores a where a.portal_id = ${portalId} and a.run_id = ${runId}`.execute(db);
  const c = counts[0] ?? {};
  return {
    total: Number(c.total ?? 0),
    run: { id: runId, scoredAt: run.scored_at.toISOString() },
    summary: {
      accounts: Number(c.accounts ?? 0),
      high: Number(c.high ?? 0),
      medium: Number(c.medium ?? 0),
      valueAtRisk: Number(c.value_at_risk ?? 0),
      renewalsIn90Days: Number(c.renewals ?? 0),
    },
    rows: rows.map(toListRow),
  };
}

function toListRow(r: Record<string, unknown>): AccountListRow {
  const probability = Number(r.probability);
  return {
    companyId: String(r.company_id),
    name: (r.name as string | null) ?? `Company ${String(r.company_id)}`,
    domain: (r.domain as string | null) ?? null,
    score: scorePoints(probability),
    probability,
    tier: r.tier as AccountTier,
    reasons: shownScore(probability, r.reasons).reasons,
    activeContacts: Number(r.active_contacts),
    highRiskContacts: Number(r.high_contacts ?? 0),
    value: money(r.value),
    valueAtRisk: money(r.value_at_risk),
    renewalAt: iso(r.renewal_at),
    renewalValue: money(r.renewal_value),
    scoredAt: iso(r.scored_at)!,
  };
}

/** The company view's contacts, at most this many. */
const CONTACTS_SHOWN = 200;

/** One company with its latest account score and its contacts; null when the portal has no such company. */
export async function loadAccount(
  db: Kysely<Database>,
  portalId: number,
  companyId: string,
  crmUrl: (contactId: string) => string,
): Promise<AccountView | null> {
  const company = await db
    .selectFrom('companies')
    .select(['id', 'name', 'domain', 'industry', 'employees', 'country'])
    .where('portal_id', '=', portalId)
    .where('id', '=', companyId)
    .where('archived', '=', false)
    .executeTakeFirst();
  if (!company) return null;
  const score = await db
    .selectFrom('account_scores')
    .selectAll()
    .where('portal_id', '=', portalId)
    .where('company_id', '=', companyId)
    .orderBy('run_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const { rows } = await sql<Record<string, unknown>>`
    select c.id, c.first_name, c.last_name, c.email, cs.status, cs.left_at,
      l.probability, l.tier, l.reasons, count(*) over () as total
    from contacts c
    left join customer_status cs on cs.portal_id = c.portal_id and cs.contact_id = c.id
    left join current_scores l on l.portal_id = c.portal_id and l.contact_id = c.id
    where c.portal_id = ${portalId} and c.company_id = ${companyId} and not c.archived
    order by case coalesce(cs.status, 'active') when 'active' then 0 when 'churned' then 1 else 2 end,
      l.probability desc nulls last, lower(coalesce(c.last_name, '') || ' ' || coalesce(c.first_name, '')), c.id
    limit ${CONTACTS_SHOWN}`.execute(db);
  const contacts = rows.map((r) => toContact(r, score?.decision_maker_id ?? null, crmUrl));
  const leader = contacts.find((c) => c.isDecisionMaker);
  const value = score?.value ?? null;
  return {
    companyId: company.id,
    name: company.name ?? `Company ${company.id}`,
    domain: company.domain,
    industry: company.industry,
    employees: company.employees,
    country: company.country,
    score: score
      ? {
          ...shownScore(score.probability, score.reasons),
          probability: score.probability,
          tier: score.tier,
          activeContacts: score.active_contacts,
          scoredAt: score.scored_at.toISOString(),
          runId: score.run_id,
        }
      : null,
    value,
    valueAtRisk: score && value !== null ? score.probability * value : null,
    renewal: score?.renewal_at ? { at: score.renewal_at.toISOString(), value: score.renewal_value } : null,
    decisionMaker: leader ? { contactId: leader.contactId, name: leader.name } : null,
    contacts,
    contactsTotal: Number(rows[0]?.total ?? 0),
  };
}

/**
 * The account's score as shown: its reasons' points and the split between its customers' own risk
 * and what its signals add, each to one decimal, apportioned so that the bars, the split and the
 * score agree to the tenth. The reasons are the largest few, so the customers' part also holds
 * what the unlisted customers bring.
 */
function shownScore(probability: number, stored: unknown) {
  const reasons = reasonsOf(stored);
  const listed = reasons.reduce((sum, r) => sum + r.points, 0);
  const shown = apportionPoints(probability, [...reasons.map((r) => r.points), probability * 100 - listed]);
  const shownReasons = reasons.map((r, i) => ({ ...r, points: shown[i]! }));
  const signals = shownReasons
    .filter((r) => SIGNAL_KINDS.has(r.kind as AccountReasonKind))
    .reduce((sum, r) => sum + r.points, 0);
  const score = scorePoints(probability);
  return {
    score,
    reasons: shownReasons,
    breakdown: { customers: scoreChange(score, signals), signals: scoreChange(signals, 0) },
  };
}

function toContact(
  r: Record<string, unknown>,
  decisionMakerId: string | null,
  crmUrl: (contactId: string) => string,
): AccountContact {
  const id = String(r.id);
  const status = (r.status as AccountContact['status']) ?? null;
  const scored = r.probability !== null && r.probability !== undefined && status !== 'churned';
  const reasons = scored
    ? ((typeof r.reasons === 'string' ? JSON.parse(r.reasons) : r.reasons) as Reason[])
    : [];
  const top = reasons.find((x) => x.contribution > 0 && isMeaningfulReason(x));
  return {
    contactId: id,
    name:
      [r.first_name, r.last_name].filter(Boolean).join(' ') || (r.email as string | null) || `Contact ${id}`,
    email: (r.email as string | null) ?? null,
    status,
    score: scored ? scorePoints(Number(r.probability)) : null,
    tier: scored ? (r.tier as string) : null,
    topReason: top ? describeReason(top) : null,
    isDecisionMaker: id === decisionMakerId,
    leftOn: status === 'churned' ? iso(r.left_at) : null,
    viewPath: `/app/contacts/${encodeURIComponent(id)}`,
    crmUrl: crmUrl(id),
  };
}
