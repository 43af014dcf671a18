import { type ObjectSyncResult, fullSyncObject, type SyncDeps } from './full-sync.js';
import { readCursor, saveModifiedSince } from './cursors.js';
import { withHistory, type ObjectSpec } from './object-specs.js';
import { withAssociations, writeRecords } from './warehouse-writer.js';

/**
 * Fetches what changed since the stored cursor, oldest change first, with the changed records'
 * associations. The cursor moves forward page by page, so a restart fetches little again; when the
 * CRM will page no further through a window (a search cap), it restarts from the newest change seen.
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
    await deps.onProgress?.({ type: spec.type, fetched: result.fetched });
    if (page.restartWindow) {
      if (newest.getTime() === windowStart.getTime()) {
        throw new Error(
          `More ${spec.type} changed at one instant (${newest.toISOString()}) than the CRM pages through; run a full sync.`,
        );
      }
      windowStart = newest;
      after = undefined;
    } else if (page.next) {
      after = page.next;
    } else {
      return result;
    }
  }
}
