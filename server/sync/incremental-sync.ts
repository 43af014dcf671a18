import type { Kysely } from 'kysely';
import type { CrmRecord } from '../crm/connector.js';
import { toDate } from '../crm/property-values.js';
import type { Database } from '../db/schema.js';
import { type ObjectSyncResult, fullSyncObject, type SyncDeps } from './full-sync.js';
import { readCursor, saveModifiedSince } from './cursors.js';
import { withHistory, type ObjectSpec } from './object-specs.js';
import { withAssociations, writeRecords } from './warehouse-writer.js';

/**
 * How far before the newest change the last sync saw the next one starts reading. A CRM may show
 * a change to its changed-since query only after changes stamped later (HubSpot's search indexes
 * each change seconds after it is made, in no promised order; a Salesforce transaction commits
 * after it stamps `SystemModstamp`): a sync that passed such a change still unseen finds it in
 * the next run, as long as it shows within this margin.
 */
export const CHANGES_OVERLAP_MS = 5 * 60_000;

/**
 * The most changed records written together, their associations read together: HubSpot reads the
 * associations of 1,000 records a call, so a sync of many changes makes one such call per five
 * search pages rather than one per page.
 */
const WRITE_BATCH = 1000;

/**
 * Fetches what changed since the stored cursor (less the overlap), oldest change first, with the
 * changed records' associations. Records the warehouse already holds at that version or a newer
 * one (read again in the overlap, or an older copy a lagging search still shows) are neither read
 * further nor written. The cursor, the newest change seen, moves forward with each batch written,
 * so a restart fetches little again.
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

  const result: ObjectSyncResult = {
    type: spec.type,
    mode: 'incremental',
    fetched: 0,
    written: 0,
    archived: 0,
  };
  const since = new Date(cursor.modifiedSince.getTime() - CHANGES_OVERLAP_MS);
  let newest = cursor.modifiedSince;
  let saved = newest;
  /** Changed records not written yet, by id (a record changed again during the sync: its newest copy). */
  const batch = new Map<string, CrmRecord>();
  const fetchPage = (after: string | undefined) =>
    connector.modifiedSincePage(portalId, spec.type, {
      properties: spec.properties,
      since,
      ...(after ? { after } : {}),
    });
  // The next page is asked for while this one is written: it depends only on this page's cursor.
  let pending = fetchPage(undefined);
  for (;;) {
    deps.signal?.throwIfAborted();
    const page = await pending;
    if (page.next) {
      pending = fetchPage(page.next);
      pending.catch(() => {}); // a failure surfaces when awaited
    }
    const fresh = await notStoredYet(db, portalId, spec, page.results);
    if (batch.size > 0 && batch.size + fresh.length > WRITE_BATCH) {
      result.written += await writeBatch(deps, portalId, spec, [...batch.values()], newest);
      batch.clear();
      saved = newest;
    }
    for (const record of page.results) {
      const at = changedAt(record);
      if (at > newest.getTime()) newest = new Date(at);
    }
    for (const record of fresh) {
      const held = batch.get(record.id);
      if (!held || !(changedAt(held) > changedAt(record))) batch.set(record.id, record);
    }
    result.fetched += page.results.length;
    if (!page.next && (batch.size > 0 || newest > saved))
      result.written += await writeBatch(deps, portalId, spec, [...batch.values()], newest);
    await deps.onProgress?.({ type: spec.type, fetched: result.fetched });
    if (!page.next) return result;
  }
}

/** Writes changed records with their associations (and history where needed), and the cursor. */
async function writeBatch(
  deps: SyncDeps,
  portalId: number,
  spec: ObjectSpec,
  changed: CrmRecord[],
  newest: Date,
): Promise<number> {
  let records = changed;
  for (const other of spec.associations) {
    if (records.length === 0) break;
    const linked = await deps.connector.associations(
      portalId,
      spec.type,
      other,
      records.map((r) => r.id),
    );
    records = withAssociations(records, other, linked);
  }
  records = await withHistory(deps, portalId, spec, records);
  return deps.db.transaction().execute(async (trx) => {
    const { written } = await writeRecords(trx, portalId, spec, records);
    await saveModifiedSince(trx, portalId, spec.type, newest);
    return written;
  });
}

/**
 * The records of a page the warehouse does not hold yet as they are: new ones, ones stored as
 * deleted, and ones whose stored copy is older or, changed at the same instant, holds other values.
 * A page may name a record twice; the newest copy counts.
 */
async function notStoredYet(
  db: Kysely<Database>,
  portalId: number,
  spec: ObjectSpec,
  records: CrmRecord[],
): Promise<CrmRecord[]> {
  if (records.length === 0) return [];
  const newestCopy = new Map<string, CrmRecord>();
  for (const record of records) {
    const seen = newestCopy.get(record.id);
    if (!seen || !(changedAt(seen) > changedAt(record))) newestCopy.set(record.id, record);
  }
  const stored = await db
    .selectFrom(spec.table)
    .select(['id', 'updated_at', 'archived', 'properties'])
    .where('portal_id', '=', portalId)
    .where('id', 'in', [...newestCopy.keys()])
    .execute();
  const held = new Map(stored.map((row) => [row.id, row]));
  return [...newestCopy.values()].filter((record) => {
    const row = held.get(record.id);
    if (!row || row.archived) return true;
    // A copy without a readable time is written: only a known older or equal version is skipped.
    const storedAt = Number(row.updated_at?.getTime());
    const at = changedAt(record);
    if (storedAt > at) return false;
    if (storedAt !== at) return true;
    const texts = new Set(spec.texts);
    return Object.entries(record.properties).some(
      ([name, value]) => !texts.has(name) && (row.properties[name] ?? null) !== (value ?? null),
    );
  });
}

/** When the record last changed (epoch ms); NaN when the CRM gave no readable time. */
function changedAt(record: CrmRecord): number {
  return toDate(record.updatedAt)?.getTime() ?? NaN;
}
