/**
 * Orgs where an earlier release made the score field whole-numbered: the field setup that runs at
 * bootstrap and before each write-back widens it through the Tooling API to the decimal the score
 * carries, keeps the values already stored, and changes nothing the next time. Fields of another
 * type are reported, never rewritten.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SalesforceOrg } from '../../sandbox/salesforce/org.js';
import { writtenFields } from '../../server/manifest/written-fields.js';
import { grantFields, widenedNumber } from '../../server/crm/salesforce/fields.js';
import { startSalesforceHarness } from './salesforce-driver.js';

let harness: Awaited<ReturnType<typeof startSalesforceHarness>>;

beforeAll(async () => {
  harness = await startSalesforceHarness();
}, 300_000);
afterAll(async () => {
  await harness?.stop();
});

const SCORE = 'Churn_Risk_Score__c';

function describedField(org: SalesforceOrg, sobject: string, name: string) {
  return org.fullSchema(sobject)?.fields.find((field) => field.name === name);
}

function metadataOf(org: SalesforceOrg, fullName: string) {
  return org.customFields().find((field) => field.fullName === fullName)?.metadata;
}

/** The org's changes to custom field definitions, as its write log has them. */
function fieldUpdates(orgId: string) {
  return harness.sandbox.controls.writes
    .recent(orgId)
    .filter((entry) => entry.sobject === 'CustomField' && entry.operation === 'update');
}

/** A field as an earlier release made it: created through the Tooling API, granted to the app. */
async function earlierField(
  installed: Awaited<ReturnType<typeof harness.installOrg>>,
  sobject: 'Contact' | 'Account',
  field: string,
  metadata: Parameters<SalesforceOrg['addCustomField']>[1],
) {
  installed.org.addCustomField(`${sobject}.${field}`, metadata);
  const { requester } = harness.product.ctx.services.crms.stackFor('salesforce');
  await grantFields(requester, installed.portalId, sobject, [field]);
}

describe('Salesforce fields an earlier release made narrower', () => {
  it('widens a whole-numbered score field to one decimal, keeps stored values, and is idempotent', async () => {
    const installed = await harness.installOrg(2);
    const { org, portalId, connector } = installed;
    const { group, contact } = writtenFields(harness.product.ctx.manifest);
    await earlierField(installed, 'Contact', SCORE, {
      label: 'Churn Risk Score',
      type: 'Number',
      precision: 3,
      scale: 0,
      description: 'Set by the admin',
    });
    await earlierField(installed, 'Contact', 'Loyalty_Points__c', {
      label: 'Loyalty Points',
      type: 'Number',
      precision: 18,
      scale: 0,
    });
    const [first, second] = await installed.sandbox.recordIds('contacts');
    await connector.batchUpdate(portalId, 'contacts', [{ id: first!, properties: { [SCORE]: '12.3' } }]);
    // At scale 0 the org keeps a whole number: what the card says and the CRM holds differ.
    expect((await installed.sandbox.readRecord('contacts', first!))?.properties[SCORE]).toBe('12');

    const report = await connector.ensureProperties(portalId, 'contacts', group, contact);
    expect(report.updated).toEqual(['churn_risk_score']);
    expect(report.existing).toEqual(expect.arrayContaining(['churn_risk_score', 'loyalty_points']));
    expect(report.conflicts).toEqual([]);
    expect(describedField(org, 'Contact', SCORE)).toMatchObject({ type: 'double', precision: 4, scale: 1 });
    // Only the size changed: the admin's label and description stay.
    expect(metadataOf(org, `Contact.${SCORE}`)).toEqual({
      label: 'Churn Risk Score',
      type: 'Number',
      precision: 4,
      scale: 1,
      description: 'Set by the admin',
    });
    // Fields as wide as this release defines them are left alone.
    expect(describedField(org, 'Contact', 'Loyalty_Points__c')).toMatchObject({ precision: 18, scale: 0 });
    expect(fieldUpdates(org.orgId)).toHaveLength(1);

    // The value stored before stays what it was; a new write keeps its decimal.
    expect((await installed.sandbox.readRecord('contacts', first!))?.properties[SCORE]).toBe('12');
    const written = await connector.batchUpdate(portalId, 'contacts', [
      { id: second!, properties: { [SCORE]: '73.4' } },
    ]);
    expect(written).toEqual({ updated: [second], failed: [] });
    expect((await installed.sandbox.readRecord('contacts', second!))?.properties[SCORE]).toBe('73.4');
    expect([...org.records('Contact')].find((r) => r.Id === second)?.fields[SCORE]).toBe(73.4);
    const page = await connector.listPage(portalId, 'contacts', { properties: [SCORE] });
    expect(page.results.find((r) => r.id === second)?.properties[SCORE]).toBe('73.4');

    const again = await connector.ensureProperties(portalId, 'contacts', group, contact);
    expect(again.updated).toEqual([]);
    expect(again.created).toEqual([]);
    expect(again.conflicts).toEqual([]);
    expect(fieldUpdates(org.orgId)).toHaveLength(1);
    expect(describedField(org, 'Contact', SCORE)).toMatchObject({ precision: 4, scale: 1 });
  });

  it('gives an 18-digit whole-number field its decimal within Salesforce’s 18 digits', async () => {
    const installed = await harness.installOrg(1);
    const { org, portalId, connector } = installed;
    const { company } = writtenFields(harness.product.ctx.manifest);
    if (!company) throw new Error('the manifest declares no company fields');
    await earlierField(installed, 'Account', SCORE, {
      label: 'Churn Risk Score',
      type: 'Number',
      precision: 18,
      scale: 0,
    });

    const report = await connector.ensureProperties(portalId, 'companies', company.group, company.properties);
    expect(report.updated).toEqual(['churn_risk_score']);
    expect(describedField(org, 'Account', SCORE)).toMatchObject({ precision: 18, scale: 1 });
    const account = org.create('Account', { Name: 'Widened' });
    await connector.batchUpdate(portalId, 'companies', [{ id: account.Id, properties: { [SCORE]: '41.7' } }]);
    expect(org.retrieve('Account', account.Id).fields[SCORE]).toBe(41.7);

    const again = await connector.ensureProperties(portalId, 'companies', company.group, company.properties);
    expect(again.updated).toEqual([]);
    expect(fieldUpdates(org.orgId)).toHaveLength(1);
  });

  it('reports a score field of another type as a conflict and leaves its definition alone', async () => {
    const installed = await harness.installOrg(1);
    const { org, portalId, connector } = installed;
    const { group, contact } = writtenFields(harness.product.ctx.manifest);
    const text = { label: 'Churn Risk Score', type: 'Text', length: 10 } as const;
    await earlierField(installed, 'Contact', SCORE, text);

    const report = await connector.ensureProperties(portalId, 'contacts', group, contact);
    expect(report.conflicts).toEqual([
      expect.objectContaining({ name: 'churn_risk_score', actual: { type: 'string', fieldType: 'string' } }),
    ]);
    expect(report.updated).toEqual([]);
    expect(metadataOf(org, `Contact.${SCORE}`)).toEqual(text);
    expect(fieldUpdates(org.orgId)).toEqual([]);
  });
});

describe('widenedNumber', () => {
  it.each([
    [
      { precision: 3, scale: 0 },
      { precision: 4, scale: 1 },
      { precision: 4, scale: 1 },
    ],
    [
      { precision: 5, scale: 0 },
      { precision: 4, scale: 1 },
      { precision: 6, scale: 1 },
    ],
    [
      { precision: 3, scale: 1 },
      { precision: 4, scale: 1 },
      { precision: 4, scale: 1 },
    ],
    [
      { precision: 18, scale: 0 },
      { precision: 4, scale: 1 },
      { precision: 18, scale: 1 },
    ],
    [{ precision: 4, scale: 1 }, { precision: 4, scale: 1 }, null],
    [{ precision: 6, scale: 2 }, { precision: 4, scale: 1 }, null],
    [{ precision: 18, scale: 0 }, { precision: 18, scale: 0 }, null],
  ])('%o to hold %o: %o', (current, wanted, expected) => {
    expect(widenedNumber(current, wanted)).toEqual(expected);
  });
});
