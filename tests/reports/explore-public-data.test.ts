import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseCsv } from '../../server/csv/read-csv.js';
import { csvExploreReport, csvQualityReport } from '../../server/reports/index.js';
import { ROOT } from '../support/processes.js';

const TELCO = join(ROOT, '..', 'shared', 'datasets', 'tabular', 'WA_Fn-UseC_-Telco-Customer-Churn.csv');
const present = existsSync(TELCO);
if (!present) console.warn(`${TELCO} not found: skipping the reports on the Telco churn table.`);
const d = present ? describe : describe.skip;

d('reports on the Telco churn table', () => {
  const table = present ? parseCsv(readFileSync(TELCO, 'utf8'), 'telco.csv') : null;

  it('names contract type, tenure and fiber-optic internet among the five most telling variables', () => {
    const report = csvExploreReport(table!, { label: 'Churn' });
    expect(report.rows).toBe(7043);
    expect(report.churned).toBe(1869);
    const top = report.ranking.slice(0, 5);
    const byName = new Map(top.map((v) => [v.variable, v]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['Contract', 'tenure', 'InternetService']));
    expect(byName.get('Contract')!.direction).toMatch(/^riskiest: Month-to-month/);
    expect(byName.get('InternetService')!.direction).toMatch(/^riskiest: Fiber optic/);
    expect(byName.get('tenure')!.direction).toBe('lower values, more churn');
    // The id column is not a variable; gender tells nothing.
    expect(report.ranking.some((v) => v.variable === 'customerID')).toBe(false);
    const gender = report.ranking.find((v) => v.variable === 'gender')!;
    expect(gender.strength).toBeLessThan(0.02);
    const contract = report.segments.find((s) => s.variable === 'Contract')!;
    expect(contract.bands.map((b) => b.value)).toEqual(['Month-to-month', 'Two year', 'One year']);
    expect(contract.bands[0]!.rate).toBeCloseTo(0.427, 3);
  });

  it('finds no problem in the table, and counts the 11 blank TotalCharges', () => {
    const report = csvQualityReport(table!, { asOf: new Date('2026-11-01T00:00:00Z') });
    expect(report.issues).toEqual([]);
    const total = report.columns.find((c) => c.name === 'TotalCharges')!;
    expect(total).toMatchObject({ type: 'number', missing: 11, typeConsistency: 1 });
  });
});
