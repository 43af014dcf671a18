import type { CrmObjectType } from '../crm/connector.js';
import type { SyncDeps } from './full-sync.js';
import { loadPortalSettings } from '../settings/portal-settings.js';
import { specOf, withHistory } from './object-specs.js';
import { markArchived, withAssociations, writeRecords } from './warehouse-writer.js';

/**
 * Re-reads a few records the CRM told us about (webhooks), with their associations, and marks the
 * deleted ones archived. Ids the CRM no longer knows are treated as deleted.
 */
export async function refetchObjects(
  deps: SyncDeps,
  portalId: number,
  type: CrmObjectType,
  ids: string[],
  deleted: string[] = [],
): Promise<{ fetched: number; written: number; archived: number }> {
  const spec = specOf(deps.connector, type, (await loadPortalSettings(deps.db, portalId)).churnRule);
  let records = ids.length > 0 ? await deps.connector.batchRead(portalId, type, ids, spec.properties) : [];
  records = await withHistory(deps, portalId, spec, records);
  for (const other of spec.associations) {
    if (records.length === 0) break;
    records = withAssociations(
      records,
      other,
      await deps.connector.associations(
        portalId,
        type,
        other,
        records.map((r) => r.id),
      ),
    );
  }
  const found = new Set(records.map((r) => r.id));
  const gone = [...new Set([...deleted, ...ids.filter((id) => !found.has(id))])];
  return deps.db.transaction().execute(async (trx) => ({
    fetched: records.length,
    written: (await writeRecords(trx, portalId, spec, records)).written,
    archived: await markArchived(trx, portalId, spec, gone),
  }));
}
