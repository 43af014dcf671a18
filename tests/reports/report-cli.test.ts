import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { SandboxStore } from '../../sandbox/store.js';
import { openDatabase } from '../../server/db/index.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import type { ExploreReport, QualityReport } from '../../server/reports/index.js';
import { loadSandboxPortal } from '../features/features-sandbox-load.js';
import { migratedDataDir } from '../support/data-dir.js';
import { spawnChurn, tempDir } from '../support/processes.js';

interface Run {
  code: number | null;
  stdout: string;
  output: string;
}

/** `churn report …args` as a user would type it; stdout apart for JSON, everything for messages. */
async function churnReport(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const spawned = spawnChurn(['report', ...args], env);
  let stdout = '';
  spawned.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const { code } = await spawned.exited();
  return { code, stdout, output: spawned.output() };
}

/** 300 customers: those who log in rarely churn far more; the plan makes no difference. */
function customersCsv(): string {
  const lines = ['customer_id,plan,logins_per_week,churned'];
  for (let i = 0; i < 300; i++) {
    const logins = (i * 7) % 20;
    const churned = logins < 5 ? i % 3 !== 0 : i % 10 === 0;
    lines.push(`C${1000 + i},${i % 2 ? 'pro' : 'basic'},${logins},${churned ? 'Yes' : 'No'}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('churn report', () => {
  const dir = tempDir('churn-report-');
  const csv = join(dir, 'customers.csv');
  writeFileSync(csv, customersCsv());
  let runs: Record<'table' | 'json' | 'noLabel' | 'oneClass' | 'quality' | 'noPortal' | 'noFile', Run>;

  beforeAll(async () => {
    const oneClass = join(dir, 'stayers.csv');
    writeFileSync(oneClass, 'id,plan,churned\n1,a,No\n2,b,No\n3,a,No\n');
    // Each run is a real process: they start together because each pays the CLI's start-up time.
    const [table, json, noLabel, oneClassRun, quality, noPortal, noFile] = await Promise.all([
      churnReport(['explore', '--csv', csv, '--label', 'churned']),
      churnReport(['explore', '--csv', csv, '--label', 'churned', '--json']),
      churnReport(['explore', '--csv', csv, '--label', 'cancelled']),
      churnReport(['explore', '--csv', oneClass, '--label', 'churned']),
      churnReport(['quality', '--csv', csv, '--json']),
      churnReport(['quality', '--portal', '4242'], { DATA_DIR: await migratedDataDir('churn-report-data-') }),
      churnReport(['quality', '--csv', join(dir, 'nowhere.csv')]),
    ]);
    runs = { table, json, noLabel, oneClass: oneClassRun, quality, noPortal, noFile };
  }, 300_000);

  it('prints the exploration as a table: variables ranked, churn by segment', () => {
    expect(runs.table.code).toBe(0);
    expect(runs.table.stdout).toMatch(/300 rows, \d+ churned/);
    expect(runs.table.stdout).toContain('Most telling variables');
    expect(runs.table.stdout).toMatch(/^\s+1\s+logins_per_week\s+0\.\d{3}.*lower values, more churn$/m);
    expect(runs.table.stdout).toMatch(/Churn rate by segment:\n\s+plan\n/);
  });

  it('prints the same report as JSON with --json', () => {
    expect(runs.json.code).toBe(0);
    const report = JSON.parse(runs.json.stdout) as ExploreReport;
    expect(report).toMatchObject({ report: 'explore', rows: 300, source: { kind: 'csv', name: csv } });
    expect(report.ranking[0]).toMatchObject({ variable: 'logins_per_week', kind: 'numeric' });
    expect(report.ranking.map((v) => v.variable)).not.toContain('customer_id');
    const quality = JSON.parse(runs.quality.stdout) as QualityReport;
    expect(quality).toMatchObject({ report: 'quality', rows: 300, issues: [] });
  });

  it('refuses a missing label column by name, and a label with one class, with a non-zero exit', () => {
    expect(runs.noLabel.code).not.toBe(0);
    expect(runs.noLabel.output).toMatch(/no label column "cancelled"/);
    expect(runs.noLabel.stdout).toBe('');
    expect(runs.oneClass.code).not.toBe(0);
    expect(runs.oneClass.output).toMatch(/one class only/);
  });

  it('names a file it cannot read', () => {
    expect(runs.noFile.code).toBe(1);
    expect(runs.noFile.output).toMatch(/cannot read .*nowhere\.csv: no such file/);
  });

  it('says so when the portal is not in the warehouse', () => {
    expect(runs.noPortal.code).toBe(1);
    expect(runs.noPortal.output).toMatch(/no portal 4242/);
  });
});

describe('churn report --portal', () => {
  let dataDir: string;
  let portalId: number;
  let explore: Run;
  let quality: Run;

  beforeAll(async () => {
    // The warehouse a server would keep in DATA_DIR, with a generated portal in it.
    dataDir = await migratedDataDir('churn-report-portal-');
    const handle = await openDatabase({ dataDir });
    try {
      const portal = await upsertInstalledPortal(handle.db, {
        crm: 'hubspot',
        externalId: '77',
        name: 'Generated',
        domain: null,
      });
      portalId = portal.id;
      const crm = new SandboxStore().createPortal(77);
      generatePortal(crm, { contacts: 300, seed: 4, months: 18 });
      await loadSandboxPortal(handle.db, portalId, crm);
    } finally {
      await handle.close();
    }
    // One after the other: the embedded warehouse takes one process at a time.
    explore = await churnReport(['explore', '--portal', String(portalId), '--json'], { DATA_DIR: dataDir });
    quality = await churnReport(['quality', '--portal', String(portalId)], { DATA_DIR: dataDir });
  }, 300_000);

  it("explores the portal's history from the warehouse, with progress on stderr", () => {
    expect(explore.code).toBe(0);
    const report = JSON.parse(explore.stdout) as ExploreReport;
    expect(report).toMatchObject({ report: 'explore', source: { kind: 'portal', name: String(portalId) } });
    expect(report.churned).toBeGreaterThan(0);
    expect(report.earlyWarning!.length).toBeGreaterThan(0);
    expect(explore.output).toMatch(/explore: done in [\d.]+ s/);
  });

  it("prints the portal's data quality as a table", () => {
    expect(quality.code).toBe(0);
    expect(quality.stdout).toMatch(/^Data quality of portal \d+: \d+ rows, \d+ columns/);
    expect(quality.stdout).toMatch(/^\s+usage_minutes_per_week_4w\s+number\s+100\.0 %/m);
    expect(quality.stdout).toContain('Warehouse checks:');
  });
});
