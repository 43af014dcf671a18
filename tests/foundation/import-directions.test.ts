import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = join(ROOT, 'server');

/** `from '…'`, `import '…'` and `import('…')`, type-only ones included. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of every server file, as paths from the repository root. */
function serverImports(): { from: string; to: string }[] {
  return tsFiles(SERVER).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((match) => ({
      from: relative(ROOT, file),
      to: relative(ROOT, resolve(dirname(file), match[1]!)).replace(/\.js$/, '.ts'),
    })),
  );
}

const under = (path: string, folder: string) => path.startsWith(`${folder}/`);

/**
 * Who may import HubSpot's driver from outside it: the wiring that registers it, and the surfaces
 * only HubSpot has (its signed webhooks, card fetches and workflow-action calls).
 */
const HUBSPOT_IMPORTERS = new Set([
  'server/services.ts',
  'server/sync/webhooks/router.ts',
  'server/api/cards/router.ts',
  'server/api/workflow-actions-routes.ts',
]);
/**
 * Who may import Salesforce's driver from outside it: the registry line, the API version's default,
 * and the surfaces only Salesforce has (its package's generator, and the routes its Apex calls).
 */
const SALESFORCE_IMPORTERS = new Set([
  'server/services.ts',
  'server/config.ts',
  'server/api/salesforce-org-routes.ts',
]);
const SALESFORCE_SURFACES = 'server/manifest/salesforce-package';

describe('imports follow the flow of data', () => {
  const imports = serverImports();
  const offending = (rule: (i: { from: string; to: string }) => boolean) =>
    imports.filter(rule).map(({ from, to }) => `${from} → ${to}`);

  it('finds the imports it checks', () => {
    expect(imports.length).toBeGreaterThan(100);
    expect(imports).toContainEqual({ from: 'server/jobs/sync-jobs.ts', to: 'server/sync/sync-portal.ts' });
  });

  it('layers below the queue hand work on through the work port, never server/jobs', () => {
    const below = ['sync', 'oauth', 'workflows', 'crm', 'features', 'model', 'db'].map((f) => `server/${f}`);
    expect(
      offending(({ from, to }) => below.some((f) => under(from, f)) && under(to, 'server/jobs')),
    ).toEqual([]);
  });

  it('server/crm knows no sync', () => {
    expect(offending(({ from, to }) => under(from, 'server/crm') && under(to, 'server/sync'))).toEqual([]);
  });

  it("HubSpot's driver is reached through the CRM registry, apart from HubSpot's own surfaces", () => {
    expect(
      offending(
        ({ from, to }) =>
          under(to, 'server/crm/hubspot') &&
          !under(from, 'server/crm/hubspot') &&
          !HUBSPOT_IMPORTERS.has(from),
      ),
    ).toEqual([]);
  });

  it("Salesforce's driver is reached through the CRM registry alone", () => {
    expect(
      offending(
        ({ from, to }) =>
          under(to, 'server/crm/salesforce') &&
          !under(from, 'server/crm/salesforce') &&
          !SALESFORCE_IMPORTERS.has(from) &&
          !under(from, SALESFORCE_SURFACES),
      ),
    ).toEqual([]);
  });

  it("one CRM's driver never imports another's", () => {
    expect(
      offending(
        ({ from, to }) =>
          (under(from, 'server/crm/hubspot') && under(to, 'server/crm/salesforce')) ||
          (under(from, 'server/crm/salesforce') && under(to, 'server/crm/hubspot')),
      ),
    ).toEqual([]);
  });
});
