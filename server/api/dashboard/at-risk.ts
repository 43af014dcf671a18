import { sql, type Kysely, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { identityFeatureNames } from '../../features/index.js';
import type { Reason } from '../../model/index.js';
import { isMeaningfulReason } from '../../scoring/reason-text.js';
import { describeReason, recommendAction, type Recommendation } from '../../scoring/recommendation.js';
import { scoreChange, scorePoints, scorePointsSql } from '../../scoring/score-points.js';
import { nextRenewal } from './latest-scores.js';
import { unlistedOwnerName } from './owner-label.js';

/** How many reasons a row shows, and the reason filter looks at. */
export const TOP_REASONS = 3;

/**
 * Sort keys and what each sorts by: `{l}` is the score, `{c}` the contact, `{o}` its owner;
 * `renewal_at` and `value` are the query's own columns. The page is sorted again by the same keys
 * once its contacts are joined. `change` is worked out in the database exactly as the row shows it:
 * the difference of the two scores, each rounded to one decimal.
 */
const SORT_COLUMNS = {
  risk: '{l}.probability',
  change: `(${scorePointsSql('{l}.probability')} - ${scorePointsSql('{l}.previous_probability')})`,
  name: "lower(coalesce({c}.last_name, '') || ' ' || coalesce({c}.first_name, ''))",
  owner: 'lower(coalesce({o}.name, {c}.owner_id))',
  renewal: 'renewal_at',
  value: 'value',
  scored: '{l}.scored_at',
} as const;

const sortBy = (sort: keyof typeof SORT_COLUMNS, score: string) =>
  sql.raw(SORT_COLUMNS[sort].replaceAll('{l}', score).replaceAll('{c}', 'c').replaceAll('{o}', 'ow'));

/**
 * An owner's id as the CRM gives it, `me`: the owner who is the signed-in user, or `left`: any
 * owner who left the CRM, whose customers nobody looks after.
 */
export const MY_ACCOUNTS = 'me';
export const OWNER_LEFT = 'left';

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

/** Who asks: `owner=me` is their own owner. */
export interface Viewer {
  /** The CRM user of the session (`sessions.user_id`), matched to `owners.user_id`. */
  userId: string;
}

export type ListedReason = Reason & { text: string };

export interface AtRiskRow {
  contactId: string;
  name: string;
  email: string | null;
  company: string | null;
  /** The CRM's owner id; kept beside `owner` for older clients. */
  ownerId: string | null;
  /**
   * The owner by name ("Owner 123" until the CRM's owners are synced), and whether they left the
   * CRM (a deactivated user whom the contact still names).
   */
  owner: { id: string; name: string; left: boolean } | null;
  probability: number;
  /** 0–100, to one decimal (`scorePoints`). */
  score: number;
  tier: string;
  scoredAt: string;
  /** Score points gained (+) or lost (−) since the contact's last score of an earlier week; null without one. */
  change: number | null;
  renewalAt: string | null;
  value: number | null;
  /** The reasons raising the risk most, strongest first, at most three, each with its `text` in plain words. */
  reasons: ListedReason[];
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
 * The reasons a row shows (`topReasons`), in SQL over the score `l`: raising the risk, with a
 * value that says something, not an identity-like feature, strongest first (ties in stored order),
 * at most three.
 */
const shownReasonFeatures = sql`(
  select r->>'feature' from jsonb_array_elements(l.reasons) with ordinality as e(r, n)
  where (r->>'contribution')::float8 > 0
    and r->>'feature' not in (${sql.join(identityFeatureNames())})
    and (jsonb_typeof(r->'value') = 'number'
      or (jsonb_typeof(r->'value') = 'string' and lower(btrim(r->>'value', E' \\t\\n\\r')) not in ('', 'unknown')))
  order by (r->>'contribution')::float8 desc, n
  limit ${TOP_REASONS})`;

/** The reasons a row shows, in words: those raising the risk most, strongest first. */
export function topReasons(stored: readonly Reason[]): ListedReason[] {
  return stored
    .filter((r) => r.contribution > 0 && isMeaningfulReason(r))
    .sort((a, b) => b.contribution - a.contribution)
    .slice(0, TOP_REASONS)
    .map((r) => ({ ...r, text: describeReason(r) }));
}

type ListFilters = Omit<AtRiskQuery, 'sort' | 'order' | 'limit' | 'offset'> & {
  sort?: AtRiskQuery['sort'];
};

/** The list's rows (`current_scores l`, with `contacts c` and `owners ow` when needed) and its filters. */
function listScope(portalId: number, query: ListFilters, viewer: Viewer | undefined, joinContacts = false) {
  const filters = [sql`l.portal_id = ${portalId}`, sql`l.tier in (${sql.join(query.tier)})`];
  // Snoozed from the contact view: off the list while the contact's latest mark is a running snooze.
  filters.push(sql`not exists (select 1 from (select o.outcome, o.until from contact_outcomes o
      where o.portal_id = l.portal_id and o.contact_id = l.contact_id and o.undone_at is null
      order by o.created_at desc, o.id desc limit 1) o
    where o.outcome = 'snoozed' and o.until > now())`);
  if (query.owner === MY_ACCOUNTS) {
    // Nobody's accounts when the signed-in user is no owner of the portal.
    filters.push(sql`c.owner_id in (select mine.id from owners mine
      where mine.portal_id = ${portalId} and mine.user_id = ${viewer?.userId ?? null})`);
  } else if (query.owner === OWNER_LEFT) {
    filters.push(sql`c.owner_id in (select gone.id from owners gone
      where gone.portal_id = ${portalId} and not gone.active)`);
  } else if (query.owner) filters.push(sql`c.owner_id = ${query.owner}`);
  if (query.reason) filters.push(sql`${query.reason} in ${shownReasonFeatures}`);
  if (query.renewalWeeks !== undefined) {
    filters.push(sql`${nextRenewal} <= now() + make_interval(weeks => ${query.renewalWeeks})`);
  }
  // Contacts (and their owners) are joined to every current score only when a filter or the sort reads them.
  const needsContact =
    joinContacts ||
    query.owner !== undefined ||
    query.renewalWeeks !== undefined ||
    ['name', 'owner', 'renewal'].includes(query.sort ?? 'risk');
  const from = needsContact
    ? sql`current_scores l left join contacts c on c.portal_id = l.portal_id and c.id = l.contact_id
        left join owners ow on ow.portal_id = c.portal_id and ow.id = c.owner_id`
    : sql`current_scores l`;
  return { from, where: sql.join(filters, sql` and `) };
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
  viewer?: Viewer,
): Promise<{ total: number; rows: AtRiskRow[] }> {
  const { from, where } = listScope(portalId, query, viewer);
  const direction = query.order === 'asc' ? sql`asc nulls last` : sql`desc nulls last`;
  const { rows } = await sql<Record<string, unknown>>`
    with page as (
      select l.contact_id, l.probability, l.previous_probability, l.tier, l.reasons, l.scored_at,
        ${query.sort === 'renewal' ? nextRenewal : sql`null::timestamptz`} as renewal_at,
        ${query.sort === 'value' ? valueOf(portalId, sql.ref('l.contact_id')) : sql`null::float8`} as value
      from ${from}
      where ${where}
      order by ${sortBy(query.sort, 'l')} ${direction}, l.contact_id
      limit ${query.limit} offset ${query.offset}
    )
    select p.contact_id, p.probability, p.previous_probability, p.tier, p.reasons, p.scored_at, c.email,
      c.owner_id, ow.name as owner_name, ow.active as owner_active,
      c.first_name as firstname, c.last_name as lastname,
      co.name as company,
      coalesce(p.renewal_at, ${nextRenewal}) as renewal_at,
      coalesce(p.value, ${valueOf(portalId, sql.ref('p.contact_id'))}) as value
    from page p
    left join contacts c on c.portal_id = ${portalId} and c.id = p.contact_id
    left join owners ow on ow.portal_id = ${portalId} and ow.id = c.owner_id
    left join companies co on co.portal_id = ${portalId} and co.id = c.company_id
    order by ${sortBy(query.sort, 'p')} ${direction}, p.contact_id`.execute(db);
  const { rows: count } = await sql<{ n: unknown }>`select count(*) as n from ${from} where ${where}`.execute(
    db,
  );
  return { total: Number(count[0]?.n ?? 0), rows: rows.map(toRow) };
}

export interface ListOwner {
  id: string;
  name: string;
  email: string | null;
  /** The owner left the CRM (a deactivated user). */
  left: boolean;
  /** Contacts of the list (its filters but the owner) this owner has. */
  contacts: number;
}

/**
 * The owners to filter the list by: every owner the CRM lists (those who left too), and any other a
 * listed contact names, each with how many of the list's contacts (under its other filters) are
 * theirs, the busiest first; and the signed-in user's own owner, if they are one.
 */
export async function listAtRiskOwners(
  db: Kysely<Database>,
  portalId: number,
  query: Omit<ListFilters, 'owner' | 'sort'>,
  viewer?: Viewer,
): Promise<{ owners: ListOwner[]; me: { id: string; name: string } | null }> {
  const { from, where } = listScope(portalId, query, viewer, true);
  const { rows } = await sql<{
    id: string;
    name: string | null;
    email: string | null;
    active: boolean | null;
    contacts: unknown;
  }>`
    with listed as (
      select c.owner_id as id, count(*) as contacts from ${from}
      where ${where} and c.owner_id is not null group by c.owner_id
    )
    select coalesce(o.id, listed.id) as id, o.name, o.email, o.active,
      coalesce(listed.contacts, 0) as contacts
    from (select id, name, email, active from owners where portal_id = ${portalId}) o
    full join listed on listed.id = o.id
    order by coalesce(listed.contacts, 0) desc, lower(coalesce(o.name, listed.id)), 1
    limit 500`.execute(db);
  const mine = viewer
    ? await db
        .selectFrom('owners')
        .select(['id', 'name'])
        .where('portal_id', '=', portalId)
        .where('user_id', '=', viewer.userId)
        .orderBy('id')
        .executeTakeFirst()
    : undefined;
  return {
    owners: rows.map((r) => ({
      id: r.id,
      name: r.name ?? unlistedOwnerName(r.id),
      email: r.email,
      left: r.active === false,
      contacts: Number(r.contacts),
    })),
    me: mine ? { id: mine.id, name: mine.name } : null,
  };
}

function ownerOf(id: string, name: string | null, active: boolean | null): AtRiskRow['owner'] {
  return { id, name: name ?? unlistedOwnerName(id), left: active === false };
}

function toRow(r: Record<string, unknown>): AtRiskRow {
  const stored = (typeof r.reasons === 'string' ? JSON.parse(r.reasons) : r.reasons) as Reason[];
  const tier = r.tier as 'low' | 'medium' | 'high';
  const name =
    [r.firstname, r.lastname].filter(Boolean).join(' ') ||
    (r.email as string | null) ||
    `Contact ${r.contact_id}`;
  const probability = Number(r.probability);
  const score = scorePoints(probability);
  const previous = r.previous_probability === null ? null : Number(r.previous_probability);
  const ownerId = (r.owner_id as string | null) ?? null;
  return {
    contactId: String(r.contact_id),
    name,
    email: (r.email as string | null) ?? null,
    company: (r.company as string | null) ?? null,
    ownerId,
    owner: ownerId ? ownerOf(ownerId, r.owner_name as string | null, r.owner_active as boolean | null) : null,
    probability,
    score,
    tier,
    scoredAt: new Date(r.scored_at as string).toISOString(),
    change: previous === null ? null : scoreChange(score, scorePoints(previous)),
    renewalAt: r.renewal_at ? new Date(r.renewal_at as string).toISOString() : null,
    value: r.value === null || r.value === undefined ? null : Number(r.value),
    reasons: topReasons(stored),
    // The play reads every stored reason, as the card's does.
    recommendation: recommendAction(stored, tier),
  };
}
