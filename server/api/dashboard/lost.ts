import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { describeEvidence, type ChurnEvidence } from '../../features/customer-status.js';

/**
 * The customers who left: when, what showed it, the value lost (their won deals in the year before
 * they left) and whether they are worth winning back. A win-back candidate left within the last
 * 180 days after at least 180 days as a customer, or with revenue in their last year.
 */
export const WIN_BACK_DAYS = 180;

const SORTS = { left: 'cs.left_at', value: 'value_lost' } as const;

export const lostQuerySchema = z.object({
  /** Only those who left within this many days (default a year). */
  withinDays: z.coerce.number().int().min(1).max(3650).default(365),
  winBack: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  sort: z.enum(Object.keys(SORTS) as [keyof typeof SORTS]).default('left'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type LostQuery = z.infer<typeof lostQuerySchema>;

export interface LostRow {
  contactId: string;
  name: string;
  email: string | null;
  company: string | null;
  ownerId: string | null;
  customerSince: string | null;
  /** Null when the CRM shows the churn without a date. */
  leftOn: string | null;
  /** What showed it, in words: "Lifecycle stage set to Other (former customer)". */
  evidence: string;
  valueLost: number | null;
  winBack: boolean;
}

export interface LostList {
  total: number;
  summary: { last30Days: number; last90Days: number; valueLost90Days: number; winBackCandidates: number };
  rows: LostRow[];
}

/** Revenue of the contact in the year before it left: its deals won then. */
const valueLost = sql`(
  select sum(d.amount)::float8 from associations a
  join deals d on d.portal_id = a.portal_id and d.id = a.to_id
  where a.portal_id = cs.portal_id and a.from_type = 'contacts' and a.from_id = cs.contact_id
    and a.to_type = 'deals' and d.is_closed_won = true and not d.archived
    and d.close_date <= coalesce(cs.left_at, now()) and d.close_date > coalesce(cs.left_at, now()) - interval '365 days'
)`;

const winBack = sql`(cs.left_at >= now() - make_interval(days => ${WIN_BACK_DAYS})
  and (cs.left_at - cs.since >= make_interval(days => ${WIN_BACK_DAYS}) or coalesce(v.value_lost, 0) > 0))`;

export async function listLost(db: Kysely<Database>, portalId: number, query: LostQuery): Promise<LostList> {
  const within = sql`(cs.left_at is null or cs.left_at >= now() - make_interval(days => ${query.withinDays}))`;
  const chosen = query.winBack === undefined ? sql`true` : query.winBack ? sql`win_back` : sql`not win_back`;
  const direction = query.order === 'asc' ? sql`asc nulls last` : sql`desc nulls last`;
  const lost = sql`
    select cs.contact_id, cs.since, cs.left_at, cs.evidence, v.value_lost, ${winBack} as win_back
    from customer_status cs
    cross join lateral (select ${valueLost} as value_lost) v
    where cs.portal_id = ${portalId} and cs.status = 'churned' and ${within}`;
  const { rows } = await sql<Record<string, unknown>>`
    with lost as (${lost})
    select l.*, c.email, c.owner_id, c.first_name as firstname,
      c.last_name as lastname, co.name as company
    from lost l
    join contacts c on c.portal_id = ${portalId} and c.id = l.contact_id
    left join companies co on co.portal_id = ${portalId} and co.id = c.company_id
    where ${chosen}
    order by ${sql.raw(query.sort === 'left' ? 'l.left_at' : 'l.value_lost')} ${direction}, l.contact_id
    limit ${query.limit} offset ${query.offset}`.execute(db);
  const { rows: totals } = await sql<Record<string, unknown>>`
    with lost as (${lost})
    select count(*) filter (where ${chosen}) as total,
      count(*) filter (where left_at >= now() - interval '30 days') as last30,
      count(*) filter (where left_at >= now() - interval '90 days') as last90,
      coalesce(sum(value_lost) filter (where left_at >= now() - interval '90 days'), 0) as value90,
      count(*) filter (where win_back) as win_back
    from lost`.execute(db);
  const t = totals[0] ?? {};
  return {
    total: Number(t.total ?? 0),
    summary: {
      last30Days: Number(t.last30 ?? 0),
      last90Days: Number(t.last90 ?? 0),
      valueLost90Days: Number(t.value90 ?? 0),
      winBackCandidates: Number(t.win_back ?? 0),
    },
    rows: rows.map(toRow),
  };
}

function toRow(r: Record<string, unknown>): LostRow {
  const evidence = (
    typeof r.evidence === 'string' ? JSON.parse(r.evidence) : r.evidence
  ) as ChurnEvidence | null;
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return {
    contactId: String(r.contact_id),
    name:
      [r.firstname, r.lastname].filter(Boolean).join(' ') ||
      (r.email as string | null) ||
      `Contact ${r.contact_id}`,
    email: (r.email as string | null) ?? null,
    company: (r.company as string | null) ?? null,
    ownerId: (r.owner_id as string | null) ?? null,
    customerSince: iso(r.since),
    leftOn: iso(r.left_at),
    evidence: evidence ? describeEvidence(evidence) : 'Left',
    valueLost: r.value_lost === null || r.value_lost === undefined ? null : Number(r.value_lost),
    winBack: r.win_back === true,
  };
}
