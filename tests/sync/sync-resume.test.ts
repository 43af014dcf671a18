import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Job } from 'bullmq';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { openDatabase, type DatabaseHandle } from '../../server/db/index.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { Queues } from '../../server/jobs/queues.js';
import { SYNC_JOB } from '../../server/jobs/sync-jobs.js';
import { testDatabaseKind } from '../support/database.js';
import { spawnChurn, TEST_JOB_LOCK_MS, waitUntil, type Spawned } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { sandboxCounts, warehouseCounts } from '../support/sandbox-portal.js';

const HUB = 620;
const TABLES = ['contacts', 'companies', 'emails', 'tickets', 'deals', 'feedback'] as const;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
const workers: Spawned[] = [];

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
  });
  generatePortal(sandbox.store.portal(HUB)!, {
    contacts: 1000,
    seed: 21,
    now: new Date('2026-11-01T00:00:00Z'),
  });
  product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    persistent: true,
    env: { JOB_LOCK_MS: TEST_JOB_LOCK_MS, HUBSPOT_RATE_LIMIT_PER_SECOND: '60', LOG_LEVEL: 'info' },
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
}, 300_000);
afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await product.close();
  await sandbox.close();
  await redis.stop();
});

function startWorker(): Spawned {
  const worker = spawnChurn(['work', '--concurrency', '1'], product.workerEnv);
  workers.push(worker);
  return worker;
}

async function syncJob(queues: Queues): Promise<Job | undefined> {
  const jobs = await queues.get('sync').getJobs(['active', 'waiting', 'delayed', 'completed', 'prioritized']);
  return jobs.find((j) => j.name === SYNC_JOB);
}

describe('a sync interrupted by a killed worker', () => {
  it('finishes after a restart with the same warehouse contents, and writes no object twice', async () => {
    expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
    const portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
    // The embedded database belongs to one process at a time: hand it to the workers.
    const embedded = testDatabaseKind() === 'pglite';
    if (embedded) await product.ctx.db.close();

    const queues = new Queues({ redisUrl: redis.url, prefix: product.ctx.config.queuePrefix });
    let db: DatabaseHandle | undefined;
    try {
      // The install queued the bootstrap, which queues the first full sync.
      const first = startWorker();
      await waitUntil(async () => {
        const progress = (await syncJob(queues))?.progress as
          { fetched?: Record<string, number> } | undefined;
        return (progress?.fetched?.emails ?? 0) >= 2000;
      }, 60_000).catch(async (error: unknown) => {
        const counts = JSON.stringify([
          await queues.get('system').getJobCounts(),
          await queues.get('sync').getJobCounts(),
        ]);
        throw new Error(`${(error as Error).message}; ${counts} worker output:\n${first.output()}`);
      });
      first.child.kill('SIGKILL');
      await first.exited();
      const restartedAt = new Date();

      const second = startWorker();
      const job = (await syncJob(queues))!;
      const results = (await job.waitUntilFinished(await queues.eventsOf('sync'))) as {
        written: number;
      }[];
      second.child.kill('SIGTERM');
      await second.exited();

      db = embedded ? await openDatabase({ dataDir: product.workerEnv.DATA_DIR! }) : product.ctx.db;
      expect(await warehouseCounts(db.db, portalId)).toEqual(sandboxCounts(sandbox.store.portal(HUB)!));

      let total = 0;
      let beforeRestart = 0;
      for (const table of TABLES) {
        const rows = await db.db
          .selectFrom(table)
          .select('synced_at')
          .where('portal_id', '=', portalId)
          .execute();
        total += rows.length;
        beforeRestart += rows.filter((r) => r.synced_at < restartedAt).length;
      }
      const writtenAfterRestart = results.reduce((n, r) => n + r.written, 0);
      expect(beforeRestart).toBeGreaterThan(0);
      expect(writtenAfterRestart).toBeGreaterThan(0);
      expect(beforeRestart + writtenAfterRestart).toBe(total);
    } finally {
      await queues.close();
      if (embedded) await db?.close();
    }
  }, 300_000);
});
