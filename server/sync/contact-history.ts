/**
 * The history the churn rule needs, brought for the contacts whose current values cannot tell it:
 * a customer who has a former-customer date (left and came back: when?), a former customer with no
 * date, and under a `property` rule a contact whose flag is set or changed. HubSpot's search and
 * list give current values only, so these contacts are read again in batches with
 * `propertiesWithHistory`; everyone else costs no call.
 */
import type { Kysely } from 'kysely';
import type { CrmConnector, CrmRecord } from '../crm/connector.js';
import type { Database } from '../db/schema.js';
import {
  CUSTOMER_STAGES,
  historyProperties,
  isTrueValue,
  STAGE_PROPERTY,
  type ChurnRule,
} from '../settings/churn-rule.js';

export type PropertyHistory = Record<string, { value: string | null; at: string }[]>;

interface StoredContact {
  properties: Record<string, string | null>;
  property_history: PropertyHistory | null;
}

/** The properties whose change means the stored history is out of date. */
function watched(rule: ChurnRule): string[] {
  const former = rule.kind === 'lifecycle_stage' ? rule.formerStage : 'other';
  return [...historyProperties(rule), `hs_lifecyclestage_${former}_date`, 'hs_lifecyclestage_customer_date'];
}

/** Whether the contact's history must be read to know its customer status. */
export function needsHistory(record: CrmRecord, stored: StoredContact | undefined, rule: ChurnRule): boolean {
  const p = record.properties;
  const unchanged =
    stored?.property_history != null &&
    watched(rule).every((name) => (stored.properties[name] ?? null) === (p[name] ?? null));
  if (unchanged) return false;
  const former = rule.kind === 'lifecycle_stage' ? rule.formerStage : 'other';
  const stage = p[STAGE_PROPERTY] ?? null;
  const leftAt = p[`hs_lifecyclestage_${former}_date`] ?? null;
  if (stage !== null && CUSTOMER_STAGES.has(stage) && leftAt) return true;
  if (stage === former && !leftAt) return true;
  if (rule.kind === 'property') {
    const before = stored?.properties[rule.property] ?? null;
    return isTrueValue(p[rule.property]) || (stored !== undefined && before !== (p[rule.property] ?? null));
  }
  return false;
}

/** CRM history (newest first) as the warehouse keeps it (oldest first). */
export function storedHistory(record: CrmRecord): PropertyHistory | undefined {
  if (!record.propertiesWithHistory) return undefined;
  const history: PropertyHistory = {};
  for (const [name, values] of Object.entries(record.propertiesWithHistory)) {
    history[name] = values
      .map((v) => ({ value: v.value, at: new Date(v.timestamp).toISOString() }))
      .filter((v) => v.at !== 'Invalid Date')
      .sort((a, b) => a.at.localeCompare(b.at));
  }
  return history;
}

/**
 * Returns the records with `propertiesWithHistory` filled in where the rule needs it; the others
 * as they came (their stored history is kept).
 */
export async function withContactHistory(
  deps: { db: Kysely<Database>; connector: CrmConnector },
  portalId: number,
  records: CrmRecord[],
  rule: ChurnRule,
): Promise<CrmRecord[]> {
  const live = records.filter((r) => !r.archived);
  if (live.length === 0) return records;
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
  const ids = live.filter((r) => needsHistory(r, stored.get(r.id), rule)).map((r) => r.id);
  if (ids.length === 0) return records;
  const names = historyProperties(rule);
  const read = await deps.connector.batchRead(portalId, 'contacts', ids, names, {
    propertiesWithHistory: names,
  });
  const histories = new Map(read.map((r) => [r.id, r.propertiesWithHistory ?? {}]));
  return records.map((r) => {
    const history = histories.get(r.id);
    return history ? { ...r, propertiesWithHistory: history } : r;
  });
}
