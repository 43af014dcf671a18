import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseCsv } from '../../server/csv/read-csv.js';
import { csvQualityReport, portalQualityReport, type QualityReport } from '../../server/reports/index.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { DAY, FixtureWarehouse } from '../features/features-warehouse.js';

const AS_OF = new Date('2026-11-01T00:00:00Z');

/**
 * Twenty-four customers with five planted problems: a sign-up date in the future (line 5), a
 * negative amount (line 8), the same email in two spellings (lines 3 and 12), minutes that are
 * three times the sessions, and a seats column with one word among its numbers (line 17).
 * Everything else is sound: the other numbers are unrelated to each other.
 */
function fixtureCsv(): string {
  const lines = ['email,signup_date,amount,sessions,minutes,seats,plan,nps'];
  for (let i = 1; i <= 24; i++) {
    const email = i === 10 ? 'Ann.Lee@Example.com ' : `customer${i}@example.com`;
    const signup = i === 3 ? '2031-02-01' : `2025-${String((i % 12) + 1).padStart(2, '0')}-15`;
    const amount = i === 6 ? -40 : ((i * 37) % 23) * 10 + 5;
    const sessions = (i * 5) % 17;
    const minutes = 3 * sessions + (i % 3);
    const seats = i === 15 ? 'ten' : String(((i * 7) % 11) + 1);
    const plan = ['basic', 'pro', 'team'][i % 3];
    const nps = (i * 3) % 11;
    lines.push([email, signup, amount, sessions, minutes, seats, plan, nps].join(','));
  }
  lines[1] = lines[1]!.replace('customer1@example.com', 'ann.lee@example.com');
  return `${lines.join('\n')}\n`;
}

const issueKeys = (report: QualityReport, kinds?: readonly string[]) =>
  report.issues
    .filter((i) => !kinds || kinds.includes(i.kind))
    .map((i) => `${i.kind} ${i.columns.join('+')}`)
    .sort();

describe('data quality of a CSV file', () => {
  const report = csvQualityReport(parseCsv(fixtureCsv(), 'customers.csv'), { asOf: AS_OF });

  it('flags exactly the planted problems, and nothing else', () => {
    expect(issueKeys(report)).toEqual([
      'duplicate_email email',
      'future_date signup_date',
      'high_correlation sessions+minutes',
      'mixed_types seats',
      'negative_amount amount',
    ]);
  });

  it('names the rows at fault, so a person can fix them', () => {
    const column = (name: string) => report.columns.find((c) => c.name === name)!;
    expect(column('signup_date').outOfRange).toEqual([
      expect.objectContaining({
        rule: 'a date in the future',
        count: 1,
        examples: [{ row: 'line 4', value: '2031-02-01T00:00:00.000Z' }],
      }),
    ]);
    expect(column('amount').outOfRange[0]).toMatchObject({
      count: 1,
      examples: [{ row: 'line 7', value: '-40' }],
    });
    expect(column('seats')).toMatchObject({ type: 'number', types: { number: 23, text: 1, date: 0 } });
    expect(column('seats').strayExamples).toEqual([{ row: 'line 16', value: 'ten' }]);
    expect(report.duplicates).toMatchObject({
      column: 'email',
      groups: [{ key: 'ann.lee@example.com', rows: ['line 2', 'line 11'] }],
      duplicatedRows: 2,
    });
    const pair = report.correlations.find((p) => p.a === 'sessions' && p.b === 'minutes')!;
    expect(pair.r).toBeGreaterThan(0.9);
    expect(pair.rows).toBe(24);
  });

  it('describes each column: completeness, distinct values, quantiles or top categories', () => {
    const nps = report.columns.find((c) => c.name === 'nps')!;
    expect(nps).toMatchObject({ completeness: 1, missing: 0, typeConsistency: 1, outOfRange: [] });
    expect(nps.distinct).toBe(new Set(Array.from({ length: 24 }, (_, i) => ((i + 1) * 3) % 11)).size);
    expect(nps.summary).toMatchObject({ kind: 'number', min: 0, max: 10 });
    const plan = report.columns.find((c) => c.name === 'plan')!;
    expect(plan.summary).toEqual({
      kind: 'text',
      top: [
        { value: 'basic', rows: 8, share: 1 / 3 },
        { value: 'pro', rows: 8, share: 1 / 3 },
        { value: 'team', rows: 8, share: 1 / 3 },
      ],
    });
  });

  it('counts blanks against completeness and flags a column that is mostly empty', () => {
    const csv = 'email,score\na@x.io,\nb@x.io,NA\nc@x.io,3\nd@x.io,5\ne@x.io, \n';
    const sparse = csvQualityReport(parseCsv(csv, 'sparse.csv'), { asOf: AS_OF });
    expect(sparse.columns[1]).toMatchObject({ completeness: 2 / 5, missing: 3 });
    expect(issueKeys(sparse)).toEqual(['mostly_missing score']);
  });

  it('leaves alone a column whose blanks mean "nothing to measure", unless it is empty throughout', () => {
    const csv = [
      'email,days_since_reply,score,days_since_purchase',
      'a@x.io,4,,',
      'b@x.io,9,,',
      'c@x.io,,3,',
      'd@x.io,,5,',
      'e@x.io,,,',
      'f@x.io,,,',
    ].join('\n');
    const sparse = csvQualityReport(parseCsv(csv, 'sparse.csv'), {
      asOf: AS_OF,
      sparseByDesign: ['days_since_reply', 'days_since_purchase'],
    });
    expect(sparse.columns[1]).toMatchObject({ completeness: 2 / 6 });
    expect(issueKeys(sparse)).toEqual(['mostly_missing days_since_purchase', 'mostly_missing score']);
  });
});

describe('data quality of a portal', () => {
  let database: TestDatabase;
  let report: QualityReport;

  beforeAll(async () => {
    database = await openTestDatabase();
    const w = await FixtureWarehouse.create(database.db, 'quality');
    const since = new Date(AS_OF.getTime() - 400 * DAY);
    const props = { hs_lifecyclestage_customer_date: since.toISOString() };
    const ann = await w.contact({ id: 'ann', createdAt: since }, props);
    await w.contact({ id: 'ANN', createdAt: since }, props);
    const bob = await w.contact({ id: 'bob', createdAt: since }, props);
    await w.contact({ id: 'eve', createdAt: new Date(AS_OF.getTime() + 20 * DAY) }, props);
    await w.deal(ann, { closeAt: new Date(AS_OF.getTime() - 100 * DAY), amount: -250, won: true });
    await w.deal(bob, { closeAt: new Date(AS_OF.getTime() - 50 * DAY), amount: 900, won: true });
    await w.feedback(bob, { at: new Date(AS_OF.getTime() - 10 * DAY), score: 12 });
    await w.feedback(ann, { at: new Date(AS_OF.getTime() - 10 * DAY), score: 7 });
    report = await portalQualityReport(database.db, w.portalId, { asOf: AS_OF });
  }, 300_000);
  afterAll(async () => {
    await database.dispose();
  });

  it('finds the duplicated email, case-insensitively, and the impossible values in the warehouse', () => {
    expect(report.duplicates?.groups).toEqual([{ key: 'ann@example.com', rows: ['ANN', 'ann'] }]);
    const impossible = [
      'duplicate_email',
      'future_date',
      'impossible_date',
      'negative_amount',
      'out_of_range',
    ];
    expect(issueKeys(report, impossible)).toEqual([
      'duplicate_email email',
      'future_date contacts',
      'negative_amount deals',
      'negative_amount purchase_amount_365d',
      'out_of_range feedback',
      'out_of_range nps_last',
      'out_of_range nps_mean',
    ]);
    const negative = report.warehouse.find((c) => c.table === 'deals' && c.rule === 'a negative amount')!;
    expect(negative).toMatchObject({ count: 1, examples: [expect.stringMatching(/^d/)] });
  });

  it("profiles every live contact's features", () => {
    expect(report.rows).toBe(4);
    const purchases = report.columns.find((c) => c.name === 'purchases_total')!;
    expect(purchases).toMatchObject({ type: 'number', completeness: 1, distinct: 2 });
    const country = report.columns.find((c) => c.name === 'country')!;
    expect(country).toMatchObject({ type: null, completeness: 0 });
  });
});
