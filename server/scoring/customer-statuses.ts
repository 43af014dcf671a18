/**
 * Each contact's customer status as a run (or a rescoring) saw it, kept in `customer_status`: the
 * card, the lists, the write-back and the dashboard read it from there. Only active customers keep
 * a current score, so a contact who left or never bought drops out of every list and count of risk.
 */
import { sql, type Kysely } from 'kysely';
import { json } from '../db/json.js';
import type { Database } from '../db/schema.js';
import type { ContactRow } from '../features/build/contact-chunks.js';
import { loadCustomerEpisodes } from '../features/customer-histories.js';
import {
  statusAt,
  type ChurnEvidence,
  type CustomerEpisode,
  type CustomerStatus,
} from '../features/customer-status.js';

export interface ContactStatuses {
  episodes: Map<string, CustomerEpisode[]>;
  statuses: Map<string, CustomerStatus>;
}

/** The contacts' episodes and their status at `asOf`, under the portal's rule. */
export async function statusesOf(
  db: Kysely<Database>,
  portalId: number,
  contacts: readonly ContactRow[],
  asOf: Date,
): Promise<ContactStatuses> {
  const episodes = await loadCustomerEpisodes(db, portalId, contacts);
  const statuses = new Map<string, CustomerStatus>();
  for (const contact of contacts) statuses.set(contact.id, statusAt(episodes.get(contact.id) ?? [], asOf));
  return { episodes, statuses };
}

/**
 * Stores the statuses and drops the current score of every contact that is not an active customer.
 * A status stored from a later time (a rescoring after the run's hour began) stays. Returns the
 * contacts that are active customers as stored, the ones to score. Idempotent: a chunk run again
 * stores the same rows.
 */
export async function storeStatuses(
  db: Kysely<Database>,
  portalId: number,
  statuses: ReadonlyMap<string, CustomerStatus>,
  options: { asOf: Date; runId: number | null },
): Promise<Set<string>> {
  if (statuses.size === 0) return new Set();
  const rows = [...statuses].map(([contactId, s]) => ({
    portal_id: portalId,
    contact_id: contactId,
    status: s.status,
    since: s.status === 'prospect' ? null : s.since,
    left_at: s.status === 'churned' ? s.leftAt : null,
    evidence: s.status === 'churned' ? json(s.evidence) : null,
    as_of: options.asOf,
    run_id: options.runId,
  }));
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('customer_status')
      .values(rows)
      .onConflict((oc) =>
        oc
          .columns(['portal_id', 'contact_id'])
          .doUpdateSet({
            status: (eb) => eb.ref('excluded.status'),
            since: (eb) => eb.ref('excluded.since'),
            left_at: (eb) => eb.ref('excluded.left_at'),
            evidence: (eb) => eb.ref('excluded.evidence'),
            as_of: (eb) => eb.ref('excluded.as_of'),
            run_id: (eb) => eb.ref('excluded.run_id'),
          })
          // A rescoring after a change wins over a run that started earlier.
          .where(sql<boolean>`customer_status.as_of <= excluded.as_of`),
      )
      .execute();
    const gone = rows.filter((r) => r.status !== 'active').map((r) => r.contact_id);
    if (gone.length > 0) {
      await trx
        .deleteFrom('current_scores')
        .where('portal_id', '=', portalId)
        .where('contact_id', 'in', (eb) =>
          eb
            .selectFrom('customer_status')
            .select('contact_id')
            .where('portal_id', '=', portalId)
            .where('contact_id', 'in', gone)
            .where('status', '<>', 'active'),
        )
        .execute();
    }
    const active = await trx
      .selectFrom('customer_status')
      .select('contact_id')
      .where('portal_id', '=', portalId)
      .where('contact_id', 'in', [...statuses.keys()])
      .where('status', '=', 'active')
      .execute();
    return new Set(active.map((r) => r.contact_id));
  });
}

export interface StoredStatus {
  contactId: string;
  status: CustomerStatus['status'];
  since: Date | null;
  leftAt: Date | null;
  evidence: ChurnEvidence | null;
  asOf: Date;
}

/** The stored status of these contacts (contacts never looked at are absent). */
export async function storedStatuses(
  db: Kysely<Database>,
  portalId: number,
  contactIds: readonly string[],
): Promise<Map<string, StoredStatus>> {
  if (contactIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('customer_status')
    .selectAll()
    .where('portal_id', '=', portalId)
    .where('contact_id', 'in', [...contactIds])
    .execute();
  return new Map(
    rows.map((r) => [
      r.contact_id,
      {
        contactId: r.contact_id,
        status: r.status,
        since: r.since,
        leftAt: r.left_at,
        evidence: (typeof r.evidence === 'string'
          ? JSON.parse(r.evidence)
          : r.evidence) as ChurnEvidence | null,
        asOf: r.as_of,
      },
    ]),
  );
}
