/**
 * A run left `running` after its cycle job ended (the worker that failed the job died before
 * noting it in the run) is closed by the minutely check, with the job's reason; a run whose job
 * still waits or runs is left alone. The workers' failure hook fails the run of a cycle job that
 * failed for good itself, also one whose data did not name the run yet.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UnrecoverableError } from 'bullmq';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { processCloseAbandonedRuns } from '../../server/jobs/abandoned-runs.js';
import { CYCLE_JOB, cycleFailedForGood } from '../../server/jobs/cycle-job.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { Queues } from '../../server/jobs/queues.js';
import { WorkerPool, type FailureHandlerMap } from '../../server/jobs/worker-pool.js';
import { createLogger } from '../../server/logger.js';
import { latestRunProgress, openRun } from '../../server/scoring/runs.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';
import { waitUntil } from '../support/processes.js';

let redis: EmbeddedRedis;
let handle: TestDatabase;
let queues: Queues;
const prefix = `abandoned-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  handle = await openTestDatabase();
  queues = new Queues({ redisUrl: redis.url, prefix });
});
afterAll(async () => {
  await queues?.close();
  await handle?.dispose();
  await redis?.stop();
});

const portal = async (externalId: string) =>
  (await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId, name: externalId, domain: null })).id;

/** A worker pool whose every cycle job fails for good, with the reason BullMQ gives a job that stalled out. */
const failingCyclePool = (failedForGood?: FailureHandlerMap) =>
  new WorkerPool({
    redisUrl: redis.url,
    prefix,
    concurrency: 1,
    lockDurationMs: 30_000,
    logger: createLogger('silent'),
    processors: {
      score: async () => {
        throw new UnrecoverableError('job stalled more than allowable limit');
      },
    },
    ...(failedForGood ? { failedForGood } : {}),
  });

describe(`runs whose cycle job ended without them, on ${testDatabaseKind()}`, () => {
  it('closes a run whose cycle job failed, with its reason, and one whose job is gone', async () => {
    const failedPortal = await portal('941');
    const gonePortal = await portal('942');
    const waitingPortal = await portal('943');
    // A cycle job failed for good by a worker that records nothing (no failure hook).
    const job = await queues.get('score').add(CYCLE_JOB, { portalId: failedPortal, trigger: 'manual' });
    const failedRun = await openRun(handle.db, failedPortal, 'manual', job.id!);
    const pool = failingCyclePool();
    await waitUntil(async () => (await job.getState()) === 'failed');
    await pool.close(1000);
    const goneRun = await openRun(handle.db, gonePortal, 'weekly', 'no-such-job');
    const waiting = await queues.get('score').add(CYCLE_JOB, { portalId: waitingPortal, trigger: 'weekly' });
    const waitingRun = await openRun(handle.db, waitingPortal, 'weekly', waiting.id!);

    expect(await processCloseAbandonedRuns({ db: handle.db, queues })).toEqual({ closed: 2 });
    expect(await latestRunProgress(handle.db, failedPortal)).toMatchObject({
      runId: failedRun.run.id,
      status: 'failed',
      error: "the cycle's own job failed: job stalled more than allowable limit",
    });
    expect(await latestRunProgress(handle.db, gonePortal)).toMatchObject({
      runId: goneRun.run.id,
      status: 'failed',
      error: 'abandoned: its job ended without finishing the run',
    });
    expect(await latestRunProgress(handle.db, waitingPortal)).toMatchObject({
      runId: waitingRun.run.id,
      status: 'running',
    });
    // Nothing left to close: a second check changes nothing.
    expect(await processCloseAbandonedRuns({ db: handle.db, queues })).toEqual({ closed: 0 });
  });
});

describe(`a cycle job that fails for good, on ${testDatabaseKind()}`, () => {
  it('fails the run it opened through the failure hook, also before its data named the run', async () => {
    const portalId = await portal('944');
    // The run is open and the job's data does not name it yet: the worker died between the two.
    const job = await queues.get('score').add(CYCLE_JOB, { portalId, trigger: 'manual' });
    const { run } = await openRun(handle.db, portalId, 'manual', job.id!);
    const pool = failingCyclePool({
      score: (failed, error) => cycleFailedForGood(failed, error, handle.db),
    });
    try {
      await waitUntil(async () => (await latestRunProgress(handle.db, portalId))?.status === 'failed');
    } finally {
      await pool.close(1000);
    }
    expect(await latestRunProgress(handle.db, portalId)).toMatchObject({
      runId: run.id,
      status: 'failed',
      error: "the cycle's own job failed: job stalled more than allowable limit",
    });
  });
});
