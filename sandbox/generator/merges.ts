/**
 * What real portals do to their contacts over the years: a few turn out to be duplicates and are
 * merged into another contact partway through the history, and a few are deleted for privacy
 * (GDPR). A duplicate is a contact who stays (a prospect, or a customer who never decides to
 * leave) merged into an earlier one of the same kind, at the same company (or another consumer):
 * its emails, tickets, deals, answers, product usage and property history then belong to the
 * survivor, and only the survivor's hidden truth remains. A deleted contact takes its own emails,
 * tickets, answers, usage and truth along. Both are drawn from their own stream, contact by
 * contact in the order written, and applied in one batch each.
 */
import type { PortalData, RecordMerge } from '../store.js';
import { DAY_MS } from './profile.js';
import type { Random } from './random.js';

/** Share of the contacts written that are deleted for privacy. */
const DELETED_SHARE = 0.005;

/**
 * Chance that a contact who could be a duplicate is one, for about 1 % of all contacts merged:
 * churners never are, and only some have an earlier contact of their kind to be folded into.
 */
const DUPLICATE_CHANCE = 0.037;

/** A merge the history holds, with what each side held just before it. */
export interface HistoryMerge {
  survivorId: string;
  mergedId: string;
  at: Date;
  /** Emails and tickets of each side before the merge. */
  before: { survivor: ContentCounts; merged: ContentCounts };
}

export interface ContentCounts {
  emails: number;
  tickets: number;
}

export interface PortalUpkeep {
  merges: HistoryMerge[];
  /** Contacts deleted for privacy, by their former id. */
  deleted: string[];
}

/** Merges duplicates and deletes contacts for privacy; call once every contact is written. */
export function applyMergesAndDeletions(portal: PortalData, rng: Random, now: number): PortalUpkeep {
  const { merges, deleted } = pickContacts(portal, rng, now);
  // What each side holds at its merge: its own, and what earlier merges brought it.
  const held = new Map<string, ContentCounts>();
  const content = (id: string): ContentCounts =>
    held.get(id) ?? {
      emails: portal.associationsOf('contacts', id, 'emails').length,
      tickets: portal.associationsOf('contacts', id, 'tickets').length,
    };
  const history: HistoryMerge[] = merges.map(({ primaryId, mergedId, at }) => {
    const before = { survivor: content(primaryId), merged: content(mergedId) };
    held.set(primaryId, {
      emails: before.survivor.emails + before.merged.emails,
      tickets: before.survivor.tickets + before.merged.tickets,
    });
    return { survivorId: primaryId, mergedId, at, before };
  });
  portal.mergeMany('contacts', merges);
  moveUsageToSurvivors(portal, merges);
  for (const { mergedId } of merges) portal.truth.delete(mergedId);
  portal.purgeRecords('contacts', deleted, new Date(now));
  return { merges: history, deleted };
}

/** Who is deleted and who is merged into whom, and when; merges in time order. */
function pickContacts(
  portal: PortalData,
  rng: Random,
  now: number,
): { merges: RecordMerge[]; deleted: string[] } {
  const contacts = portal.recordsOf('contacts');
  /** The latest contact of each kind and company that a duplicate may be folded into. */
  const survivors = new Map<string, string>();
  const merges: RecordMerge[] = [];
  const deleted: string[] = [];
  for (const [id, contact] of contacts) {
    // Both draws are made for every contact, so one contact's fate never shifts another's.
    const deletes = rng.chance(DELETED_SHARE);
    const duplicates = rng.chance(DUPLICATE_CHANCE);
    const mergeDraw = rng.next();
    if (deletes) {
      deleted.push(id);
      continue;
    }
    const truth = portal.truth.get(id);
    if (truth?.churned) continue;
    const companyId = portal.associationsOf('contacts', id, 'companies')[0]?.toId ?? 'consumer';
    const kind = `${truth ? 'customer' : 'prospect'}:${companyId}`;
    const survivorId = survivors.get(kind);
    if (duplicates && survivorId) {
      const survivor = contacts.get(survivorId)!;
      // After both were last changed, so no record's clock runs backwards.
      const from = Math.min(
        Math.max(survivor.updatedAt.getTime(), contact.updatedAt.getTime()),
        now - 2 * DAY_MS,
      );
      const at = Math.floor(from + mergeDraw * (now - DAY_MS - from));
      merges.push({ primaryId: survivorId, mergedId: id, at: new Date(at) });
      continue;
    }
    survivors.set(kind, id);
  }
  merges.sort((a, b) => a.at.getTime() - b.at.getTime() || Number(a.mergedId) - Number(b.mergedId));
  return { merges, deleted };
}

/** The product's usage events of a merged contact are the survivor's from then on. */
function moveUsageToSurvivors(portal: PortalData, merges: readonly RecordMerge[]): void {
  if (merges.length === 0) return;
  const survivorOf = new Map(merges.map((m) => [m.mergedId, m.primaryId]));
  const contacts = portal.recordsOf('contacts');
  portal.usage.moveContacts(survivorOf, (survivorId) => contacts.get(survivorId)!.properties.email);
}
