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
      const [, url] = await sandbox.waitFor(/API:\s+(http:\/\/\S+)/, 30_000);
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

  it('refuses a bad number with a message naming it', async () => {
    const sandbox = spawnChurn(['sandbox', '--contacts', 'many']);
    const { code } = await sandbox.exited();
    expect(code).not.toBe(0);
    expect(sandbox.output()).toMatch(/expected a whole number, got "many"/);
  });
});
