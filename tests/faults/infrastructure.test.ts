/**
 * The services under the workers failing mid-cycle: Redis stopped and started again on the same
 * port and folder, and the warehouse (PostgreSQL) unreachable for a while. The run must resume
 * and end as if nothing had happened, with no job left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitUntil } from '../support/processes.js';
import { FULL, startRig, summaryLine, type Rig } from './rig.js';

const DB_OUTAGE_MS = FULL ? 20_000 : 6_000;

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ hub: 7201, contacts: FULL ? 1200 : 200, seed: 72, chunkSize: FULL ? 100 : 50 });
}, 600_000);

afterAll(async () => {
  await rig?.close();
}, 300_000);

describe('Redis and the database failing mid-cycle', () => {
  it('Redis restarted in the scoring phase', async () => {
    await rig.stopWorkers();
    await rig.forgetWrites();
    const from = rig.proxy.requests.length;
    const worker = await rig.startWorker();
    const runId = await rig.startCycle();
    await waitUntil(async () => (await rig.runRow(runId)).phase !== 'sync', 300_000);
    const phase = (await rig.runRow(runId)).phase;
    await rig.redis.stop();
    await new Promise((r) => setTimeout(r, 3000));
    await rig.redis.start();
    await rig.waitForRun(runId);
    expect(worker.child.exitCode).toBeNull();
    const outcome = await rig.checkRun(runId, from);
    console.log(summaryLine('Redis restarted mid-cycle', outcome, `stopped 3 s in phase ${phase}`));
  }, 900_000);

  it(`the database unreachable for ${DB_OUTAGE_MS / 1000} s`, async () => {
    await rig.stopWorkers();
    await rig.forgetWrites();
    const from = rig.proxy.requests.length;
    const worker = await rig.startWorker();
    const runId = await rig.startCycle();
    await waitUntil(async () => (await rig.runRow(runId)).phase !== 'sync', 300_000);
    const phase = (await rig.runRow(runId)).phase;
    await rig.warehouse.close();
    await new Promise((r) => setTimeout(r, DB_OUTAGE_MS));
    await rig.warehouse.open();
    // The worker outlives the outage (a dropped connection is not a reason to exit).
    if (worker.child.exitCode !== null || worker.child.signalCode !== null)
      throw new Error(`the worker exited during the outage:\n${worker.output().slice(-3000)}`);
    await rig.waitForRun(runId, 180_000);
    const outcome = await rig.checkRun(runId, from);
    console.log(
      summaryLine(
        `Database down ${DB_OUTAGE_MS / 1000} s`,
        outcome,
        `${rig.warehouse.kind}, cut in phase ${phase}`,
      ),
    );
  }, 900_000);
});
