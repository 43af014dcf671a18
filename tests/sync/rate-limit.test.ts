import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { CallAbortedError, withAbortSignal } from '../../server/crm/abort-scope.js';
import { PortalRateLimiter, type RateGrant } from '../../server/crm/rate-limit.js';
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
      const grant = await limiter.take(1, 'general');
      started.push(grant.at);
      await limiter.answered(grant);
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 15 }, (_, i) => call(i % 2 === 0 ? first : second)));
    expect(busiestWindow(started, 1000)).toBe(5);
    // 15 calls at 5 per rolling second cannot all start within two seconds.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
  });

  it('stops a call waiting for its place at once when its job is cancelled', async () => {
    // A full 20 s window: the sixth call would wait about 20 s for its place.
    const limiter = new PortalRateLimiter(
      a,
      'rl-test-abort',
      { generalPerSecond: 0.25, searchPerSecond: 100 },
      20_000,
    );
    for (let i = 0; i < 5; i++) await limiter.take(1, 'general');
    const job = new AbortController();
    const waiting = withAbortSignal(job.signal, () => limiter.take(1, 'general'));
    setTimeout(() => job.abort('worker shutting down'), 50);
    await expect(waiting).rejects.toThrow(CallAbortedError);
    await expect(waiting).rejects.toThrow(/worker shutting down/);
    // The cancelled call took no place: the window still holds the five.
    expect(await a.zcard('rl-test-abort:crm-rate:general:1')).toBe(5);
  }, 300_000);

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

  it('counts a slow call for as long as it is out, longer than the window and the arrival allowance', async () => {
    // Two calls per rolling second; both are out for 4 s (a slow search, a stalled CRM), when the
    // CRM may count them as they arrive: the third call waits for an answer, then a window more.
    const limits = { generalPerSecond: 2, searchPerSecond: 100 };
    const limiter = new PortalRateLimiter(a, 'rl-test-slow', limits, 1000);
    const out = [await limiter.take(1, 'general'), await limiter.take(1, 'general')];
    const beating = out.map((grant) => limiter.keepInFlight(grant));
    await sleep(4000);
    let third: RateGrant | undefined;
    const waiting = limiter.take(1, 'general').then((grant) => (third = grant));
    await sleep(300);
    expect(third).toBeUndefined();
    await beating[0]!();
    // Read before the answer's hold: the hold's own time is this or later, however busy the box.
    const [seconds, micros] = await a.time();
    const answeredAt = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    await limiter.answered(out[0]!);
    await waiting;
    expect(third!.at).toBeGreaterThanOrEqual(answeredAt + 1000);
    await beating[1]!();
  }, 300_000);

  it('still counts a call whose process died before the answer, from when it can have reached the CRM', async () => {
    // One call per rolling second. The first is let go, reaches the CRM 300 ms later (its process
    // was busy) and its process is killed before the answer: no \`answered\` ever comes.
    const limits = { generalPerSecond: 1, searchPerSecond: 100 };
    const dead = new PortalRateLimiter(a, 'rl-test-dead', limits, 1000);
    const alive = new PortalRateLimiter(b, 'rl-test-dead', limits, 1000);
    const first = await dead.take(1, 'general');
    await sleep(300);
    const [seconds, micros] = await a.time();
    const arrived = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const next = await alive.take(1, 'general');
    // The CRM counts the first call from its arrival: the next may not go within a second of it.
    expect(next.at).toBeGreaterThanOrEqual(arrived + 1000);
    expect(next.at - first.at).toBeGreaterThanOrEqual(1300);
  }, 300_000);

  it('keeps portals apart', async () => {
    // Three calls per 60 s window: were the portals to share it, the fourth call would wait a minute.
    const limiter = new PortalRateLimiter(
      a,
      'rl-test-2',
      { generalPerSecond: 0.05, searchPerSecond: 100 },
      60_000,
    );
    await Promise.all([1, 2, 3].flatMap((portal) => [0, 1, 2].map(() => limiter.take(portal, 'general'))));
    for (const portal of [1, 2, 3]) expect(await a.zcard(`rl-test-2:crm-rate:general:${portal}`)).toBe(3);
  }, 300_000);
});
