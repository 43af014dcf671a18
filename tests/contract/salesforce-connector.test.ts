/**
 * What the Salesforce connector promises beyond the contract every CRM keeps: the refresh-token
 * chain survives rotation and two workers refreshing at once, the org's daily allowance is
 * respected, and Salesforce's refusals reach the admin in Salesforce's words.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CrmQuotaExceededError, CrmRequestError } from '../../server/crm/errors.js';
import { writtenFields } from '../../server/manifest/written-fields.js';
import { SalesforceConnector } from '../../server/crm/salesforce/connector.js';
import { createServices } from '../../server/services.js';
import { churnRuleSchema, DEFAULT_CHURN_RULE } from '../../server/settings/churn-rule.js';
import { fullSyncObject } from '../../server/sync/full-sync.js';
import { specOf } from '../../server/sync/object-specs.js';
import { startSalesforceHarness } from './salesforce-driver.js';

let harness: Awaited<ReturnType<typeof startSalesforceHarness>>;

beforeAll(async () => {
  harness = await startSalesforceHarness();
}, 300_000);
afterAll(async () => {
  await harness?.stop();
});

const calls = (mark: number) => harness.wire.since(mark).map((c) => `${c.kind} ${c.status}`);

describe('the Salesforce connector', () => {
  it('stores the rotated refresh token, and the chain still works after the next expiry', async () => {
    const installed = await harness.installOrg(3);
    const { vault } = harness.product.ctx.services.crms.stackFor('salesforce');
    const first = await vault.refreshToken(installed.portalId);

    await installed.sandbox.expireAccessToken();
    await installed.connector.listPage(installed.portalId, 'contacts', { properties: ['Title'] });
    const second = await vault.refreshToken(installed.portalId);
    expect(second).not.toBe(first);

    await installed.sandbox.expireAccessToken();
    const mark = harness.wire.mark();
    const page = await installed.connector.listPage(installed.portalId, 'contacts', {
      properties: ['Title'],
    });
    expect(page.results).toHaveLength(3);
    expect(calls(mark)).toEqual(['list 401', 'token-refresh 200', 'list 200']);
    expect(await vault.refreshToken(installed.portalId)).not.toBe(second);
  });

  it('two workers meeting an expired token at once refresh it once, and leave one valid chain', async () => {
    const installed = await harness.installOrg(4);
    // A second worker: its own token vault and jsforce Connection, the same database and Redis.
    const ctx = harness.product.ctx;
    const other = createServices(
      { config: ctx.config, logger: ctx.logger, db: ctx.db, queues: ctx.queues, work: ctx.work },
      { rateLimits: { generalPerSecond: 100_000, searchPerSecond: 100_000 } },
    ).crms.connectorFor(installed.portal);
    await installed.connector.listPage(installed.portalId, 'contacts', { properties: ['Title'] });
    await other.listPage(installed.portalId, 'contacts', { properties: ['Title'] });

    await installed.sandbox.expireAccessToken();
    const mark = harness.wire.mark();
    const [a, b] = await Promise.all([
      installed.connector.listPage(installed.portalId, 'contacts', { properties: ['Title'] }),
      other.listPage(installed.portalId, 'contacts', { properties: ['Title'] }),
    ]);
    expect(a.results).toHaveLength(4);
    expect(b.results).toHaveLength(4);
    const seen = calls(mark);
    // A refresh token replayed would have revoked the whole chain (Salesforce's reuse detection).
    expect(seen.filter((c) => c.startsWith('token-refresh'))).toEqual(['token-refresh 200']);

    await installed.sandbox.expireAccessToken();
    const later = await other.listPage(installed.portalId, 'contacts', { properties: ['Title'] });
    expect(later.results).toHaveLength(4);
  });

  it("the daily allowance used up waits for tomorrow's window, and nothing is written", async () => {
    const installed = await harness.installOrg(2);
    const [id] = await installed.sandbox.recordIds('contacts');
    const response = await fetch(
      `${harness.sandbox.instanceUrl}/_sandbox/salesforce/orgs/${installed.org.orgId}/faults`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ useUpDailyLimit: true }),
      },
    );
    expect(response.ok).toBe(true);
    const write = installed.connector.batchUpdate(installed.portalId, 'contacts', [
      { id: id!, properties: { Title: 'after the limit' } },
    ]);
    await expect(write).rejects.toBeInstanceOf(CrmQuotaExceededError);
    await expect(write).rejects.toThrow(/TotalRequests Limit exceeded/);
    expect((await installed.sandbox.readRecord('contacts', id!))?.properties.Title).not.toBe(
      'after the limit',
    );
  });

  it('a churn rule naming a field the org does not have fails the sync with Salesforce’s words', async () => {
    const installed = await harness.installOrg(2);
    const rule = churnRuleSchema.parse({ kind: 'property', property: 'Churned__c' });
    const spec = specOf(installed.connector, 'contacts', rule);
    const sync = fullSyncObject({ db: harness.db, connector: installed.connector }, installed.portalId, spec);
    await expect(sync).rejects.toBeInstanceOf(CrmRequestError);
    await expect(sync).rejects.toThrow(/INVALID_FIELD: .*No such column 'Churned__c' on entity 'Contact'/s);
  });

  it('syncs an org that lacks the app’s own fields, and reads them with each contact once they are made', async () => {
    const installed = await harness.installOrg(2);
    const spec = specOf(installed.connector, 'contacts', DEFAULT_CHURN_RULE);
    const names = installed.connector.fieldNames;
    expect(spec.properties).toContain(names.churn_risk_tier);
    await fullSyncObject({ db: harness.db, connector: installed.connector }, installed.portalId, spec);
    const [id] = await installed.sandbox.recordIds('contacts');
    const before = await installed.connector.batchRead(
      installed.portalId,
      'contacts',
      [id!],
      spec.properties,
    );
    expect(before[0]!.properties).not.toHaveProperty(names.churn_risk_tier);

    const { group, contact } = writtenFields(harness.product.ctx.manifest);
    await installed.connector.ensureProperties(installed.portalId, 'contacts', group, contact);
    await installed.connector.batchUpdate(installed.portalId, 'contacts', [
      { id: id!, properties: { [names.churn_risk_tier]: 'high' } },
    ]);
    const after = await installed.connector.batchRead(installed.portalId, 'contacts', [id!], spec.properties);
    expect(after[0]!.properties[names.churn_risk_tier]).toBe('high');
    expect(after[0]!.properties).toHaveProperty(names.churn_risk_score, null);
  });

  it('creates the written fields, grants them to the connected user, and writes them', async () => {
    const installed = await harness.installOrg(2);
    const { group, contact } = writtenFields(harness.product.ctx.manifest);
    const report = await installed.connector.ensureProperties(installed.portalId, 'contacts', group, contact);
    expect(report.created).toEqual(expect.arrayContaining(['churn_risk_score', 'churn_risk_tier']));
    expect(report.conflicts).toEqual([]);
    const again = await installed.connector.ensureProperties(installed.portalId, 'contacts', group, contact);
    expect(again.created).toEqual([]);

    const [id] = await installed.sandbox.recordIds('contacts');
    const names = installed.connector.fieldNames;
    const result = await installed.connector.batchUpdate(installed.portalId, 'contacts', [
      { id: id!, properties: { [names.churn_risk_score]: '73.4', [names.churn_risk_tier]: 'high' } },
    ]);
    expect(result).toEqual({ updated: [id], failed: [] });
    const stored = await installed.sandbox.readRecord('contacts', id!);
    // The score keeps its decimal: the field is created with one.
    expect(stored?.properties.Churn_Risk_Score__c).toBe('73.4');
    expect(stored?.properties.Churn_Risk_Tier__c).toBe('high');
  });

  it('reads a big object through one Bulk API 2.0 job, page by page, every record once', async () => {
    const installed = await harness.installOrg(23_000);
    const { requester } = harness.product.ctx.services.crms.stackFor('salesforce');
    // The same connector with a low threshold: any object above 1,000 records goes through Bulk.
    const connector = new SalesforceConnector(requester, 1_000);
    const mark = harness.wire.mark();
    const ids: string[] = [];
    const pages: number[] = [];
    let after: string | undefined;
    do {
      const page = await connector.listPage(installed.portalId, 'contacts', {
        properties: ['Title', 'Customer_Status__c'],
        associations: ['companies'],
        ...(after ? { after } : {}),
      });
      ids.push(...page.results.map((r) => r.id));
      pages.push(page.results.length);
      expect(page.results.every((r) => r.properties.Customer_Status__c === 'Customer' && !r.archived)).toBe(
        true,
      );
      after = page.next;
    } while (after);
    expect(ids).toHaveLength(23_000);
    expect(new Set(ids).size).toBe(23_000);
    expect(ids.sort()).toEqual(await installed.sandbox.recordIds('contacts'));
    // A first query page, then the job: created once, polled, its results read by locator.
    expect(pages).toEqual([12_000, 10_000, 1_000]);
    const calls = harness.wire.since(mark);
    expect(calls.filter((c) => c.kind === 'list')).toHaveLength(1);
    expect(calls.length).toBeLessThanOrEqual(10);
  }, 300_000);
});
