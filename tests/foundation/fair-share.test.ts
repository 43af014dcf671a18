/**
 * Portals take turns on a shared queue: a small portal's run, queued after a big one's, has its
 * chunks taken between the big run's, not after all of them (real Redis, a real BullMQ worker).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, Worker } from 'bullmq';
import { takingTurns } from '../../server/jobs/fair-share.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';

let redis: EmbeddedRedis;
const connection = () => ({ url: redis.url, maxRetriesPerRequest: null });

beforeAll(async () => {
  redis = await startEmbeddedRedis();
});
afterAll(async () => {
  await redis.stop();
});

const runChunks = (run: string, chunks: number) =>
  takingTurns(
    Array.from({ length: chunks }, (_, chunk) => ({
      name: 'chunk',
      data: { run, chunk },
      opts: { jobId: `${run}-${chunk}` },
    })),
  );

describe('chunks of different portals on one queue', () => {
  it('take turns: a small run queued after a big one is done after a few of the big run’s chunks', async () => {
    const queue = new Queue('fair-share-test', { connection: connection() });
    // The big portal's 12 chunks are queued first, then the small portal's 3.
    await queue.addBulk(runChunks('big', 12));
    await queue.addBulk(runChunks('small', 3));
    const taken: string[] = [];
    const worker = new Worker(
      'fair-share-test',
      async (job) => {
        taken.push(`${job.data.run}-${job.data.chunk}`);
      },
      { connection: connection(), concurrency: 1 },
    );
    await new Promise<void>((resolve) => {
      worker.on('drained', () => resolve());
    });
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    expect(taken.slice(0, 6)).toEqual(['big-0', 'small-0', 'big-1', 'small-1', 'big-2', 'small-2']);
    expect(taken.slice(6)).toEqual(Array.from({ length: 9 }, (_, i) => `big-${i + 3}`));
  });
});
