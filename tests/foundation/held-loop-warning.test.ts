/**
 * A job that holds the worker's event loop (a long synchronous step) delays the timer that renews
 * every job's lock; past the lock, the job runs again elsewhere. The worker says so in its log, and
 * names the job that was running, so an operator sees why jobs ran twice.
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

/** Holds the event loop for at least `ms` (a synchronous step, as a long computation is). */
function holdTheLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe('a job holding the event loop', () => {
  it('is named in a warning once the hold puts job locks at risk, and a short one is not', async () => {
    const prefix = `held-${randomBytes(4).toString('hex')}`;
    const queues = new Queues({ redisUrl: redis.url, prefix });
    const lines: { msg: string; heldMs?: number; running?: { job: string }[] }[] = [];
    const pool = new WorkerPool({
      redisUrl: redis.url,
      prefix,
      concurrency: 1,
      // Warned of past a quarter of the lock: 2 s.
      lockDurationMs: 8_000,
      logger: createLogger('warn', 'churn', { write: (line: string) => lines.push(JSON.parse(line)) }),
      processors: {
        score: async (job) => {
          holdTheLoop(job.name === 'long' ? 3_000 : 50);
          // Past the hold, the watch's timer runs before the job ends.
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          return 'done';
        },
      },
    });
    const warningsNaming = (name: string) =>
      lines.filter(
        (l) => l.msg.startsWith('the event loop was held') && l.running?.some((r) => r.job === name),
      );
    try {
      await pool.waitUntilReady();
      const short = await queues.get('score').add('short', {});
      await waitUntil(async () => (await short.getState()) === 'completed', 20_000);
      expect(warningsNaming('short')).toEqual([]);

      const long = await queues.get('score').add('long', {});
      await waitUntil(async () => (await long.getState()) === 'completed', 20_000);
      expect(warningsNaming('long')).toHaveLength(1);
      expect(warningsNaming('long')[0]!.heldMs).toBeGreaterThanOrEqual(2_000);
    } finally {
      await pool.close(1000);
      await queues.close();
    }
  }, 300_000);
});
