/**
 * The record specs a portal's sync runs with: its CRM's vocabulary (from the connector) for the
 * portal's churn rule and synced pipeline stages, and the history those specs ask for, read in
 * batches for the records that need it before a page is written.
 */
import type { Kysely } from 'kysely';
import type { CrmConnector, CrmObjectType, CrmRecord, PipelineStages } from '../crm/connector.js';
import type { RecordSpec, StoredContact } from '../crm/warehouse-records.js';
import type { Database } from '../db/schema.js';
import type { ChurnRule } from '../settings/churn-rule.js';

export type { RecordSpec as ObjectSpec, WarehouseTable } from '../crm/warehouse-records.js';

/**
 * The specs of a portal with this churn rule, contacts first (later objects find their contact);
 * deals and tickets are mapped with the portal's synced `stages` when there are any (none yet, or
 * a CRM without pipelines: the CRM's own closed and won flags).
 */
export function objectSpecsFor(
  connector: CrmConnector,
  rule: ChurnRule,
  stages?: PipelineStages,
): RecordSpec[] {
  return connector.recordSpecs(rule, stages && stages.size > 0 ? stages : undefined);
}

export function specOf(
  connector: CrmConnector,
  type: CrmObjectType,
  rule: ChurnRule,
  stages?: PipelineStages,
): RecordSpec {
  const spec = objectSpecsFor(connector, rule, stages).find((s) => s.type === type);
  if (!spec) throw new Error(`no sync spec for ${type}`);
  return spec;
}

/**
 * Fills in `propertiesWithHistory` for the page's records whose spec says they need it (only
 * contacts today) and that did not come with it; the others come back as they were, and keep
 * their stored history.
 */
export async function withHistory(
  deps: { db: Kysely<Database>; connector: CrmConnector },
  portalId: number,
  spec: RecordSpec,
  records: CrmRecord[],
): Promise<CrmRecord[]> {
  const history = spec.history;
  // Records listed with their history (a full sync's pages, on HubSpot) need no second read.
  const live = records.filter((r) => !r.archived && !r.propertiesWithHistory);
  if (!history || spec.table !== 'contacts' || live.length === 0) return records;
  const stored = new Map<string, StoredContact>(
    (
      await deps.db
        .selectFrom('contacts')
        .select(['id', 'properties', 'property_history'])
        .where('portal_id', '=', portalId)
        .where(
          'id',
          'in',
          live.map((r) => r.id),
        )
        .execute()
    ).map((r) => [r.id, r]),
  );
  const ids = live.filter((r) => history.needed(r, stored.get(r.id))).map((r) => r.id);
  if (ids.length === 0) return records;
  const read = await deps.connector.batchRead(portalId, spec.type, ids, history.properties, {
    propertiesWithHistory: history.properties,
  });
  const histories = new Map(read.map((r) => [r.id, r.propertiesWithHistory ?? {}]));
  return records.map((r) => {
    const found = histories.get(r.id);
    return found ? { ...r, propertiesWithHistory: found } : r;
  });
}
