/**
 * A job that meets the CRM's used-up allowance (Salesforce's daily API requests) waits until the
 * allowance comes back, without spending one of its attempts, then runs to the end.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CrmQuotaExceededError } from '../../server/crm/errors.js';
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

describe('a CRM allowance used up', () => {
  it('delays the job until the allowance is back, and the job then completes on its first attempt', async () => {
    const prefix = `quota-${randomBytes(4).toString('hex')}`;
    const queues = new Queues({ redisUrl: redis.url, prefix });
    const runs: number[] = [];
    let retryAt = 0;
    const pool = new WorkerPool({
      redisUrl: redis.url,
      prefix,
      concurrency: 1,
      lockDurationMs: 30_000,
      logger: createLogger('silent'),
      processors: {
        sync: async (job) => {
          runs.push(Date.now());
          if (runs.length === 1) {
            retryAt = Date.now() + 1500;
            throw new CrmQuotaExceededError('TotalRequests Limit exceeded.', new Date(retryAt));
          }
          return { attemptsMade: job.attemptsMade };
        },
      },
    });
    try {
      await pool.waitUntilReady();
      const job = await queues.get('sync').add('quota', {}, { attempts: 1 });
      await waitUntil(
        async () => (await queues.get('sync').getJob(job.id!))?.finishedOn !== undefined,
        20_000,
      );
      const done = (await queues.get('sync').getJob(job.id!))!;
      expect(await done.getState()).toBe('completed');
      expect(done.returnvalue).toEqual({ attemptsMade: 0 });
      expect(runs).toHaveLength(2);
      // Not before the allowance was due back.
      expect(runs[1]!).toBeGreaterThanOrEqual(retryAt - 5);
    } finally {
      await pool.close(1000);
      await queues.close();
    }
  }, 300_000);
});
