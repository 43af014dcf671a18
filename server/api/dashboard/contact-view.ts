import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { NotFoundError } from '../../errors.js';
import type { Reason } from '../../model/index.js';
import { recommendAction, type Recommendation } from '../../scoring/recommendation.js';

export interface ContactView {
  contactId: string;
  name: string;
  email: string | null;
  company: string | null;
  ownerId: string | null;
  lifecycleStage: string | null;
  score: number | null;
  probability: number | null;
  tier: string | null;
  scoredAt: string | null;
  isStarterModel: boolean;
  reasons: Reason[];
  recommendation: Recommendation | null;
  /** The last score of each week, oldest first. */
  history: { week: string; score: number; tier: string }[];
}

/** What the risk card shows for one contact of the portal, with its weekly trend. */
export async function loadContactView(
  db: Kysely<Database>,
  portalId: number,
  contactId: string,
): Promise<ContactView> {
  const contact = await db
    .selectFrom('contacts')
    .leftJoin('companies', (j) =>
      j
        .onRef('companies.portal_id', '=', 'contacts.portal_id')
        .onRef('companies.id', '=', 'contacts.company_id'),
    )
    .select([
      'contacts.id',
      'contacts.email',
      'contacts.owner_id',
      'contacts.lifecycle_stage',
      'contacts.properties',
      'companies.name as company',
    ])
    .where('contacts.portal_id', '=', portalId)
    .where('contacts.id', '=', contactId)
    .executeTakeFirst();
  const { rows } = await sql<Record<string, unknown>>`
    select distinct on (date_trunc('week', s.scored_at)) date_trunc('week', s.scored_at) as week,
      s.probability, s.tier, s.reasons, s.scored_at, m.is_starter
    from scores s join models m on m.id = s.model_id
    where s.portal_id = ${portalId} and s.contact_id = ${contactId}
    order by date_trunc('week', s.scored_at) desc, s.scored_at desc
    limit 26`.execute(db);
  if (!contact && rows.length === 0) throw new NotFoundError(`No contact ${contactId} in this portal.`);
  const latest = rows[0];
  const reasons = latest
    ? ((typeof latest.reasons === 'string' ? JSON.parse(latest.reasons) : latest.reasons) as Reason[])
    : [];
  const tier = latest ? (latest.tier as 'low' | 'medium' | 'high') : null;
  const p = contact?.properties ?? {};
  return {
    contactId,
    name: [p.firstname, p.lastname].filter(Boolean).join(' ') || contact?.email || `Contact ${contactId}`,
    email: contact?.email ?? null,
    company: contact?.company ?? null,
    ownerId: contact?.owner_id ?? null,
    lifecycleStage: contact?.lifecycle_stage ?? null,
    score: latest ? Math.round(Number(latest.probability) * 100) : null,
    probability: latest ? Number(latest.probability) : null,
    tier,
    scoredAt: latest ? new Date(latest.scored_at as string).toISOString() : null,
    isStarterModel: latest ? Boolean(latest.is_starter) : false,
    reasons,
    recommendation: tier ? recommendAction(reasons, tier) : null,
    history: rows
      .map((r) => ({
        week: new Date(r.week as string).toISOString().slice(0, 10),
        score: Math.round(Number(r.probability) * 100),
        tier: String(r.tier),
      }))
      .reverse(),
  };
}
