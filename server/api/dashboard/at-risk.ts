import { sql, type Kysely, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import type { Reason } from '../../model/index.js';
import { isMeaningfulReason } from '../../scoring/reason-text.js';
import { describeReason, recommendAction, type Recommendation } from '../../scoring/recommendation.js';
import { nextRenewal } from './latest-scores.js';

/**
 * Sort keys and what each sorts by: `{l}` is the score, `{c}` the contact; `renewal_at` and `value`
 * are the query's own columns. The page is sorted again by the same keys once its contacts are
 * joined.
 */
const SORT_COLUMNS = {
  risk: '{l}.probability',
  name: "lower(coalesce({c}.last_name, '') || ' ' || coalesce({c}.first_name, ''))",
  owner: '{c}.owner_id',
  renewal: 'renewal_at',
  value: 'value',
  scored: '{l}.scored_at',
} as const;

const sortBy = (sort: keyof typeof SORT_COLUMNS, score: string) =>
  sql.raw(SORT_COLUMNS[sort].replaceAll('{l}', score).replaceAll('{c}', 'c'));

export const atRiskQuerySchema = z.object({
  tier: z
    .string()
    .default('high,medium')
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(z.enum(['low', 'medium', 'high'])).min(1)),
  owner: z.string().max(100).optional(),
  renewalWeeks: z.coerce.number().int().min(0).max(520).optional(),
  reason: z
    .string()
    .regex(/^[a-z0-9_]{1,80}$/)
    .optional(),
  sort: z.enum(Object.keys(SORT_COLUMNS) as [keyof typeof SORT_COLUMNS]).default('risk'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type AtRiskQuery = z.infer<typeof atRiskQuerySchema>;

export interface AtRiskRow {
  contactId: string;
  name: string;
  email: string | null;
  company: string | null;
  ownerId: string | null;
  probability: number;
  score: number;
  tier: string;
  scoredAt: string;
  renewalAt: string | null;
  value: number | null;
  /** Each with its `text` in plain words: "No purchase in 12 months". */
  reasons: (Reason & { text: string })[];
  recommendation: Recommendation;
}

/** Yearly revenue of the contact whose id is in `contactId`: its deals won in the last 365 days. */
function valueOf(portalId: number, contactId: RawBuilder<unknown>) {
  return sql`(
    select sum(d.amount)::float8 from associations a
    join deals d on d.portal_id = a.portal_id and d.id = a.to_id
    where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.from_id = ${contactId}
      and a.to_type = 'deals' and d.is_closed_won = true and d.close_date >= now() - interval '365 days'
  )`;
}

/**
 * The weekly call list: current scores with their contact, filtered, sorted and paged in the
 * database. Renewal dates and values are worked out for every row only when a filter or the sort
 * needs them; otherwise for the page's rows alone.
 */
export async function listAtRisk(
  db: Kysely<Database>,
  portalId: number,
  query: AtRiskQuery,
): Promise<{ total: number; rows: AtRiskRow[] }> {
  const filters = [sql`l.portal_id = ${portalId}`, sql`l.tier in (${sql.join(query.tier)})`];
  if (query.owner) filters.push(sql`c.owner_id = ${query.owner}`);
  if (query.reason) {
    filters.push(
      sql`exists (select 1 from jsonb_array_elements(l.reasons) r
        where r->>'feature' = ${query.reason} and (r->>'contribution')::float8 > 0)`,
    );
  }
  if (query.renewalWeeks !== undefined) {
    filters.push(sql`${nextRenewal} <= now() + make_interval(weeks => ${query.renewalWeeks})`);
  }
  const where = sql.join(filters, sql` and `);
  // Contacts are joined to every current score only when a filter or the sort reads them.
  const needsContact =
    query.owner !== undefined ||
    query.renewalWeeks !== undefined ||
    ['name', 'owner', 'renewal'].includes(query.sort);
  const from = needsContact
    ? sql`current_scores l left join contacts c on c.portal_id = l.portal_id and c.id = l.contact_id`
    : sql`current_scores l`;
  const direction = query.order === 'asc' ? sql`asc nulls last` : sql`desc nulls last`;
  const { rows } = await sql<Record<string, unknown>>`
    with page as (
      select l.contact_id, l.probability, l.tier, l.reasons, l.scored_at,
        ${query.sort === 'renewal' ? nextRenewal : sql`null::timestamptz`} as renewal_at,
        ${query.sort === 'value' ? valueOf(portalId, sql.ref('l.contact_id')) : sql`null::float8`} as value
      from ${from}
      where ${where}
      order by ${sortBy(query.sort, 'l')} ${direction}, l.contact_id
      limit ${query.limit} offset ${query.offset}
    )
    select p.contact_id, p.probability, p.tier, p.reasons, p.scored_at, c.email, c.owner_id,
      c.first_name as firstname, c.last_name as lastname, co.name as company,
      coalesce(p.renewal_at, ${nextRenewal}) as renewal_at,
      coalesce(p.value, ${valueOf(portalId, sql.ref('p.contact_id'))}) as value
    from page p
    left join contacts c on c.portal_id = ${portalId} and c.id = p.contact_id
    left join companies co on co.portal_id = ${portalId} and co.id = c.company_id
    order by ${sortBy(query.sort, 'p')} ${direction}, p.contact_id`.execute(db);
  const { rows: count } = await sql<{ n: unknown }>`select count(*) as n from ${from} where ${where}`.execute(
    db,
  );
  return { total: Number(count[0]?.n ?? 0), rows: rows.map(toRow) };
}

function toRow(r: Record<string, unknown>): AtRiskRow {
  const stored = (typeof r.reasons === 'string' ? JSON.parse(r.reasons) : r.reasons) as Reason[];
  // Every reason in plain words; a missing value is never one (older scores may hold some).
  const reasons = stored.filter(isMeaningfulReason).map((x) => ({ ...x, text: describeReason(x) }));
  const tier = r.tier as 'low' | 'medium' | 'high';
  const name =
    [r.firstname, r.lastname].filter(Boolean).join(' ') ||
    (r.email as string | null) ||
    `Contact ${r.contact_id}`;
  const probability = Number(r.probability);
  return {
    contactId: String(r.contact_id),
    name,
    email: (r.email as string | null) ?? null,
    company: (r.company as string | null) ?? null,
    ownerId: (r.owner_id as string | null) ?? null,
    probability,
    score: Math.round(probability * 100),
    tier,
    scoredAt: new Date(r.scored_at as string).toISOString(),
    renewalAt: r.renewal_at ? new Date(r.renewal_at as string).toISOString() : null,
    value: r.value === null || r.value === undefined ? null : Number(r.value),
    reasons,
    recommendation: recommendAction(reasons, tier),
  };
}

const CSV_COLUMNS = [
  'contact_id',
  'name',
  'email',
  'company',
  'owner_id',
  'score',
  'tier',
  'renewal',
  'value',
  'top_reasons',
  'recommended_action',
  'crm_url',
] as const;

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function atRiskCsv(rows: AtRiskRow[], crmUrl: (contactId: string) => string): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const reasons = r.reasons
      .filter((x) => x.contribution > 0)
      .slice(0, 3)
      .map(describeReason)
      .join('; ');
    lines.push(
      [
        r.contactId,
        r.name,
        r.email,
        r.company,
        r.ownerId,
        r.score,
        r.tier,
        r.renewalAt?.slice(0, 10),
        r.value,
        reasons,
        r.recommendation.title,
        crmUrl(r.contactId),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
