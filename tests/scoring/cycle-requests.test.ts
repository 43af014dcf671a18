import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { CYCLE_JOB, enqueueCycle } from '../../server/jobs/cycle-job.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { SCORE_CHUNK_JOB } from '../../server/jobs/score-chunk-job.js';
import { latestRunProgress } from '../../server/scoring/runs.js';
import { waitUntil } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { sandboxFaults } from '../support/sandbox-faults.js';

const HUB = 934;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalId: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
  });
  generatePortal(sandbox.store.portal(HUB)!, { contacts: 300, seed: 12 });
  product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 1000, searchPerSecond: 1000 },
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
  await product.startWorker();
  await waitUntil(
    async () => (await latestRunProgress(product.ctx.db.db, portalId))?.status === 'succeeded',
    600_000,
  );
}, 900_000);

afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

/** Makes the CRM answer each call of the portal this much later. */
const crmLatency = (latencyMs: number) => sandboxFaults(sandbox.url, HUB, { latencyMs });

function runsAfter(runId: number) {
  return product.ctx.db.db
    .selectFrom('scoring_runs')
    .select(['id', 'trigger', 'status', 'job_id', 'started_at', 'finished_at'])
    .where('portal_id', '=', portalId)
    .where('id', '>', runId)
    .orderBy('id')
    .execute();
}

/** Whether the portal's queue holds no cycle job any more: nothing is left to run. */
async function cyclesDone(): Promise<boolean> {
  const jobs = await product.ctx.queues
    .get('score')
    .getJobs(['waiting', 'prioritized', 'active', 'waiting-children', 'delayed']);
  // The weekly cycle waits (delayed) in the queue all along: it is the schedule's, not a request's.
  return !jobs.some((job) => job?.name === CYCLE_JOB && !job.repeatJobKey);
}

async function cycleJobState(jobId: string | null): Promise<string> {
  const job = jobId ? await product.ctx.queues.get('score').getJob(jobId) : undefined;
  return job ? job.getState() : 'unknown';
}

describe('asking for a cycle while one is under way', () => {
  it('runs one more cycle after it, however many times it was asked, instead of dropping the request', async () => {
    const first = (await latestRunProgress(product.ctx.db.db, portalId))!;
    // A slow CRM keeps the next cycle waiting on its sync: under way, but not running a step.
    await crmLatency(1500);
    await enqueueCycle(product.ctx.queues, portalId, 'manual');
    await waitUntil(async () => {
      const [run] = await runsAfter(first.runId);
      return run !== undefined && (await cycleJobState(run.job_id)) === 'waiting-children';
    }, 300_000);
    // The admin presses Run now twice while it syncs (say, after fixing the data a run reads).
    await enqueueCycle(product.ctx.queues, portalId, 'manual');
    await enqueueCycle(product.ctx.queues, portalId, 'manual');
    await crmLatency(0);

    await waitUntil(async () => {
      const runs = await runsAfter(first.runId);
      return runs.length >= 2 && runs.every((r) => r.status === 'succeeded');
    }, 600_000);
    await waitUntil(cyclesDone, 60_000);
    const runs = await runsAfter(first.runId);
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([
      ['manual', 'succeeded'],
      ['manual', 'succeeded'],
    ]);
    // The follow-up started after the run it was asked during had finished.
    expect(runs[1]!.started_at.getTime()).toBeGreaterThanOrEqual(runs[0]!.finished_at!.getTime());
  }, 900_000);

  it('serves requests made while a cycle waits for a worker by that one cycle', async () => {
    const before = (await latestRunProgress(product.ctx.db.db, portalId))!;
    const queue = product.ctx.queues.get('score');
    // Every worker busy elsewhere: the cycle waits in the queue while the admin asks again.
    await queue.pause();
    await enqueueCycle(product.ctx.queues, portalId, 'manual');
    await enqueueCycle(product.ctx.queues, portalId, 'manual');
    await queue.resume();
    await waitUntil(async () => {
      const runs = await runsAfter(before.runId);
      return runs.length >= 1 && runs.every((r) => r.status === 'succeeded');
    }, 600_000);
    await waitUntil(cyclesDone, 60_000);
    expect((await runsAfter(before.runId)).map((r) => r.status)).toEqual(['succeeded']);
  }, 900_000);
});

describe('a cycle whose worker stops between two of its steps', () => {
  it('queues the scoring chunks again on its retry instead of finishing a run that scored no one', async () => {
    const db = product.ctx.db.db;
    const before = (await latestRunProgress(db, portalId))!;
    /** Active customers a run stored a status for, and contacts it scored. */
    const scoredBy = async (runId: number) => {
      const statuses = await db
        .selectFrom('customer_status')
        .select(db.fn.countAll<number>().as('n'))
        .where('run_id', '=', runId)
        .where('status', '=', 'active')
        .executeTakeFirstOrThrow();
      const scores = await db
        .selectFrom('scores')
        .select(db.fn.countAll<number>().as('n'))
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      return { active: Number(statuses.n), scored: Number(scores.n) };
    };
    const expected = await scoredBy(before.runId);
    expect(expected.active).toBeGreaterThan(0);
    // The run is planned, then the connection to Redis fails as its scoring chunks are queued: the
    // same as a worker killed between the two (BullMQ retries the cycle job from its last step).
    const score = product.ctx.queues.get('score');
    const addBulk = score.addBulk.bind(score);
    let refused = 0;
    score.addBulk = async (jobs) => {
      if (refused === 0 && jobs.some((job) => job.name === SCORE_CHUNK_JOB)) {
        refused += 1;
        throw new Error('Connection is closed.');
      }
      return addBulk(jobs);
    };
    try {
      await enqueueCycle(product.ctx.queues, portalId, 'manual');
      await waitUntil(async () => {
        const runs = await runsAfter(before.runId);
        return runs.length >= 1 && runs.every((r) => r.status !== 'running');
      }, 600_000);
    } finally {
      score.addBulk = addBulk;
    }
    expect(refused).toBe(1);
    const [run] = await runsAfter(before.runId);
    expect(run!.status).toBe('succeeded');
    expect(await scoredBy(run!.id)).toEqual(expected);
  }, 900_000);
});
