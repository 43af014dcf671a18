import type { Insertable, Kysely } from 'kysely';
import { PRIMARY_COMPANY_TYPE_IDS, type ObjectType, type PortalData } from '../../sandbox/store.js';
import type { CrmRecord } from '../../server/crm/connector.js';
import type { Database } from '../../server/db/schema.js';
import { hubspotRecordSpecs } from '../../server/crm/hubspot/records.js';
import { refreshPlannerStatistics, SYNCED_TABLES } from '../../server/db/planner-statistics.js';
import { DEFAULT_CHURN_RULE } from '../../server/settings/churn-rule.js';
import { writeRecords } from '../../server/sync/warehouse-writer.js';

const BATCH = 1000;

/**
 * Copies a generated sandbox portal into the warehouse through the product's own mappers and
 * writer, as a full sync would store it, without the HTTP round trips (faster for large portals).
 * Associations are stored as the writer stores them (contacts on the `from` side), inserted in
 * bulk since every record here is new. Usage events go in as the usage intake stores events named
 * by contact id. The planner's statistics are refreshed after the load, as the sync refreshes them.
 */
const isPrimary = (link: { typeId: number }) => link.typeId === PRIMARY_COMPANY_TYPE_IDS[0];

export async function loadSandboxPortal(
  db: Kysely<Database>,
  portalId: number,
  portal: PortalData,
): Promise<void> {
  let links: Insertable<Database['associations']>[] = [];
  for (const spec of hubspotRecordSpecs(DEFAULT_CHURN_RULE)) {
    const type = spec.type as ObjectType;
    let batch: CrmRecord[] = [];
    const flush = async () => {
      if (batch.length > 0) await writeRecords(db, portalId, spec, batch);
      batch = [];
    };
    for (const record of portal.recordsOf(type).values()) {
      for (const other of spec.associations) {
        for (const { toId } of portal.associationsOf(type, record.id, other as ObjectType)) {
          const contactSide = type === 'contacts' || other !== 'contacts';
          links.push(
            contactSide
              ? {
                  portal_id: portalId,
                  from_type: type,
                  from_id: record.id,
                  to_type: other,
                  to_id: toId,
                  type_id: null,
                }
              : {
                  portal_id: portalId,
                  from_type: other,
                  from_id: toId,
                  to_type: type,
                  to_id: record.id,
                  type_id: null,
                },
          );
        }
      }
      // A contact's companies, its primary one first, as the sync reads them: its account.
      const companies =
        type === 'contacts'
          ? portal
              .associationsOf('contacts', record.id, 'companies')
              .sort((a, b) => Number(isPrimary(b)) - Number(isPrimary(a)))
              .map((a) => a.toId)
          : [];
      batch.push({
        id: record.id,
        properties: record.properties,
        ...(companies.length > 0 ? { associations: { companies: [...new Set(companies)] } } : {}),
        createdAt: record.createdAt.toISOString(),
        updatedAt: record.updatedAt.toISOString(),
        archived: record.archived,
      });
      if (batch.length >= BATCH) await flush();
      if (links.length >= BATCH) {
        await db
          .insertInto('associations')
          .values(links)
          .onConflict((oc) => oc.doNothing())
          .execute();
        links = [];
      }
    }
    await flush();
  }
  if (links.length > 0)
    await db
      .insertInto('associations')
      .values(links)
      .onConflict((oc) => oc.doNothing())
      .execute();
  const events = portal.usageEvents;
  for (let i = 0; i < events.length; i += BATCH) {
    await db
      .insertInto('usage_events')
      .values(
        events.slice(i, i + BATCH).map((e) => ({
          portal_id: portalId,
          event_id: e.eventId,
          contact_id: e.contactId,
          contact_email: e.email,
          type: e.type,
          feature: e.feature ?? null,
          minutes: e.minutes,
          occurred_at: e.occurredAt,
        })),
      )
      .execute();
  }
  await refreshPlannerStatistics(db, SYNCED_TABLES);
}
