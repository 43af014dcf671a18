import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { PortalRateLimiter } from '../../server/crm/rate-limit.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';

let redis: EmbeddedRedis;
let a: Redis;
let b: Redis;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  a = new Redis(redis.url);
  b = new Redis(redis.url);
});
afterAll(async () => {
  a.disconnect();
  b.disconnect();
  await redis.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The most calls that started within any span of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((x, y) => x - y);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j < sorted.length && sorted[j]! - sorted[i]! < windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe('the per-portal rate limit shared by every process', () => {
  it('never lets two processes together exceed the rolling window, and uses all of it', async () => {
    // Two "processes" (own Redis connections) share a budget of 5 calls per rolling 1 s.
    const limits = { generalPerSecond: 5, searchPerSecond: 100 };
    const first = new PortalRateLimiter(a, 'rl-test', limits, 1000);
    const second = new PortalRateLimiter(b, 'rl-test', limits, 1000);
    const started: number[] = [];
    const call = async (limiter: PortalRateLimiter) => {
      started.push((await limiter.take(1, 'general')).at);
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 15 }, (_, i) => call(i % 2 === 0 ? first : second)));
    expect(busiestWindow(started, 1000)).toBe(5);
    // 15 calls at 5 per rolling second need just over two seconds, not much more.
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(6000);
  });

  it('counts a call until its answer comes, so calls that arrive late never crowd the window', async () => {
    // A budget of 5 per rolling second; each call reaches the CRM up to 400 ms after it was let
    // go (a busy event loop, a slow network) and is answered 50 ms later.
    const limits = { generalPerSecond: 5, searchPerSecond: 100 };
    const limiter = new PortalRateLimiter(a, 'rl-test-late', limits, 1000);
    const arrivals: number[] = [];
    const delays = [400, 0, 350, 20, 300, 10, 0, 380, 50, 0, 390, 5, 0, 200, 0, 360, 0, 10];
    await Promise.all(
      delays.map(async (delay) => {
        const grant = await limiter.take(1, 'general');
        await sleep(delay);
        arrivals.push(Date.now());
        await sleep(50);
        await limiter.answered(grant);
      }),
    );
    expect(busiestWindow(arrivals, 1000)).toBeLessThanOrEqual(5);
  });

  it('keeps portals apart', async () => {
    const limiter = new PortalRateLimiter(
      a,
      'rl-test-2',
      { generalPerSecond: 3, searchPerSecond: 100 },
      1000,
    );
    const t0 = Date.now();
    await Promise.all([1, 2, 3].flatMap((portal) => [0, 1, 2].map(() => limiter.take(portal, 'general'))));
    expect(Date.now() - t0).toBeLessThan(500);
  });
});
