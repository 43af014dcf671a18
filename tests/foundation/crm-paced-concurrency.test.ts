/**
 * One worker keeps many portals' CRM-paced jobs (syncs, write-backs) going at once, since they
 * wait on each portal's own rate limit, while the queues whose work is the machine's own CPU
 * (scoring) keep to the worker's concurrency.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { Queues } from '../../server/jobs/queues.js';
import { WorkerPool } from '../../server/jobs/worker-pool.js';
import { createLogger } from '../../server/logger.js';
import { waitUntil } from '../support/processes.js';

let redis: EmbeddedRedis;
beforeAll(async () => {
  redis = await startEmbeddedRedis();
});
afterAll(async () => {
  await redis.stop();
});

/** Jobs that stay running until released, counting how many run at once. */
function gatedJobs() {
  let running = 0;
  let most = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    run: async () => {
      running++;
      most = Math.max(most, running);
      await gate;
      running--;
    },
    running: () => running,
    most: () => most,
    release: () => release(),
  };
}

describe('a worker serving many portals', () => {
  it('runs every portal’s sync side by side, and scoring no more than its concurrency at once', async () => {
    const prefix = `paced-${randomBytes(4).toString('hex')}`;
    const queues = new Queues({ redisUrl: redis.url, prefix });
    const syncs = gatedJobs();
    const scoring = gatedJobs();
    const pool = new WorkerPool({
      redisUrl: redis.url,
      prefix,
      concurrency: 1,
      crmConcurrency: 6,
      lockDurationMs: 30_000,
      logger: createLogger('silent'),
      processors: { sync: syncs.run, score: scoring.run },
    });
    try {
      await pool.waitUntilReady();
      for (let portal = 1; portal <= 6; portal++) {
        await queues.get('sync').add('sync', { portalId: portal });
        await queues.get('score').add('score-chunk', { portalId: portal });
      }
      await waitUntil(async () => syncs.running() === 6 && scoring.running() === 1, 60_000);
      expect(await queues.get('sync').getWaitingCount()).toBe(0);
      expect(await queues.get('score').getWaitingCount()).toBe(5);
      syncs.release();
      scoring.release();
      await waitUntil(
        async () =>
          (await queues.get('score').getCompletedCount()) === 6 &&
          (await queues.get('sync').getCompletedCount()) === 6,
        60_000,
      );
      expect(syncs.most()).toBe(6);
      expect(scoring.most()).toBe(1);
    } finally {
      await pool.close(1000);
      await queues.close();
    }
  }, 300_000);
});
