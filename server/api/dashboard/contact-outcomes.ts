/**
 * An advisor's outcome on a contact at risk, marked from the dashboard's contact view: saved (kept
 * after outreach), lost (known to be leaving) or snoozed (off the at-risk list for 30 days). The
 * latest mark that is not undone is the contact's; undoing dates the mark rather than deleting it,
 * so the retention report and the audit log keep what was believed when. These are an advisor's
 * words, never the portal's churn rule: the measured churn rates do not read them.
 */
import type { Kysely } from 'kysely';
import { json } from '../../db/json.js';
import type { Database } from '../../db/schema.js';
import { NotFoundError } from '../../errors.js';

export const CONTACT_OUTCOMES = ['saved', 'lost', 'snoozed'] as const;
export type ContactOutcomeKind = (typeof CONTACT_OUTCOMES)[number];

/** How long "Snooze" keeps a contact off the at-risk list. */
export const SNOOZE_DAYS = 30;
const DAY_MS = 86_400_000;

export interface ContactOutcome {
  id: number;
  outcome: ContactOutcomeKind;
  note: string | null;
  userId: string;
  createdAt: string;
  /** When a snooze ends; null for saved and lost. */
  until: string | null;
  /** False for a snooze whose time has passed: the contact is back on the list. */
  active: boolean;
}

export interface OutcomeRequest {
  portalId: number;
  contactId: string;
  userId: string;
  /** Who the audit log names: the user's email, else their CRM id. */
  actor: string;
  outcome: ContactOutcomeKind;
  note: string | null;
  requestKey: string;
}

interface OutcomeRow {
  id: number;
  outcome: ContactOutcomeKind;
  note: string | null;
  user_id: string;
  created_at: Date;
  until: Date | null;
}

function toOutcome(row: OutcomeRow, now: Date): ContactOutcome {
  return {
    id: Number(row.id),
    outcome: row.outcome,
    note: row.note,
    userId: row.user_id,
    createdAt: row.created_at.toISOString(),
    until: row.until ? row.until.toISOString() : null,
    active: row.until === null || row.until.getTime() > now.getTime(),
  };
}

const COLUMNS = ['id', 'outcome', 'note', 'user_id', 'created_at', 'until'] as const;

async function requireContact(db: Kysely<Database>, portalId: number, contactId: string): Promise<void> {
  const contact = await db
    .selectFrom('contacts')
    .select('id')
    .where('portal_id', '=', portalId)
    .where('id', '=', contactId)
    .executeTakeFirst();
  if (!contact) throw new NotFoundError(`This portal has no contact ${contactId}.`);
}

/** The contact's latest mark that is not undone, or null. */
export async function latestContactOutcome(
  db: Kysely<Database>,
  portalId: number,
  contactId: string,
  now = new Date(),
): Promise<ContactOutcome | null> {
  const row = await db
    .selectFrom('contact_outcomes')
    .select(COLUMNS)
    .where('portal_id', '=', portalId)
    .where('contact_id', '=', contactId)
    .where('undone_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toOutcome(row, now) : null;
}

/**
 * Stores the mark (a snooze ends `SNOOZE_DAYS` from now). Keyed by the view's per-click key: a
 * retried request answers the first one's mark and stores nothing.
 */
export async function recordContactOutcome(
  db: Kysely<Database>,
  request: OutcomeRequest,
  now = new Date(),
): Promise<{ outcome: ContactOutcome; replayed: boolean }> {
  await requireContact(db, request.portalId, request.contactId);
  const inserted = await db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('contact_outcomes')
      .values({
        portal_id: request.portalId,
        contact_id: request.contactId,
        outcome: request.outcome,
        note: request.note,
        user_id: request.userId,
        request_key: request.requestKey,
        created_at: now,
        until: request.outcome === 'snoozed' ? new Date(now.getTime() + SNOOZE_DAYS * DAY_MS) : null,
      })
      .onConflict((oc) => oc.constraint('contact_outcomes_request').doNothing())
      .returning(COLUMNS)
      .executeTakeFirst();
    if (row) {
      await tx
        .insertInto('audit_log')
        .values({
          portal_id: request.portalId,
          actor: request.actor,
          action: 'contact_outcome.marked',
          details: json({ contactId: request.contactId, outcome: request.outcome, outcomeId: row.id }),
        })
        .execute();
    }
    return row;
  });
  if (inserted) return { outcome: toOutcome(inserted, now), replayed: false };
  const earlier = await db
    .selectFrom('contact_outcomes')
    .select(COLUMNS)
    .where('portal_id', '=', request.portalId)
    .where('request_key', '=', request.requestKey)
    .executeTakeFirstOrThrow();
  return { outcome: toOutcome(earlier, now), replayed: true };
}

/**
 * Undoes a mark of the contact (again: nothing more happens) and answers the contact's latest
 * mark after it, an earlier one coming back into force.
 */
export async function undoContactOutcome(
  db: Kysely<Database>,
  request: { portalId: number; contactId: string; outcomeId: number; userId: string; actor: string },
  now = new Date(),
): Promise<ContactOutcome | null> {
  const undone = await db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('contact_outcomes')
      .set({ undone_at: now, undone_by: request.userId })
      .where('portal_id', '=', request.portalId)
      .where('contact_id', '=', request.contactId)
      .where('id', '=', request.outcomeId)
      .where('undone_at', 'is', null)
      .returning(['id', 'outcome'])
      .executeTakeFirst();
    if (row) {
      await tx
        .insertInto('audit_log')
        .values({
          portal_id: request.portalId,
          actor: request.actor,
          action: 'contact_outcome.undone',
          details: json({ contactId: request.contactId, outcome: row.outcome, outcomeId: row.id }),
        })
        .execute();
    }
    return row;
  });
  if (!undone) {
    const known = await db
      .selectFrom('contact_outcomes')
      .select('id')
      .where('portal_id', '=', request.portalId)
      .where('contact_id', '=', request.contactId)
      .where('id', '=', request.outcomeId)
      .executeTakeFirst();
    if (!known) throw new NotFoundError(`Contact ${request.contactId} has no outcome ${request.outcomeId}.`);
  }
  return latestContactOutcome(db, request.portalId, request.contactId, now);
}
