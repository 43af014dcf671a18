import { type ObjectSyncResult, fullSyncObject, type SyncDeps } from './full-sync.js';
import { readCursor, saveModifiedSince } from './cursors.js';
import { withHistory, type ObjectSpec } from './object-specs.js';
import { withAssociations, writeRecords } from './warehouse-writer.js';

/** HubSpot's search returns at most 10,000 results per query; a window restarts before that. */
const SEARCH_CAP = 10_000;
const SEARCH_PAGE = 200;

/**
 * Fetches what changed since the stored cursor, oldest change first, with the changed records'
 * associations. The cursor moves forward page by page, so a restart fetches little again; when a
 * window nears the search cap it restarts from the newest change seen.
 */
export async function incrementalSyncObject(
  deps: SyncDeps,
  portalId: number,
  spec: ObjectSpec,
): Promise<ObjectSyncResult> {
  const { db, connector } = deps;
  const cursor = await readCursor(db, portalId, spec.type);
  if (!cursor.fullCompletedAt || !cursor.modifiedSince || cursor.full)
    return fullSyncObject(deps, portalId, spec);

  const result: ObjectSyncResult = { type: spec.type, fetched: 0, written: 0, archived: 0 };
  let windowStart = cursor.modifiedSince;
  let newest = windowStart;
  let after: string | undefined;
  let inWindow = 0;
  for (;;) {
    deps.signal?.throwIfAborted();
    const page = await connector.modifiedSincePage(portalId, spec.type, {
      properties: spec.properties,
      since: windowStart,
      ...(after ? { after } : {}),
    });
    let records = page.results;
    for (const other of spec.associations) {
      if (records.length === 0) break;
      const linked = await connector.associations(
        portalId,
        spec.type,
        other,
        records.map((r) => r.id),
      );
      records = withAssociations(records, other, linked);
    }
    records = await withHistory(deps, portalId, spec, records);
    for (const record of records) {
      const at = new Date(record.updatedAt);
      if (at > newest) newest = at;
    }
    await db.transaction().execute(async (trx) => {
      result.written += (await writeRecords(trx, portalId, spec, records)).written;
      await saveModifiedSince(trx, portalId, spec.type, newest);
    });
    result.fetched += records.length;
    inWindow += page.results.length;
    await deps.onProgress?.({ type: spec.type, fetched: result.fetched });
    // At the search cap HubSpot may end the paging (no `next`) while `total` says more matched:
    // the window restarts from the newest change seen, however the cap shows.
    const capped = page.next ? Number(page.next) + SEARCH_PAGE > SEARCH_CAP : inWindow < page.total;
    if (!page.next && !capped) return result;
    if (capped) {
      if (newest.getTime() === windowStart.getTime()) {
        throw new Error(
          `More than ${SEARCH_CAP} ${spec.type} changed at the same instant (${newest.toISOString()}); run a full sync.`,
        );
      }
      windowStart = newest;
      after = undefined;
      inWindow = 0;
    } else {
      after = page.next;
    }
  }
}
