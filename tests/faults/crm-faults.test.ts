/**
 * The CRM misbehaving mid-cycle, through the sandbox's faults: storms of 429s and a fifth of the
 * calls answered 503, access tokens expired early, and the install revoked while a run writes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { findPortal } from '../../server/db/portals.js';
import { waitUntil } from '../support/processes.js';
import { FULL, n, startRig, summaryLine, type Rig } from './rig.js';

/** 429s in a row per storm: longer than a call's attempts, which 429s do not spend. */
const BURST = FULL ? 30 : 8;

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ hub: 7301, contacts: FULL ? 1200 : 200, seed: 73, chunkSize: FULL ? 100 : 50 });
}, 600_000);

afterAll(async () => {
  await rig?.close();
}, 300_000);

describe('CRM faults mid-cycle', () => {
  it('429 storms and 20 % 503s', async () => {
    await rig.stopWorkers();
    await rig.forgetWrites();
    if (FULL) await rig.forgetSync();
    const from = rig.proxy.requests.length;
    await rig.faults({ errorRate: 0.2, errorStatus: 503, seed: 20, rateLimitBurst: BURST });
    await rig.startWorker();
    const runId = await rig.startCycle();
    // A second storm once the scores are being written.
    await waitUntil(async () => (await rig.runRow(runId)).phase !== 'sync', 300_000);
    await rig.faults({ rateLimitBurst: BURST });
    await rig.waitForRun(runId);
    await rig.faults(null);
    const calls = rig.proxy.requests.slice(from);
    const refused = calls.filter((r) => r.status === 429).length;
    const failed = calls.filter((r) => (r.status ?? 0) >= 500).length;
    const outcome = await rig.checkRun(runId, from);
    expect(failed).toBeGreaterThan(0);
    expect(refused).toBe(2 * BURST);
    console.log(
      summaryLine(
        '429 storms + 20 % 503s',
        outcome,
        `${n(calls.length)} CRM calls of which ${refused} got 429 and ${failed} got 503`,
      ),
    );
  }, 900_000);

  it('access tokens expired mid-run: refreshed once, the run goes on', async () => {
    await rig.stopWorkers();
    await rig.forgetWrites();
    const from = rig.proxy.requests.length;
    await rig.startWorker();
    const runId = await rig.startCycle();
    await waitUntil(async () => (await rig.runRow(runId)).phase !== 'sync', 300_000);
    await rig.faults({ expireTokens: true });
    await rig.waitForRun(runId);
    const calls = rig.proxy.requests.slice(from);
    const refreshes = calls.filter(
      (r) => r.path.startsWith('/oauth/') && r.body.includes('refresh_token'),
    ).length;
    const unauthorised = calls.filter((r) => r.status === 401).length;
    const outcome = await rig.checkRun(runId, from);
    expect(refreshes).toBeGreaterThanOrEqual(1);
    console.log(
      summaryLine(
        'Token expired mid-run',
        outcome,
        `${unauthorised} calls got 401, ${refreshes} token refresh(es)`,
      ),
    );
  }, 900_000);

  it('the install revoked mid-run: the run fails with a reason, the portal says uninstalled, nothing stuck', async () => {
    await rig.stopWorkers();
    await rig.forgetWrites();
    const from = rig.proxy.requests.length;
    await rig.startWorker();
    const runId = await rig.startCycle();
    await waitUntil(async () => (await rig.runRow(runId)).phase !== 'sync', 300_000);
    await rig.faults({ revokeInstall: true });
    await rig.waitForRun(runId);
    const outcome = await rig.checkRun(runId, from, { status: 'failed', scoredAll: false });
    const portal = await findPortal(rig.db, rig.portalId);
    expect(portal?.status).toBe('uninstalled');
    console.log(
      summaryLine(
        'Install revoked mid-run',
        outcome,
        `failed with "${outcome.error}", portal ${portal?.status}`,
      ),
    );
  }, 900_000);
});
