import type { Kysely } from 'kysely';
import type { CrmConnector } from '../crm/connector.js';
import type { Database } from '../db/schema.js';
import { completeFullSync, readCursor, saveFullProgress } from './cursors.js';
import { eraseContactsGoneFromCrm, markContactsListed } from './deletions.js';
import { withHistory, type ObjectSpec } from './object-specs.js';
import { markArchived, prepareRecords, writePrepared } from './warehouse-writer.js';

/** Changes made while a full sync pages through are caught by the next incremental sync from here. */
const CLOCK_SKEW_MS = 60_000;

export interface SyncDeps {
  db: Kysely<Database>;
  connector: CrmConnector;
  onProgress?: (progress: { type: string; fetched: number }) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface ObjectSyncResult {
  type: string;
  /** How this type was read: an incremental sync reads a type in full until one full read completed. */
  mode: 'full' | 'incremental';
  fetched: number;
  written: number;
  archived: number;
  /** Contacts a full sync found deleted for good in the CRM, and erased. */
  erased?: number;
}

/**
 * Pages through every record of one type (then the archived ones), writing each page and the
 * paging token of the next in one transaction: a worker killed mid-way resumes at the page it
 * was on, and nothing is written twice. Contacts it never listed are checked for a GDPR deletion
 * at the end (./deletions.ts).
 */
export async function fullSyncObject(
  deps: SyncDeps,
  portalId: number,
  spec: ObjectSpec,
): Promise<ObjectSyncResult> {
  const { db, connector } = deps;
  const result: ObjectSyncResult = { type: spec.type, mode: 'full', fetched: 0, written: 0, archived: 0 };
  let progress = (await readCursor(db, portalId, spec.type)).full ?? {
    phase: 'live' as const,
    startedAt: new Date().toISOString(),
  };
  await saveFullProgress(db, portalId, spec.type, progress);

  const listPage = (at: typeof progress) =>
    connector.listPage(portalId, spec.type, {
      properties: spec.properties,
      associations: at.phase === 'archived' ? [] : spec.associations,
      // Live records come with the history their spec reads, where the CRM lists it.
      ...(at.phase !== 'archived' && spec.history ? { propertiesWithHistory: spec.history.properties } : {}),
      ...(at.after ? { after: at.after } : {}),
      ...(at.phase === 'archived' ? { archived: true } : {}),
    });
  // A live page is made ready to store as soon as it comes (its history read, its texts' sentiment
  // under way), while the page before is written.
  const fetchPage = async (at: typeof progress) => {
    const page = await listPage(at);
    if (at.phase === 'archived') return { page, prepared: undefined };
    const records = await withHistory(deps, portalId, spec, page.results);
    return { page, prepared: prepareRecords(portalId, spec, records) };
  };
  // The next page is requested while this one is written, so the CRM's rate limit, not our
  // database, sets the pace.
  let pending = fetchPage(progress);
  for (;;) {
    deps.signal?.throwIfAborted();
    const { page, prepared } = await pending;
    const archivedPhase = progress.phase === 'archived';
    const done = archivedPhase && !page.next;
    const next: typeof progress = page.next
      ? { ...progress, after: page.next }
      : archivedPhase
        ? progress
        : { phase: 'archived', startedAt: progress.startedAt };
    if (!done) {
      pending = fetchPage(next);
      pending.catch(() => {}); // a failure surfaces when awaited
    }
    await db.transaction().execute(async (trx) => {
      const ids = page.results.map((r) => r.id);
      // A row this page wrote is marked listed by the write itself.
      let unwritten = ids;
      if (!prepared) {
        result.archived += await markArchived(trx, portalId, spec, ids);
      } else {
        const { written, writtenIds } = await writePrepared(trx, portalId, spec, prepared);
        result.written += written;
        unwritten = ids.filter((id) => !writtenIds.has(id));
      }
      if (spec.table === 'contacts') await markContactsListed(trx, portalId, unwritten);
      if (done) {
        await completeFullSync(
          trx,
          portalId,
          spec.type,
          new Date(Date.parse(progress.startedAt) - CLOCK_SKEW_MS),
        );
      } else {
        await saveFullProgress(trx, portalId, spec.type, next);
      }
    });
    result.fetched += page.results.length;
    await deps.onProgress?.({ type: spec.type, fetched: result.fetched });
    if (done && spec.table === 'contacts') {
      const erased = await eraseContactsGoneFromCrm(deps, portalId, new Date(progress.startedAt));
      if (erased > 0) result.erased = erased;
    }
    if (done) return result;
    progress = next;
  }
}
