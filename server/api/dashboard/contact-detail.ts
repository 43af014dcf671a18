/**
 * What the dashboard's contact view shows beside the risk card's content: the company (with a
 * link to its CRM record), the lifecycle stage in words, the owner, the latest tickets and emails
 * with their tone, and the advisor's latest outcome. The card does not read these: it sits in the
 * CRM's own record page, which shows them already.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { toneOf, type Tone } from '../../scoring/reason-text.js';
import { latestContactOutcome, type ContactOutcome } from './contact-outcomes.js';
import { ownerLabel } from './owner-label.js';

/** How many tickets and emails the view lists. */
export const RECENT_ITEMS = 5;

export interface ContactTicket {
  id: string;
  subject: string | null;
  status: 'open' | 'closed';
  /** The CRM's priority in words ("High"), or null. */
  priority: string | null;
  openedAt: string | null;
  /** The stored sentiment of the ticket's text in a word; null until scored. */
  tone: Tone | null;
}

export interface ContactEmail {
  id: string;
  subject: string | null;
  /** `inbound` from the customer, `outbound` to them; null when the CRM does not say. */
  direction: 'inbound' | 'outbound' | null;
  sentAt: string | null;
  /** Inbound emails only: the stored sentiment in a word. */
  tone: Tone | null;
}

export interface ContactDetail {
  company: { id: string; name: string; crmUrl: string | null } | null;
  /** The CRM's lifecycle stage in words ("Sales qualified lead"), and its neutral kind. */
  stage: { label: string | null; kind: 'prospect' | 'customer' | 'former' | null };
  /**
   * The CRM owner: `label` is their name once the owners are synced (marked "(left)" for one who
   * left the CRM, whom the contact still names), else "Owner <id>".
   */
  owner: { id: string; name: string | null; email: string | null; label: string; left: boolean } | null;
  tickets: ContactTicket[];
  emails: ContactEmail[];
  /** The advisor's latest mark that is not undone (saved, lost, snoozed). */
  outcome: ContactOutcome | null;
}

/** HubSpot's internal lifecycle stage values in the words its own screens use. */
const STAGE_WORDS: Record<string, string> = {
  subscriber: 'Subscriber',
  lead: 'Lead',
  marketingqualifiedlead: 'Marketing qualified lead',
  salesqualifiedlead: 'Sales qualified lead',
  opportunity: 'Opportunity',
  customer: 'Customer',
  evangelist: 'Evangelist',
  other: 'Other',
};

/** A CRM's stage or priority value in words: "salesqualifiedlead" → "Sales qualified lead". */
export function inWords(value: string | null): string | null {
  if (value === null || value.trim() === '') return null;
  const known = STAGE_WORDS[value.toLowerCase()];
  if (known) return known;
  const words = value.replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The company's record page, from the contact's: a HubSpot company is object 0-2 where a contact is
 * 0-1, a Salesforce company an Account where a contact is a Contact. Null for a link template whose
 * shape is not one of these.
 */
export function companyUrl(contactUrl: string, companyId: string): string | null {
  const id = encodeURIComponent(companyId);
  const hubspot = /\/record\/0-1\/[^/?#]+/;
  if (hubspot.test(contactUrl)) return contactUrl.replace(hubspot, `/record/0-2/${id}`);
  const salesforce = /\/lightning\/r\/Contact\/[^/?#]+\/view/;
  if (salesforce.test(contactUrl)) return contactUrl.replace(salesforce, `/lightning/r/Account/${id}/view`);
  return null;
}

const direction = (value: string | null): ContactEmail['direction'] => {
  if (value === 'INCOMING_EMAIL') return 'inbound';
  if (value === 'EMAIL' || value === 'FORWARDED_EMAIL') return 'outbound';
  return null;
};

const iso = (at: Date | string | null) => (at === null ? null : new Date(at).toISOString());
const tone = (sentiment: number | null) => (sentiment === null ? null : toneOf(Number(sentiment)));

/** The owner as the view names them: their name, or the CRM's owner id until the owners are synced. */
function ownerOf(row: {
  owner_id: string | null;
  owner_name: string | null;
  owner_email: string | null;
  owner_active: boolean | null;
}): ContactDetail['owner'] {
  if (row.owner_id === null) return null;
  const left = row.owner_active === false;
  return {
    id: row.owner_id,
    name: row.owner_name,
    email: row.owner_email,
    label: ownerLabel({ id: row.owner_id, name: row.owner_name, left }),
    left,
  };
}

/** The view's extra facts about a contact of the portal; null when there is no such contact. */
export async function loadContactDetail(
  db: Kysely<Database>,
  portalId: number,
  contactId: string,
  contactUrl: string,
): Promise<ContactDetail | null> {
  const contact = await db
    .selectFrom('contacts as c')
    .leftJoin('companies as co', (join) =>
      join.onRef('co.portal_id', '=', 'c.portal_id').onRef('co.id', '=', 'c.company_id'),
    )
    .leftJoin('owners as o', (join) =>
      join.onRef('o.portal_id', '=', 'c.portal_id').onRef('o.id', '=', 'c.owner_id'),
    )
    .select([
      'c.lifecycle_stage',
      'c.stage_kind',
      'c.owner_id',
      'c.company_id',
      'co.name as company_name',
      'co.domain as company_domain',
      'o.name as owner_name',
      'o.email as owner_email',
      'o.active as owner_active',
    ])
    .where('c.portal_id', '=', portalId)
    .where('c.id', '=', contactId)
    .executeTakeFirst();
  if (!contact) return null;

  const [tickets, emails, outcome] = await Promise.all([
    recentTickets(db, portalId, contactId),
    recentEmails(db, portalId, contactId),
    latestContactOutcome(db, portalId, contactId),
  ]);
  const companyName = contact.company_name ?? contact.company_domain;
  return {
    company:
      contact.company_id && companyName
        ? { id: contact.company_id, name: companyName, crmUrl: companyUrl(contactUrl, contact.company_id) }
        : null,
    stage: { label: inWords(contact.lifecycle_stage), kind: contact.stage_kind },
    owner: ownerOf(contact),
    tickets,
    emails,
    outcome,
  };
}

async function recentTickets(db: Kysely<Database>, portalId: number, contactId: string) {
  const { rows } = await sql<{
    id: string;
    subject: string | null;
    priority: string | null;
    is_closed: boolean;
    created_at: Date | null;
    sentiment: number | null;
  }>`
    select t.id, t.subject, t.priority, t.is_closed, t.created_at, t.sentiment
    from associations a
    join tickets t on t.portal_id = a.portal_id and t.id = a.to_id
    where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.from_id = ${contactId}
      and a.to_type = 'tickets' and not t.archived
    order by t.created_at desc nulls last, t.id desc
    limit ${RECENT_ITEMS}`.execute(db);
  return rows.map((t): ContactTicket => ({
    id: t.id,
    subject: t.subject,
    status: t.is_closed ? 'closed' : 'open',
    priority: inWords(t.priority),
    openedAt: iso(t.created_at),
    tone: tone(t.sentiment),
  }));
}

async function recentEmails(db: Kysely<Database>, portalId: number, contactId: string) {
  const { rows } = await sql<{
    id: string;
    subject: string | null;
    direction: string | null;
    sent_at: Date | null;
    sentiment: number | null;
  }>`
    select e.id, e.subject, e.direction, e.sent_at, e.sentiment
    from associations a
    join emails e on e.portal_id = a.portal_id and e.id = a.to_id
    where a.portal_id = ${portalId} and a.from_type = 'contacts' and a.from_id = ${contactId}
      and a.to_type = 'emails' and not e.archived
    order by e.sent_at desc nulls last, e.id desc
    limit ${RECENT_ITEMS}`.execute(db);
  return rows.map((e): ContactEmail => {
    const way = direction(e.direction);
    return {
      id: e.id,
      subject: e.subject,
      direction: way,
      sentAt: iso(e.sent_at),
      tone: way === 'inbound' ? tone(e.sentiment) : null,
    };
  });
}
