/**
 * The contact loaders bring a contact's CRM properties only as far as the churn rule reads them:
 * a property rule's property and date for a portal that churns by property, none otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { hubspotRecordSpecs } from '../../server/crm/hubspot/records.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { contactChunks, loadContacts } from '../../server/features/build/contact-chunks.js';
import { customerStatusAt, NO_DEALS } from '../../server/features/customer-status.js';
import type { ChurnRule } from '../../server/settings/churn-rule.js';
import { writeRecords } from '../../server/sync/warehouse-writer.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';

const RULE: ChurnRule = { kind: 'property', property: 'churned', dateProperty: 'churned_on' };
const CONTACTS = { ...hubspotRecordSpecs(RULE).find((s) => s.type === 'contacts')! };

let database: TestDatabase;
let byProperty: number;
let byStage: number;

async function portal(externalId: string, rule: ChurnRule | undefined): Promise<number> {
  const { id } = await upsertInstalledPortal(database.db, {
    crm: 'hubspot',
    externalId,
    name: externalId,
    domain: null,
  });
  if (rule)
    await sql`update portals set settings = ${JSON.stringify({ churnRule: rule })}::jsonb where id = ${id}`.execute(
      database.db,
    );
  return id;
}

const contact = (id: string) => ({
  id,
  properties: {
    email: `${id}@example.com`,
    firstname: 'Ada',
    jobtitle: 'Head of Operations',
    lifecyclestage: 'customer',
    hs_lifecyclestage_customer_date: '2024-01-01T00:00:00.000Z',
    churned: 'true',
    churned_on: '2026-10-01T00:00:00.000Z',
    createdate: '2024-01-01T00:00:00.000Z',
  },
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2026-10-02T00:00:00.000Z',
  archived: false,
});

beforeAll(async () => {
  database = await openTestDatabase();
  byProperty = await portal('801', RULE);
  byStage = await portal('802', undefined);
  for (const id of [byProperty, byStage]) await writeRecords(database.db, id, CONTACTS, [contact('c1')]);
}, 300_000);
afterAll(async () => {
  await database?.dispose();
});

describe('the properties a contact is loaded with', () => {
  it("are the property rule's, and the customer left on the rule's date", async () => {
    const [loaded] = await loadContacts(database.db, byProperty, { ids: ['c1'] });
    expect(loaded!.properties).toEqual({ churned: 'true', churned_on: '2026-10-01T00:00:00.000Z' });
    const status = customerStatusAt(loaded!, NO_DEALS, RULE, new Date('2026-11-01T00:00:00Z'));
    expect(status.status === 'churned' && status.leftAt?.toISOString()).toBe('2026-10-01T00:00:00.000Z');
  });

  it('are none for a portal whose rule reads no property, by chunk as by id', async () => {
    const [loaded] = await loadContacts(database.db, byStage, { ids: ['c1'] });
    expect(loaded!.properties).toEqual({});
    for await (const chunk of contactChunks(database.db, byStage)) expect(chunk[0]!.properties).toEqual({});
  });

  it("are the named ones when the caller's rule is not the portal's", async () => {
    const [loaded] = await loadContacts(
      database.db,
      byStage,
      { ids: ['c1'] },
      { ruleProperties: ['churned', 'missing'] },
    );
    expect(loaded!.properties).toEqual({ churned: 'true', missing: null });
  });
});
