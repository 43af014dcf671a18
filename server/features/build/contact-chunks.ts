import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** What the profile features and the label rules read of a contact and its company. */
export interface ContactRow {
  id: string;
  created_at: Date | null;
  updated_at: Date | null;
  lifecycle_stage: string | null;
  properties: Record<string, string | null>;
  /** The CRM's history of the properties the churn rule reads, oldest first (see customer-status). */
  property_history: Record<string, { value: string | null; at: string }[]> | null;
  /** Neutral: prospect, customer or former, whatever the CRM names its stages. */
  stage_kind: 'prospect' | 'customer' | 'former' | null;
  customer_since: Date | null;
  former_since: Date | null;
  company_id?: string | null;
  company_properties: Record<string, string | null> | null;
  /** The company's own stage kind and former date: an account's churn reaches its contacts. */
  company_stage?: { kind: 'prospect' | 'customer' | 'former' | null; formerSince: Date | null } | null;
}

/** The contact columns the features and the customer status read. */
export const CONTACT_COLUMNS = [
  'id',
  'created_at',
  'updated_at',
  'lifecycle_stage',
  'stage_kind',
  'customer_since',
  'former_since',
  'properties',
  'property_history',
  'company_id',
] as const;

export const DEFAULT_CHUNK_SIZE = 1000;

/**
 * The portal's live contacts, a chunk at a time, in id order: each chunk is one keyset query, so
 * a portal of any size is walked with one chunk in memory.
 */
export async function* contactChunks(
  db: Kysely<Database>,
  portalId: number,
  chunkSize = DEFAULT_CHUNK_SIZE,
): AsyncGenerator<ContactRow[]> {
  let after: string | null = null;
  for (;;) {
    let query = db
      .selectFrom('contacts')
      .select(CONTACT_COLUMNS)
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
): Promise<ContactRow[]> {
  let query = db
    .selectFrom('contacts')
    .select(CONTACT_COLUMNS)
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

type ContactWithCompany = Omit<ContactRow, 'company_properties' | 'company_stage'>;

async function withCompanies(
  db: Kysely<Database>,
  portalId: number,
  contacts: ContactWithCompany[],
): Promise<ContactRow[]> {
  // Companies by id apart from the contact query: a join would let the planner scan them all.
  const companyIds = [...new Set(contacts.flatMap((c) => (c.company_id ? [c.company_id] : [])))];
  const companies = new Map<
    string,
    { properties: Record<string, string | null>; stage_kind: ContactRow['stage_kind']; former_since: Date | null }
  >();
  if (companyIds.length > 0) {
    const rows = await db
      .selectFrom('companies')
      .select(['id', 'properties', 'stage_kind', 'former_since'])
      .where('portal_id', '=', portalId)
      .where('id', 'in', companyIds)
      .execute();
    for (const row of rows) companies.set(row.id, row);
  }
  return contacts.map((contact) => {
    const company = contact.company_id ? companies.get(contact.company_id) : undefined;
    return {
      ...contact,
      company_properties: company?.properties ?? null,
      company_stage: company ? { kind: company.stage_kind, formerSince: company.former_since } : null,
    };
  });
}
