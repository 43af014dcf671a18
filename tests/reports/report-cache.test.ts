import { describe, expect, it } from '@jest/globals';
import { ReportCache } from '../../server/reports/report-cache.js';

/** A computation that finishes when the test says so. */
function controlled<T>() {
  let finish!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { promise, finish, fail };
}

describe('the report cache', () => {
  it('computes once per data version, tells a request that waited long enough to come back, and serves the result later', async () => {
    const cache = new ReportCache<string>();
    const slow = controlled<string>();
    let computations = 0;
    const compute = () => {
      computations++;
      return slow.promise;
    };
    const early = await cache.get(7, 'v1', compute, 10);
    expect(early.state).toBe('computing');
    const again = await cache.get(7, 'v1', compute, 10);
    expect(again.state).toBe('computing');
    slow.finish('report v1');
    await slow.promise;
    expect(await cache.get(7, 'v1', compute, 10)).toEqual({
      state: 'ready',
      report: 'report v1',
      cached: true,
    });
    expect(computations).toBe(1);
    // New data: a new computation; other portals have their own entries.
    expect(await cache.get(7, 'v2', async () => 'report v2')).toEqual({
      state: 'ready',
      report: 'report v2',
      cached: false,
    });
    expect(await cache.get(8, 'v2', async () => 'portal 8')).toMatchObject({ report: 'portal 8' });
  });

  it('forgets a failed computation, so the next request tries again', async () => {
    const errors: unknown[] = [];
    const cache = new ReportCache<string>((_portal, error) => errors.push(error));
    const failing = controlled<string>();
    const pending = cache.get(1, 'v1', () => failing.promise);
    failing.fail(new Error('database went away'));
    await expect(pending).rejects.toThrow('database went away');
    expect(errors).toHaveLength(1);
    expect(await cache.get(1, 'v1', async () => 'second try')).toEqual({
      state: 'ready',
      report: 'second try',
      cached: false,
    });
  });
});
