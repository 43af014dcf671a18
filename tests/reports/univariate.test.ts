import { describe, expect, it } from '@jest/globals';
import type { FeatureColumn } from '../../server/model/dataset.js';
import { rocAuc } from '../../server/model/metrics.js';
import { SeededRandom } from '../../server/model/random.js';
import { rankVariables } from '../../server/reports/univariate.js';

/** The AUC of rows scored by their category's churn rate over the very same rows. */
function inSampleAuc(values: readonly string[], labels: Uint8Array): number {
  const counts = new Map<string, { rows: number; churned: number }>();
  values.forEach((v, i) => {
    const c = counts.get(v) ?? { rows: 0, churned: 0 };
    c.rows++;
    c.churned += labels[i]!;
    counts.set(v, c);
  });
  const scores = values.map((v) => counts.get(v)!.churned / counts.get(v)!.rows);
  return rocAuc(scores, labels);
}

const numeric = (name: string, values: number[]): FeatureColumn => ({
  name,
  label: name,
  kind: 'numeric',
  values: Float64Array.from(values),
});
const categorical = (name: string, values: string[]): FeatureColumn => ({
  name,
  label: name,
  kind: 'categorical',
  values,
});

/**
 * 400 companies of 5 contacts each, 40 industries of 10 companies: whether a company churns is
 * decided for the company (all its contacts leave or none do) and owes nothing to its industry.
 * Each contact's logins are a weak but genuine signal: churners log in a little less.
 */
function accountTable() {
  const random = new SeededRandom(7);
  const industry: string[] = [];
  const company: string[] = [];
  const logins: number[] = [];
  const labels: number[] = [];
  for (let c = 0; c < 400; c++) {
    const churned = random.next() < 0.3 ? 1 : 0;
    for (let k = 0; k < 5; k++) {
      industry.push(`industry ${c % 40}`);
      company.push(`company ${c}`);
      logins.push(random.normal() - 0.3 * churned);
      labels.push(churned);
    }
  }
  return {
    columns: [numeric('logins', logins), categorical('industry', industry)],
    industry,
    company,
    labels: Uint8Array.from(labels),
  };
}

/** 3,000 customers on three plans that really do churn at different rates: 10, 25 and 45 %. */
function planTable() {
  const random = new SeededRandom(11);
  const plan: string[] = [];
  const labels: number[] = [];
  const rates: Record<string, number> = { basic: 0.45, standard: 0.25, premium: 0.1 };
  for (let i = 0; i < 3000; i++) {
    const p = ['basic', 'standard', 'premium'][i % 3]!;
    plan.push(p);
    labels.push(random.next() < rates[p]! ? 1 : 0);
  }
  return { columns: [categorical('plan', plan)], plan, labels: Uint8Array.from(labels) };
}

describe('ranking variables one at a time', () => {
  it('does not take an industry that memorises its few companies for a driver, once companies stay together', () => {
    const { columns, industry, company, labels } = accountTable();
    const byCompany = rankVariables(columns, labels, { groups: company });
    const logins = byCompany.find((v) => v.variable === 'logins')!;
    // Scored on the rows it was measured on, the industry seems to beat the genuine signal...
    expect(logins.auc).toBeLessThan(0.5);
    expect(inSampleAuc(industry, labels) - 0.5).toBeGreaterThan(logins.strength + 0.03);
    // ...which it does not on companies it has not seen.
    expect(byCompany.map((v) => v.variable)).toEqual(['logins', 'industry']);
    const ranked = byCompany.find((v) => v.variable === 'industry')!;
    expect(ranked.strength).toBeLessThan(0.05);
    // Folds by row leave a contact's colleagues in the other folds, where their shared outcome
    // still shows through the industry's rate.
    const byRow = rankVariables(columns, labels).find((v) => v.variable === 'industry')!;
    expect(byRow.auc).toBeGreaterThan(ranked.auc + 0.05);
  });

  it('still shows every category its churn rate over all rows, and names the riskiest', () => {
    const { columns, industry, company, labels } = accountTable();
    const ranked = rankVariables(columns, labels, { groups: company }).find(
      (v) => v.variable === 'industry',
    )!;
    expect(ranked.bins).toHaveLength(40);
    for (const bin of ranked.bins) {
      const rows = industry.flatMap((v, i) => (v === bin.bin ? [labels[i]!] : []));
      expect(bin.rows).toBe(rows.length);
      expect(bin.rate).toBeCloseTo(rows.reduce((s: number, y) => s + y, 0) / rows.length, 12);
    }
    const riskiest = Math.max(...ranked.bins.map((b) => b.rate));
    expect(ranked.bins[0]!.rate).toBe(riskiest);
    expect(ranked.direction).toBe(
      `riskiest: ${ranked.bins[0]!.bin} (${(100 * riskiest).toFixed(1)} % churn)`,
    );
  });

  it('keeps a genuine categorical signal close to its in-sample AUC, with or without groups', () => {
    const { columns, plan, labels } = planTable();
    const inSample = inSampleAuc(plan, labels);
    expect(inSample).toBeGreaterThan(0.65);
    const [byRow] = rankVariables(columns, labels);
    expect(byRow!.auc).toBeCloseTo(inSample, 2);
    expect(byRow!.strength).toBeCloseTo(byRow!.auc - 0.5, 12);
    expect(byRow!.direction).toMatch(/^riskiest: basic/);
    const pairs = Array.from(plan, (_, i) => `pair ${i >> 1}`);
    const [byPair] = rankVariables(columns, labels, { groups: pairs });
    expect(byPair!.auc).toBeCloseTo(inSample, 2);
  });

  it('gives the same ranking every run, and treats rows without a group each on their own', () => {
    const { columns, company, labels } = accountTable();
    const first = rankVariables(columns, labels, { groups: company });
    expect(rankVariables(columns, labels, { groups: company })).toEqual(first);
    expect(rankVariables(columns, labels)).toEqual(rankVariables(columns, labels));
    const none = company.map(() => null);
    expect(rankVariables(columns, labels, { groups: none })).toEqual(rankVariables(columns, labels));
  });

  it('refuses groups that do not match the rows', () => {
    const { columns, company, labels } = accountTable();
    expect(() => rankVariables(columns, labels, { groups: company.slice(1) })).toThrow(/one per row/);
  });
});
