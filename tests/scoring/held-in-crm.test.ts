import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ScoreField } from '../../server/crm/warehouse-records.js';
import { json } from '../../server/db/json.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { heldInCrm, sameFieldValue } from '../../server/scoring/held-in-crm.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';

describe('a written value against the one the CRM gives back', () => {
  it('is the same value however the CRM spells an empty field or a number', () => {
    expect(sameFieldValue('', null)).toBe(true);
    expect(sameFieldValue(null, undefined)).toBe(true);
    expect(sameFieldValue('80.0', '80')).toBe(true);
    expect(sameFieldValue('12.3', '12.30')).toBe(true);
    expect(sameFieldValue('high', 'high')).toBe(true);
  });

  it('is another value when the CRM holds something else, so the write is sent again', () => {
    expect(sameFieldValue('high', null)).toBe(false);
    expect(sameFieldValue('12.3', '')).toBe(false);
    expect(sameFieldValue('12.3', '12.4')).toBe(false);
    expect(sameFieldValue('high', 'High')).toBe(false);
    expect(sameFieldValue('80', '80 points')).toBe(false);
  });
});

describe(`what the CRM holds in the app's fields, as the warehouse knows it, on ${testDatabaseKind()}`, () => {
  let handle: TestDatabase;
  let portalId: number;
  const FIELDS = ['churn_risk_score', 'churn_risk_tier'] as const;
  // As a CRM names them (a Salesforce org's fields end in __c).
  const NAMES = { churn_risk_score: 'risk_score__c', churn_risk_tier: 'risk_tier__c' } as Readonly<
    Record<ScoreField, string>
  >;
  const CONFIRMED = new Date('2026-11-30T10:00:00Z');

  beforeAll(async () => {
    handle = await openTestDatabase();
    portalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '983', name: 'H', domain: null })
    ).id;
    const synced = (id: string, at: string, properties: Record<string, string | null>) => ({
      portal_id: portalId,
      id,
      properties: json({ firstname: 'Ada', ...properties }),
      synced_at: new Date(at),
    });
    await handle.db
      .insertInto('contacts')
      .values([
        // Read after the app's write: someone cleared the tier by hand.
        synced('1', '2026-12-01T08:00:00Z', { risk_score__c: '80', risk_tier__c: null }),
        // Read before the app's write: the write is the latest known.
        synced('2', '2026-11-29T08:00:00Z', { risk_score__c: '12', risk_tier__c: 'low' }),
        // Read without the app's fields (a sync that does not ask for them) says nothing.
        synced('3', '2026-12-01T08:00:00Z', { risk_score__c: '70' }),
        // Never written by the app, read with the fields.
        synced('4', '2026-12-01T08:00:00Z', { risk_score__c: '', risk_tier__c: 'medium' }),
        // Never written, read without them.
        synced('5', '2026-12-01T08:00:00Z', {}),
      ])
      .execute();
    await handle.db
      .insertInto('crm_writebacks')
      .values(
        ['1', '2', '3'].map((id) => ({
          portal_id: portalId,
          object_type: 'contacts',
          record_id: id,
          written: json({ churn_risk_score: '80', churn_risk_tier: 'high' }),
          written_at: CONFIRMED,
        })),
      )
      .execute();
  });
  afterAll(async () => {
    await handle.dispose();
  });

  it('is the synced copy when the sync read the record after the last confirmed write, else that write', async () => {
    const held = await heldInCrm(
      handle.db,
      portalId,
      'contacts',
      ['1', '2', '3', '4', '5', '6'],
      FIELDS,
      NAMES,
    );
    expect(Object.fromEntries(held)).toEqual({
      '1': { churn_risk_score: '80', churn_risk_tier: null },
      '2': { churn_risk_score: '80', churn_risk_tier: 'high' },
      '3': { churn_risk_score: '80', churn_risk_tier: 'high' },
      '4': { churn_risk_score: '', churn_risk_tier: 'medium' },
    });
  });
});
