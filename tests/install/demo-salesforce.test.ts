/**
 * `churn demo --crm salesforce`: the whole cycle against a Salesforce org in the sandbox, ending
 * with the riskiest active customer's record page and the fields written on it.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnChurn, tempDir } from '../support/processes.js';

describe('the demo on Salesforce', () => {
  it('installs in the org, scores it, and prints the riskiest customer with the written fields', async () => {
    const demo = spawnChurn(['demo', '--crm', 'salesforce', '--contacts', '800'], {
      DATA_DIR: tempDir(),
      PORT: '0',
      DATABASE_URL: '',
      REDIS_URL: '',
      SHUTDOWN_GRACE_MS: '3000',
    });
    try {
      const [, recordUrl] = await demo.waitFor(
        /Highest risk \(\d+(?:\.\d)? %, an active customer\): (http:\/\/\S+)/,
        240_000,
      );
      const [, score] = await demo.waitFor(/Churn_Risk_Score__c: (\d+(?:\.\d)?)\s/, 10_000);
      await demo.waitFor(/Churn_Risk_Tier__c: high/, 10_000);
      expect(recordUrl).toMatch(/\/lightning\/r\/Contact\/003[A-Za-z0-9]{15}\/view$/);
      const page = await fetch(recordUrl!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`<th>Churn_Risk_Score__c</th><td>${score}</td>`);
    } finally {
      demo.child.kill('SIGINT');
    }
    const { code } = await demo.exited();
    if (code !== 0) console.log(demo.output());
    expect(code).toBe(0);
  }, 300_000);
});
