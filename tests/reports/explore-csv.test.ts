import { describe, expect, it } from '@jest/globals';
import { parseCsv } from '../../server/csv/read-csv.js';
import { csvExploreReport } from '../../server/reports/index.js';

/**
 * 400 customers: the later they signed up the likelier they churned; seats matter only at the
 * extremes (one seat, or twenty and more), so its AUC is weak but its information value is not;
 * the region makes no difference.
 */
function customersCsv(): string {
  const lines = ['id,signup_date,seats,region,churned'];
  for (let i = 0; i < 400; i++) {
    const day = new Date(Date.UTC(2024, 0, 1) + ((i * 37) % 400) * 86_400_000).toISOString().slice(0, 10);
    const late = (i * 37) % 400 >= 300;
    const seats = [1, 3, 5, 8, 12, 25][i % 6]!;
    const extreme = seats === 1 || seats === 25;
    const churned = late ? i % 4 !== 0 : extreme ? (i * 7) % 5 < 2 : (i * 11) % 13 === 0;
    lines.push(`${i},${day},${seats},${['north', 'south'][(i >> 1) % 2]},${churned ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('exploration of a CSV file', () => {
  const report = csvExploreReport(parseCsv(customersCsv(), 'customers.csv'), { label: 'churned' });
  const variable = (name: string) => report.ranking.find((v) => v.variable === name)!;

  it('ranks the sign-up date first, with later dates going with churn, and bands it by date', () => {
    expect(report.ranking[0]!.variable).toBe('signup_date');
    expect(variable('signup_date').direction).toBe('later dates, more churn');
    const bands = report.segments.find((s) => s.variable === 'signup_date')!.bands;
    expect(bands.map((b) => b.value)).toEqual([
      expect.stringMatching(/^< 2024-\d\d-\d\d$/),
      expect.stringMatching(/^2024-\d\d-\d\d–20\d\d-\d\d-\d\d$/),
      expect.stringMatching(/^2024-\d\d-\d\d–20\d\d-\d\d-\d\d$/),
      expect.stringMatching(/^≥ 20\d\d-\d\d-\d\d$/),
    ]);
    expect(bands[3]!.rate).toBeGreaterThan(2 * bands[0]!.rate);
  });

  it('sees a two-sided effect through information value where the AUC barely moves', () => {
    const seats = variable('seats');
    expect(seats.strength).toBeLessThan(0.1);
    expect(seats.informationValue).toBeGreaterThan(0.2);
    const region = variable('region');
    // Below 0.1 an information value is conventionally weak.
    expect(region.informationValue).toBeLessThan(0.1);
    expect(report.ranking.map((v) => v.variable)).not.toContain('id');
  });

  it('counts churn overall and per segment from the same rows', () => {
    const churned = customersCsv()
      .trim()
      .split('\n')
      .slice(1)
      .filter((line) => line.endsWith(',1')).length;
    expect(report.churned).toBe(churned);
    for (const segment of report.segments) {
      expect(segment.bands.reduce((s, b) => s + b.rows, 0)).toBe(400);
      expect(segment.bands.reduce((s, b) => s + b.churned, 0)).toBe(churned);
    }
  });
});
