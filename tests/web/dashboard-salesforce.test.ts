/**
 * The dashboard for a Salesforce org: users sign in through Salesforce's OAuth, see their org's
 * list, and each row links to the contact's record page in their own org.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateOrg } from '../../sandbox/salesforce/from-generator.js';
import type { WorkerPool } from '../../server/jobs/worker-pool.js';
import { latestRunProgress } from '../../server/scoring/runs.js';
import { startSalesforceHarness } from '../contract/salesforce-driver.js';
import { dashboardCall, signInToSalesforceDashboard } from '../support/dashboard-session.js';
import { waitUntil } from '../support/processes.js';
import { flowCookie } from '../support/product-server.js';

let harness: Awaited<ReturnType<typeof startSalesforceHarness>>;
let worker: WorkerPool;

beforeAll(async () => {
  harness = await startSalesforceHarness();
}, 300_000);
afterAll(async () => {
  await worker?.close(1000);
  await harness?.stop();
});

describe('the dashboard of a Salesforce org', () => {
  it("signs in a user of the org and links each customer at risk to the org's record page", async () => {
    const installed = await harness.installOrg(0);
    generateOrg(installed.org, { contacts: 600, seed: 5 });
    worker = await harness.product.startWorker();
    await waitUntil(
      async () => (await latestRunProgress(harness.db, installed.portalId))?.status === 'succeeded',
      180_000,
    );

    const session = await signInToSalesforceDashboard(harness.product.url, installed.org.orgId);
    expect(session.portalId).toBe(installed.portalId);
    const list = await dashboardCall<{ rows: { contactId: string; tier: string; crmUrl: string }[] }>(
      harness.product.url,
      session,
      `/api/v1/portals/${installed.portalId}/at-risk?tier=high`,
    );
    expect(list.status).toBe(200);
    expect(list.body.rows.length).toBeGreaterThan(0);
    const [first] = list.body.rows;
    expect(first!.crmUrl).toMatch(new RegExp(`/lightning/r/Contact/${first!.contactId}/view$`));
    const page = await fetch(first!.crmUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<th>Churn_Risk_Tier__c</th><td>high</td>');
  }, 300_000);

  it('refuses a user of an org where the app is not installed', async () => {
    const other = harness.sandbox.store.createOrg({ name: 'Not installed' });
    const start = await fetch(`${harness.product.url}/app/login?crm=salesforce`, { redirect: 'manual' });
    const flow = flowCookie(start);
    const authorize = new URL(start.headers.get('location')!);
    const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        ...Object.fromEntries(authorize.searchParams),
        orgId: other.orgId,
        decision: 'allow',
      }),
    });
    const callback = await fetch(consent.headers.get('location')!, {
      redirect: 'manual',
      headers: { cookie: flow },
    });
    expect(callback.status).toBe(403);
    expect(callback.headers.getSetCookie().filter((c) => c.startsWith('churn_session='))).toEqual([]);
    expect(await callback.text()).toContain(`not installed in Salesforce account ${other.orgId}`);
  });
});
