/**
 * Workers dying and stalling in the middle of a scoring cycle: SIGKILL at seeded random points,
 * a worker frozen past its lock while another takes its job, and several workers sharing one
 * portal's CRM limit. Each run must end with every active customer scored once and written once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dashboardCall, signInToDashboard } from '../support/dashboard-session.js';
import { waitForValue, waitUntil } from '../support/processes.js';
import { CRM_LIMIT, FULL, n, seeded, startRig, summaryLine, type Rig } from './rig.js';

const KILLS = FULL ? 10 : 2;

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({
    hub: 7101,
    contacts: FULL ? 1200 : 200,
    seed: 71,
    chunkSize: FULL ? 100 : 50,
  });
}, 600_000);

afterAll(async () => {
  await rig?.close();
}, 300_000);

describe('workers killed and stalled mid-cycle', () => {
  it(`SIGKILL at ${KILLS} seeded random points, a new worker each time`, async () => {
    await rig.stopWorkers();
    await rig.forgetWrites();
    const from = rig.proxy.requests.length;
    const random = seeded(2026);
    let worker = await rig.startWorker();
    const runId = await rig.startCycle();
    let kills = 0;
    const phases: string[] = [];
    while (kills < KILLS) {
      await new Promise((r) => setTimeout(r, 300 + random() * 2500));
      const run = await rig.runRow(runId);
      if (run.status !== 'running') break;
      await rig.kill(worker);
      kills++;
      phases.push(run.phase);
      worker = await rig.startWorker();
    }
    await rig.waitForRun(runId);
    const outcome = await rig.checkRun(runId, from);
    expect(kills).toBeGreaterThan(0);
    console.log(summaryLine(`SIGKILL ×${kills}`, outcome, `kills in phases ${phases.join(', ')}`));
  }, 900_000);

  it('a worker frozen (SIGSTOP) past its lock wakes (SIGCONT) after another took its write-back job', async () => {
    await rig.stopWorkers();
    await rig.forgetWrites();
    const from = rig.proxy.requests.length;
    const frozen = await rig.startWorker();
    const runId = await rig.startCycle();
    // Freeze it holding write-back jobs: the CRM writes are where a second sender would show.
    await waitUntil(async () => (await rig.activeJobs(['writeback'])).length > 0, 300_000);
    frozen.child.kill('SIGSTOP');
    const held = await rig.activeJobs(['writeback']);
    const started = new Map(held.map((j) => [j.id!, j.attemptsStarted]));
    const rescuer = await rig.startWorker();
    // Past the lock: the other worker takes a job the frozen one still believes it runs.
    await waitUntil(async () => {
      for (const [id, attempts] of started) {
        const job = await rig.queues.get('writeback').getJob(id);
        if (job && (job.attemptsStarted > attempts || (await job.getState()) === 'completed')) return true;
      }
      return false;
    }, 300_000);
    frozen.child.kill('SIGCONT');
    await rig.waitForRun(runId);
    // The woken worker finds its lock gone before its next CRM call and sends nothing more.
    await new Promise((r) => setTimeout(r, 2000));
    const outcome = await rig.checkRun(runId, from);
    console.log(
      summaryLine(
        'SIGSTOP past the lock, then SIGCONT',
        outcome,
        `${outcome.writtenTwice} contacts written twice`,
      ),
    );
    await rig.kill(rescuer, 'SIGTERM');
  }, 900_000);

  it('a job that takes its worker down each time it runs fails, and the run ends failed saying so', async () => {
    await rig.stopWorkers();
    await rig.forgetWrites();
    const from = rig.proxy.requests.length;
    // A slow CRM keeps each write-back job running long enough to be caught at it.
    await rig.faults({ latencyMs: 2000 });
    let worker = await rig.startWorker();
    const runId = await rig.startCycle();
    const [first] = await waitForValue(async () => {
      const active = await rig.activeJobs(['writeback']);
      return active.length > 0 ? active : undefined;
    }, 'a write-back job running');
    const doomed = first!.id!;
    // BullMQ takes a job back from a dead worker twice; after the third death it fails it.
    let deaths = 0;
    for (;;) {
      const state = await waitForValue(async () => {
        const job = await rig.queues.get('writeback').getJob(doomed);
        const now = await job!.getState();
        return now === 'failed' || (now === 'active' && job!.attemptsStarted > deaths) ? now : undefined;
      }, 'the write-back job running again, or failed');
      if (state === 'failed') break;
      await rig.kill(worker);
      deaths++;
      worker = await rig.startWorker();
    }
    await rig.faults(null);
    await rig.waitForRun(runId);
    const outcome = await rig.checkRun(runId, from, { status: 'failed', allowSameValueRewrites: true });
    // BullMQ fails a job after its third stall at the earliest (an attempt may also fail on its own
    // under load, and be tried again). The scores the run gave stay; the error says what failed and why.
    expect(deaths).toBeGreaterThanOrEqual(3);
    expect(outcome.error).toMatch(/job stalled more than allowable limit/);
    // The admin's dashboard says the cycle failed, and why.
    const session = await signInToDashboard(rig.product.url, rig.hub);
    const jobs = await dashboardCall<{ failedRun: { error: string } | null }>(
      rig.product.url,
      session,
      `/api/v1/portals/${rig.portalId}/jobs`,
    );
    expect(jobs.body.failedRun).toMatchObject({ error: outcome.error });
    console.log(summaryLine('a job that kills its worker', outcome, `failed with "${outcome.error}"`));
  }, 900_000);

  it("several workers share one portal's CRM limit through a full resync and write-back", async () => {
    await rig.stopWorkers();
    await rig.forgetWrites();
    if (FULL) await rig.forgetSync();
    // A tight limit, so the workers have to queue for it.
    const limit = FULL ? 110 : 15;
    await rig.setCrmLimit(limit);
    const from = rig.proxy.requests.length;
    const workers = await Promise.all(Array.from({ length: FULL ? 3 : 2 }, () => rig.startWorker()));
    const runId = await rig.startCycle();
    await rig.waitForRun(runId);
    const outcome = await rig.checkRun(runId, from);
    const calls = rig.proxy.requests.slice(from);
    const refused = calls.filter((r) => r.status === 429).length;
    // The limit is judged on what the CRM saw (checkRun); a refusal is reported with the calls around it.
    if (refused > 0) {
      const t0 = calls[0]!.at;
      console.log(calls.map((r) => `${r.at - t0} ms ${r.method} ${r.path} ${r.status}`).join('\n'));
    }
    console.log(
      summaryLine(
        `${workers.length} workers, one portal limit`,
        outcome,
        `${n(calls.length)} CRM calls, ${refused} refused with 429`,
      ),
    );
    await rig.setCrmLimit(CRM_LIMIT);
  }, 900_000);
});
