import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import type { Reason } from '../../model/index.js';
import { recommendAction, type Recommendation } from '../../scoring/recommendation.js';
import { contactValues, latestScores, nextRenewal } from './latest-scores.js';

/** Sort keys and the column of the filtered rows each sorts by. */
const SORT_COLUMNS = {
  risk: 'probability',
  name: "lower(coalesce(lastname, '') || ' ' || coalesce(firstname, ''))",
  owner: 'owner_id',
  renewal: 'renewal_at',
  value: 'value',
  scored: 'scored_at',
} as const;

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
  reasons: Reason[];
  recommendation: Recommendation;
}

/** The weekly call list: current scores with their contact, filtered and sorted in the database. */
export async function listAtRisk(
  db: Kysely<Database>,
  portalId: number,
  query: AtRiskQuery,
): Promise<{ total: number; rows: AtRiskRow[] }> {
  const filters = [sql`l.tier in (${sql.join(query.tier)})`];
  if (query.owner) filters.push(sql`c.owner_id = ${query.owner}`);
  if (query.reason) {
    filters.push(
      sql`exists (select 1 from jsonb_array_elements(l.reasons) r
        where r->>'feature' = ${query.reason} and (r->>'contribution')::float8 > 0)`,
    );
  }
  const renewalFilter =
    query.renewalWeeks === undefined
      ? sql`true`
      : sql`renewal_at is not null and renewal_at <= now() + make_interval(weeks => ${query.renewalWeeks})`;
  const direction = query.order === 'asc' ? sql`asc nulls last` : sql`desc nulls last`;
  const { rows } = await sql<Record<string, unknown>>`
    select * from (
      select l.contact_id, l.probability, l.tier, l.reasons, l.scored_at, v.value,
        c.email, c.owner_id, c.properties->>'firstname' as firstname, c.properties->>'lastname' as lastname,
        co.name as company, ${nextRenewal} as renewal_at
      from ${latestScores(portalId)} l
      left join contacts c on c.portal_id = ${portalId} and c.id = l.contact_id
      left join companies co on co.portal_id = ${portalId} and co.id = c.company_id
      left join ${contactValues(portalId)} v on v.contact_id = l.contact_id
      where ${sql.join(filters, sql` and `)}
    ) x
    where ${renewalFilter}
    order by ${sql.raw(SORT_COLUMNS[query.sort])} ${direction}, contact_id
    limit ${query.limit + 1} offset ${query.offset}`.execute(db);
  const total = await countAtRisk(db, portalId, query, filters, renewalFilter);
  return { total, rows: rows.slice(0, query.limit).map(toRow) };
}

async function countAtRisk(
  db: Kysely<Database>,
  portalId: number,
  query: AtRiskQuery,
  filters: ReturnType<typeof sql>[],
  renewalFilter: ReturnType<typeof sql>,
): Promise<number> {
  const needsRenewal = query.renewalWeeks !== undefined;
  const { rows } = await sql<{ n: unknown }>`
    select count(*) as n from (
      select ${needsRenewal ? nextRenewal : sql`null`} as renewal_at
      from ${latestScores(portalId)} l
      left join contacts c on c.portal_id = ${portalId} and c.id = l.contact_id
      where ${sql.join(filters, sql` and `)}
    ) x where ${renewalFilter}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

function toRow(r: Record<string, unknown>): AtRiskRow {
  const reasons = (typeof r.reasons === 'string' ? JSON.parse(r.reasons) : r.reasons) as Reason[];
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
      .map((x) => x.label)
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
