/**
 * A feature query's aggregates travel as one array a row (`packedAggregates`): each must read back
 * as the value the same aggregate gives as a column of its own, on the warehouse the tests run on.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { epochMs, msDate, num, packedAggregates } from '../../server/features/build/time-windows.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  await database?.dispose();
});

const VALUES = sql`(values
  (1, 0.1::float8, 7::numeric, timestamptz '2026-03-01 10:20:30.123+00'),
  (1, 0.2::float8, 7::numeric, timestamptz '2026-05-02 08:00:00.456+00'),
  (1, null, 9::numeric, null),
  (2, null, null, null)) as t(g, x, n, at)`;

describe('aggregates packed into one value a row', () => {
  it('read back as the same numbers, NULL as null, and instants to the millisecond', async () => {
    const packed = packedAggregates({
      rows: sql`count(*)`,
      xs: sql`count(t.x)`,
      xSum: sql`sum(t.x::numeric)`,
      nMean: sql`avg(t.n)`,
      xMin: sql`min(t.x)`,
      first: epochMs(sql`min(t.at)`),
      last: epochMs(sql`max(t.at)`),
    });
    const { rows } = await sql<Record<string, unknown>>`
      select t.g, ${packed.select} as v,
        count(*) as rows, count(t.x) as xs, sum(t.x::numeric) as x_sum, avg(t.n) as n_mean,
        min(t.x) as x_min, min(t.at) as first, max(t.at) as last
      from ${VALUES} group by t.g order by t.g`.execute(database.db);
    const [one, two] = rows.map((r) => ({ packed: packed.read(r.v), columns: r }));

    expect(one!.packed).toEqual({
      rows: num(one!.columns.rows),
      xs: 2,
      xSum: num(one!.columns.x_sum),
      nMean: num(one!.columns.n_mean),
      xMin: 0.1,
      first: Date.parse('2026-03-01T10:20:30.123Z'),
      last: Date.parse('2026-05-02T08:00:00.456Z'),
    });
    // An exact sum or mean rounds once to the nearest double, as reading its text does.
    expect(one!.packed.xSum).toBe(0.3);
    expect(one!.packed.nMean).toBe(Number('7.6666666666666667'));
    expect(msDate(one!.packed.first)).toEqual(one!.columns.first);
    expect(msDate(one!.packed.last)).toEqual(one!.columns.last);

    expect(two!.packed).toEqual({
      rows: 1,
      xs: 0,
      xSum: null,
      nMean: null,
      xMin: null,
      first: null,
      last: null,
    });
    expect(msDate(two!.packed.first)).toBeNull();
  });

  it('refuses a value that does not hold one number for each aggregate', () => {
    const packed = packedAggregates({ a: sql`1`, b: sql`2` });
    expect(packed.read('{1,2}')).toEqual({ a: 1, b: 2 });
    expect(() => packed.read('{1}')).toThrow('expected 2 aggregates, got {1}');
  });
});
