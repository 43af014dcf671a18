/**
 * Contacts deleted for good in the CRM (a GDPR deletion) leave no trace there: not in the live
 * list, not in the archived one, and no webhook unless the app subscribes to privacy deletions.
 * A full sync therefore marks every contact it lists, live or archived; at its end, contacts the
 * warehouse holds that it did not list, and that the CRM no longer reads either, are erased with
 * everything we hold about them (./webhooks/privacy-deletion.ts). Merged contacts never get here:
 * the survivor's page folds them first (./merges.ts).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { CrmConnector } from '../crm/connector.js';
import type { Database } from '../db/schema.js';
import { eraseContact } from './webhooks/privacy-deletion.js';

/** A batch read names at most this many ids. */
const CONFIRM_BATCH = 100;

/** Notes that a full sync listed these contacts (live or archived) now. */
export async function markContactsListed(
  trx: Transaction<Database> | Kysely<Database>,
  portalId: number,
  ids: string[],
): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable('contacts')
    .set({ synced_at: sql`now()` })
    .where('portal_id', '=', portalId)
    .where('id', 'in', ids)
    .execute();
}

/**
 * Erases the contacts a full sync that started at `startedAt` did not list, once the CRM confirms
 * it cannot read them either; returns their number.
 */
export async function eraseContactsGoneFromCrm(
  deps: { db: Kysely<Database>; connector: CrmConnector },
  portalId: number,
  startedAt: Date,
): Promise<number> {
  const unlisted = await deps.db
    .selectFrom('contacts')
    .select('id')
    .where('portal_id', '=', portalId)
    .where('synced_at', '<', startedAt)
    .orderBy('id')
    .execute();
  let erased = 0;
  for (let start = 0; start < unlisted.length; start += CONFIRM_BATCH) {
    const ids = unlisted.slice(start, start + CONFIRM_BATCH).map((row) => row.id);
    const readable = new Set(
      (await deps.connector.batchRead(portalId, 'contacts', ids, [])).map((record) => record.id),
    );
    for (const contactId of ids.filter((id) => !readable.has(id))) {
      await eraseContact(deps.db, { portalId, contactId });
      erased += 1;
    }
  }
  return erased;
}
