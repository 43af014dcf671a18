import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Job } from 'bullmq';
import { createApp } from '../../server/api/app.js';
import { assembleContext } from '../../server/application.js';
import { listen } from '../../server/api/http-server.js';
import { loadConfig } from '../../server/config.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { Queues } from '../../server/jobs/queues.js';
import { createLogger } from '../../server/logger.js';
import { openTestDatabase } from '../support/database.js';
import { migratedDataDir } from '../support/data-dir.js';
import { spawnChurn, spawnFixture, tempDir, waitUntil, type Spawned } from '../support/processes.js';

let redis: EmbeddedRedis;
const running: Spawned[] = [];

beforeAll(async () => {
  redis = await startEmbeddedRedis();
});
afterAll(async () => {
  for (const p of running) p.child.kill('SIGKILL');
  await redis.stop();
});

function isolatedPrefix(): string {
  return `test-${randomBytes(4).toString('hex')}`;
}

function worker(prefix: string, env: Record<string, string>): Spawned {
  const p = spawnFixture('worker.ts', { REDIS_URL: redis.url, QUEUE_PREFIX: prefix, ...env });
  running.push(p);
  return p;
}

/** The job's result once it finishes: no limit of its own, jest's test timeout bounds a hung wait. */
async function finished(queues: Queues, job: Job): Promise<{ pid: number }> {
  return (await job.waitUntilFinished(await queues.eventsOf('sync'))) as { pid: number };
}

describe('jobs across processes', () => {
  it('a job added by the server is processed by a worker in another process', async () => {
    const prefix = isolatedPrefix();
    const work = spawnChurn(['work'], {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      DATA_DIR: await migratedDataDir(),
    });
    running.push(work);
    await work.waitFor(/worker ready/);

    const config = loadConfig({ REDIS_URL: redis.url, QUEUE_PREFIX: prefix, DATA_DIR: tempDir() });
    const db = await openTestDatabase();
    const queues = new Queues({ redisUrl: redis.url, prefix });
    const server = await listen(
      createApp(assembleContext({ config, db, queues, logger: createLogger('silent') })),
      '127.0.0.1',
      0,
    );
    try {
      const response = await fetch(`${server.url}/healthz/worker`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { worker: { pid: number } };
      expect(body.worker.pid).toBe(work.child.pid);
      expect(body.worker.pid).not.toBe(process.pid);
    } finally {
      await server.close();
      await queues.close();
      await db.dispose();
      work.child.kill('SIGTERM');
      expect((await work.exited()).code).toBe(0);
    }
  }, 300_000);

  it('the server says so when no worker takes jobs', async () => {
    const prefix = isolatedPrefix();
    const config = loadConfig({ REDIS_URL: redis.url, QUEUE_PREFIX: prefix, DATA_DIR: tempDir() });
    const db = await openTestDatabase();
    const queues = new Queues({ redisUrl: redis.url, prefix });
    const server = await listen(
      createApp(assembleContext({ config, db, queues, logger: createLogger('silent') })),
      '127.0.0.1',
      0,
    );
    try {
      const response = await fetch(`${server.url}/healthz/worker`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { code: 'no_worker' } });
    } finally {
      await server.close();
      await queues.close();
      await db.dispose();
    }
  }, 300_000);

  it('a worker killed with SIGKILL mid-job leaves the job to be retried, not lost', async () => {
    const prefix = isolatedPrefix();
    const queues = new Queues({ redisUrl: redis.url, prefix });
    try {
      const doomed = worker(prefix, { FIXTURE_MODE: 'hang', JOB_LOCK_MS: '2000' });
      await doomed.waitFor(/WORKER_READY/);
      const job = await queues.get('sync').add('pull', { portalId: 1 });
      await doomed.waitFor(new RegExp(`JOB_STARTED ${job.id}`));
      doomed.child.kill('SIGKILL');
      await doomed.exited();

      const rescuer = worker(prefix, { FIXTURE_MODE: 'complete', JOB_LOCK_MS: '2000' });
      await rescuer.waitFor(/WORKER_READY/);
      const result = await finished(queues, job);
      expect(result.pid).toBe(rescuer.child.pid);
      rescuer.child.kill('SIGTERM');
      await rescuer.exited();
    } finally {
      await queues.close();
    }
  }, 300_000);

  it('SIGTERM lets the running job finish before the worker exits', async () => {
    const prefix = isolatedPrefix();
    const queues = new Queues({ redisUrl: redis.url, prefix });
    try {
      const w = worker(prefix, { FIXTURE_MODE: 'slow', FIXTURE_JOB_MS: '1500', SHUTDOWN_GRACE_MS: '20000' });
      await w.waitFor(/WORKER_READY/);
      const job = await queues.get('sync').add('pull', { portalId: 1 });
      await w.waitFor(new RegExp(`JOB_STARTED ${job.id}`));
      w.child.kill('SIGTERM');
      const result = await finished(queues, job);
      expect(result.pid).toBe(w.child.pid);
      expect((await w.exited()).code).toBe(0);
    } finally {
      await queues.close();
    }
  }, 300_000);

  it('SIGTERM past the grace period releases the job to the queue without using up an attempt', async () => {
    const prefix = isolatedPrefix();
    const queues = new Queues({ redisUrl: redis.url, prefix });
    try {
      const w = worker(prefix, { FIXTURE_MODE: 'slow', FIXTURE_JOB_MS: '60000', SHUTDOWN_GRACE_MS: '300' });
      await w.waitFor(/WORKER_READY/);
      const job = await queues.get('sync').add('pull', { portalId: 1 });
      await w.waitFor(new RegExp(`JOB_STARTED ${job.id}`));
      w.child.kill('SIGTERM');
      expect((await w.exited()).code).toBe(0);

      const queue = queues.get('sync');
      await waitUntil(async () => ['delayed', 'waiting'].includes(await queue.getJobState(job.id!)), 5000);
      const released = await queue.getJob(job.id!);
      expect(released?.attemptsMade).toBe(0);

      const next = worker(prefix, { FIXTURE_MODE: 'complete' });
      const result = await finished(queues, job);
      expect(result.pid).toBe(next.child.pid);
      next.child.kill('SIGTERM');
      await next.exited();
    } finally {
      await queues.close();
    }
  }, 300_000);
});
