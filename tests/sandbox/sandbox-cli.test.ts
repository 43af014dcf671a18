import { describe, expect, it } from '@jest/globals';
import { spawnChurn } from '../support/processes.js';

describe('churn sandbox', () => {
  it('runs the local CRM alone with the customers it was asked for', async () => {
    const sandbox = spawnChurn([
      'sandbox',
      '--contacts',
      '40',
      '--seed',
      '5',
      '--port',
      '0',
      '--portal',
      '4711',
    ]);
    try {
      const [, url] = await sandbox.waitFor(/API:\s+(http:\/\/\S+)/, 120_000);
      const health = await fetch(`${url}/_sandbox/healthz`);
      expect(health.status).toBe(200);
      const portals = (await (await fetch(`${url}/_sandbox/portals`)).json()) as unknown;
      expect(JSON.stringify(portals)).toContain('4711');
      expect(sandbox.output()).toMatch(/"contacts":40/);
      const page = await fetch(`${url}/_sandbox/ui/portals/4711/contacts`);
      expect(page.status).toBe(200);
    } finally {
      sandbox.child.kill('SIGINT');
    }
    expect((await sandbox.exited()).code).toBe(0);
  });

  it('runs the Salesforce sandbox alone with --crm salesforce: two origins and one generated org', async () => {
    const sandbox = spawnChurn([
      'sandbox',
      '--crm',
      'salesforce',
      '--contacts',
      '40',
      '--seed',
      '5',
      '--port',
      '0',
    ]);
    try {
      const [, orgId] = await sandbox.waitFor(/Org:\s+(00D[0-9A-Za-z]{15})/, 120_000);
      const [, loginUrl] = sandbox.output().match(/Login:\s+(http:\/\/\S+)/)!;
      const [, instanceUrl] = sandbox.output().match(/Instance:\s+(http:\/\/\S+)/)!;
      expect(loginUrl).not.toBe(instanceUrl);
      const orgs = (await (await fetch(`${instanceUrl}/_sandbox/salesforce/orgs`)).json()) as {
        orgs: { orgId: string; counts: Record<string, number> }[];
      };
      expect(orgs.orgs).toEqual([
        expect.objectContaining({ orgId, counts: expect.objectContaining({ Contact: 40 }) }),
      ]);
      const authorize = await fetch(
        `${loginUrl}/services/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri=x`,
      );
      expect(authorize.status).toBe(400);
    } finally {
      sandbox.child.kill('SIGINT');
    }
    expect((await sandbox.exited()).code).toBe(0);
  });

  it('refuses a bad number with a message naming it', async () => {
    const sandbox = spawnChurn(['sandbox', '--contacts', 'many']);
    const { code } = await sandbox.exited();
    expect(code).not.toBe(0);
    expect(sandbox.output()).toMatch(/expected a whole number, got "many"/);
  });
});
