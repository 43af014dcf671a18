/**
 * A bounce reaches the warehouse in neutral terms from either CRM (HubSpot's `hs_email_status`
 * BOUNCED, Salesforce's `EmailMessage.IsBounced`), and emails stored before the column existed are
 * read again from their status by migration 0021.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import type { CrmRecord } from '../../server/crm/connector.js';
import { hubspotRecordSpecs } from '../../server/crm/hubspot/records.js';
import { salesforceRecordSpecs } from '../../server/crm/salesforce/records.js';
import type { RecordSpec } from '../../server/crm/warehouse-records.js';
import { migrateToLatest, migrateUpTo, openDatabase, type DatabaseHandle } from '../../server/db/index.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { DEFAULT_CHURN_RULE } from '../../server/settings/churn-rule.js';

const emailsSpec = (specs: RecordSpec[]) =>
  specs.find((s): s is RecordSpec<'emails'> => s.table === 'emails')!;

const record = (properties: Record<string, string | null>): CrmRecord => ({
  id: 'e1',
  properties,
  createdAt: '2026-05-01T00:00:00.000Z',
  updatedAt: '2026-05-01T00:00:00.000Z',
  archived: false,
});

describe('bounced emails from either CRM', () => {
  it("HubSpot: the email's status BOUNCED", () => {
    const spec = emailsSpec(hubspotRecordSpecs(DEFAULT_CHURN_RULE));
    const bounced = (status: string | null) =>
      spec.map(record({ hs_email_direction: 'EMAIL', hs_email_status: status }), 1).bounced;
    expect(bounced('BOUNCED')).toBe(true);
    expect(bounced('SENT')).toBe(false);
    expect(bounced('FAILED')).toBe(false);
    expect(bounced(null)).toBe(false);
  });

  it("Salesforce: the EmailMessage's IsBounced, which the sync now reads", () => {
    const spec = emailsSpec(salesforceRecordSpecs(DEFAULT_CHURN_RULE));
    expect(spec.properties).toContain('IsBounced');
    const bounced = (flag: string | null) =>
      spec.map(record({ Incoming: 'false', Status: '3', IsBounced: flag }), 1).bounced;
    expect(bounced('true')).toBe(true);
    expect(bounced('false')).toBe(false);
    expect(bounced(null)).toBe(false);
  });
});

describe('migration 0021', () => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    handle = await openDatabase({ inMemory: true, migrate: false });
  });
  afterAll(async () => {
    await handle.close();
  });

  it('marks the emails stored with a BOUNCED status as bounced, and no other', async () => {
    await migrateUpTo(handle.db, '0020-association-types');
    const portal = await upsertInstalledPortal(handle.db, {
      crm: 'hubspot',
      externalId: 'bounces',
      name: 'bounces',
      domain: null,
    });
    await sql`insert into emails (portal_id, id, direction, status) values
      (${portal.id}, 'e1', 'EMAIL', 'BOUNCED'), (${portal.id}, 'e2', 'EMAIL', 'SENT'),
      (${portal.id}, 'e3', 'EMAIL', null), (${portal.id}, 'e4', 'EMAIL', '3')`.execute(handle.db);
    await migrateToLatest(handle.db);
    const rows = await handle.db
      .selectFrom('emails')
      .select(['id', 'bounced'])
      .where('portal_id', '=', portal.id)
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { id: 'e1', bounced: true },
      { id: 'e2', bounced: false },
      { id: 'e3', bounced: false },
      { id: 'e4', bounced: false },
    ]);
  });
});
