import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ruleProperties } from '../../settings/churn-rule.js';
import { portalChurnRule } from '../customer-histories.js';

/** What the profile features and the label rules read of a contact and its company. */
export interface ContactRow {
  id: string;
  created_at: Date | null;
  updated_at: Date | null;
  lifecycle_stage: string | null;
  /**
   * The CRM properties the portal's churn rule reads (a property rule's property and its date),
   * the only ones read from here: the warehouse keeps every synced property, about 850 bytes a
   * contact, and the loaders leave the others out.
   */
  properties: Record<string, string | null>;
  /** The CRM's history of the properties the churn rule reads, oldest first (see customer-status). */
  property_history: Record<string, { value: string | null; at: string }[]> | null;
  /** Neutral: prospect, customer or former, whatever the CRM names its stages. */
  stage_kind: 'prospect' | 'customer' | 'former' | null;
  customer_since: Date | null;
  former_since: Date | null;
  plan: string | null;
  billing_period: string | null;
  segment: string | null;
  country: string | null;
  company_id?: string | null;
  /** The contact's company, in neutral terms; its stage too, since an account's churn reaches its contacts. */
  company: CompanyFacts | null;
}

export interface CompanyFacts {
  kind: 'prospect' | 'customer' | 'former' | null;
  formerSince: Date | null;
  employees: number | null;
  industry: string | null;
  country: string | null;
}

/** The contact columns the features and the customer status read (and `properties`, see below). */
export const CONTACT_COLUMNS = [
  'id',
  'created_at',
  'updated_at',
  'lifecycle_stage',
  'stage_kind',
  'customer_since',
  'former_since',
  'property_history',
  'plan',
  'billing_period',
  'segment',
  'country',
  'company_id',
] as const;

export const DEFAULT_CHUNK_SIZE = 1000;

export interface ContactLoadOptions {
  /** The properties to load into `properties`: by default those of the portal's churn rule. */
  ruleProperties?: readonly string[];
}

/** The stored `properties` cut down to the named ones (a property not stored is null). */
async function propertiesColumn(db: Kysely<Database>, portalId: number, options: ContactLoadOptions) {
  const names = options.ruleProperties ?? ruleProperties(await portalChurnRule(db, portalId));
  return names.length === 0
    ? sql<Record<string, string | null>>`'{}'::jsonb`.as('properties')
    : sql<Record<string, string | null>>`jsonb_build_object(${sql.join(
        names.map((name) => sql`${name}::text, properties ->> ${name}::text`),
      )})`.as('properties');
}

/** How many live contacts the portal holds: what a fixed sample of them is a share of. */
export async function liveContactCount(db: Kysely<Database>, portalId: number): Promise<number> {
  const { live } = await db
    .selectFrom('contacts')
    .select(sql<number>`count(*)::int`.as('live'))
    .where('portal_id', '=', portalId)
    .where('archived', '=', false)
    .executeTakeFirstOrThrow();
  return live;
}

/**
 * The portal's live contacts, a chunk at a time, in id order: each chunk is one keyset query, so
 * a portal of any size is walked with one chunk in memory.
 */
export async function* contactChunks(
  db: Kysely<Database>,
  portalId: number,
  chunkSize = DEFAULT_CHUNK_SIZE,
  options: ContactLoadOptions = {},
): AsyncGenerator<ContactRow[]> {
  const properties = await propertiesColumn(db, portalId, options);
  let after: string | null = null;
  for (;;) {
    let query = db
      .selectFrom('contacts')
      .select([...CONTACT_COLUMNS, properties])
      .where('portal_id', '=', portalId)
      .where('archived', '=', false)
      .orderBy('id')
      .limit(chunkSize);
    if (after !== null) query = query.where('id', '>', after);
    const rows = await withCompanies(db, portalId, await query.execute());
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < chunkSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** Which live contacts to load: by id, or the id range [from, upTo] in id order. */
export type ContactSelection = { ids: readonly string[] } | { from: string; upTo: string };

/** Live contacts by id or id range, with their company, as the chunks above give them. */
export async function loadContacts(
  db: Kysely<Database>,
  portalId: number,
  selection: ContactSelection,
  options: ContactLoadOptions = {},
): Promise<ContactRow[]> {
  let query = db
    .selectFrom('contacts')
    .select([...CONTACT_COLUMNS, await propertiesColumn(db, portalId, options)])
    .where('portal_id', '=', portalId)
    .where('archived', '=', false)
    .orderBy('id');
  if ('ids' in selection) {
    if (selection.ids.length === 0) return [];
    query = query.where('id', 'in', [...selection.ids]);
  } else {
    query = query.where('id', '>=', selection.from).where('id', '<=', selection.upTo);
  }
  return withCompanies(db, portalId, await query.execute());
}

type ContactWithCompany = Omit<ContactRow, 'company'>;

async function withCompanies(
  db: Kysely<Database>,
  portalId: number,
  contacts: ContactWithCompany[],
): Promise<ContactRow[]> {
  // Companies by id apart from the contact query: a join would let the planner scan them all.
  const companyIds = [...new Set(contacts.flatMap((c) => (c.company_id ? [c.company_id] : [])))];
  const companies = new Map<string, CompanyFacts>();
  if (companyIds.length > 0) {
    const rows = await db
      .selectFrom('companies')
      .select(['id', 'stage_kind', 'former_since', 'employees', 'industry', 'country'])
      .where('portal_id', '=', portalId)
      .where('id', 'in', companyIds)
      .execute();
    for (const row of rows) {
      companies.set(row.id, {
        kind: row.stage_kind,
        formerSince: row.former_since,
        employees: row.employees,
        industry: row.industry,
        country: row.country,
      });
    }
  }
  return contacts.map((contact) => ({
    ...contact,
    company: contact.company_id ? (companies.get(contact.company_id) ?? null) : null,
  }));
}
