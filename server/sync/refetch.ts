import type { CrmObjectType } from '../crm/connector.js';
import type { SyncDeps } from './full-sync.js';
import { loadPortalSettings } from '../settings/portal-settings.js';
import { specOf, withHistory } from './object-specs.js';
import { loadPipelineStages } from './pipelines.js';
import { markArchived, withAssociations, writeRecords } from './warehouse-writer.js';

/** The types whose records are mapped with the portal's synced pipeline stages. */
const STAGED_TYPES: ReadonlySet<CrmObjectType> = new Set<CrmObjectType>(['deals', 'tickets']);

/**
 * Re-reads a few records the CRM told us about (webhooks), with their associations, and marks the
 * deleted ones archived. Ids the CRM no longer knows are treated as deleted. Deals and tickets are
 * mapped with the portal's synced pipeline stages, as the full and incremental syncs map them.
 */
export async function refetchObjects(
  deps: SyncDeps,
  portalId: number,
  type: CrmObjectType,
  ids: string[],
  deleted: string[] = [],
): Promise<{ fetched: number; written: number; archived: number }> {
  const { churnRule } = await loadPortalSettings(deps.db, portalId);
  const stages = STAGED_TYPES.has(type) ? await loadPipelineStages(deps.db, portalId) : undefined;
  const spec = specOf(deps.connector, type, churnRule, stages);
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
