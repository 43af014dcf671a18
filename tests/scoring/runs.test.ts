import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import {
  completeRun,
  failedJobsError,
  failRun,
  latestRunProgress,
  openRun,
} from '../../server/scoring/runs.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';

describe(`scoring runs on ${testDatabaseKind()}`, () => {
  let handle: TestDatabase;
  let portalId: number;
  let otherPortalId: number;

  beforeAll(async () => {
    handle = await openTestDatabase();
    portalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '931', name: 'A', domain: null })
    ).id;
    otherPortalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '932', name: 'B', domain: null })
    ).id;
  });
  afterAll(async () => {
    await handle.dispose();
  });

  it('never lets two cycles of one portal run at once, while other portals run freely', async () => {
    const first = await openRun(handle.db, portalId, 'weekly', 'job-1');
    expect(first.busy).toBe(false);
    const second = await openRun(handle.db, portalId, 'manual', 'job-2');
    expect(second).toEqual({
      busy: true,
      run: expect.objectContaining({ id: first.run.id, jobId: 'job-1' }),
    });
    expect((await openRun(handle.db, otherPortalId, 'manual', 'job-3')).busy).toBe(false);
  });

  it('lets the job that opened a run resume it after a restart', async () => {
    const again = await openRun(handle.db, portalId, 'weekly', 'job-1');
    expect(again.busy).toBe(false);
    expect((await latestRunProgress(handle.db, portalId))?.status).toBe('running');
  });

  it('opens the next run once the previous one has finished or failed', async () => {
    const running = (await latestRunProgress(handle.db, portalId))!;
    await completeRun(handle.db, running.runId, { drift: null, summary: { scored: 0 } });
    const next = await openRun(handle.db, portalId, 'manual', 'job-4');
    expect(next.busy).toBe(false);
    await failRun(handle.db, next.run.id, 'the CRM was down');
    const progress = (await latestRunProgress(handle.db, portalId))!;
    expect(progress).toMatchObject({ runId: next.run.id, status: 'failed', error: 'the CRM was down' });
    expect((await openRun(handle.db, portalId, 'weekly', 'job-5')).busy).toBe(false);
  });

  it('ends a run whose jobs failed as failed, saying which failed and why, with its summary kept', async () => {
    const running = (await latestRunProgress(handle.db, portalId))!;
    const error = failedJobsError({
      '{churn}:score:run-9-score-0': 'job stalled more than allowable limit',
      '{churn}:score:run-9-score-3': 'job stalled more than allowable limit',
      '{churn}:writeback:run-9-write-1': 'HubSpot did not answer',
    });
    expect(error).toBe(
      "3 of this run's jobs failed: score ×2 (job stalled more than allowable limit), " +
        'writeback ×1 (HubSpot did not answer)',
    );
    await completeRun(handle.db, running.runId, { drift: null, summary: { scored: 120 }, error });
    expect(await latestRunProgress(handle.db, portalId)).toMatchObject({
      runId: running.runId,
      status: 'failed',
      phase: 'done',
      error,
      summary: { scored: 120 },
    });
    expect(failedJobsError({})).toBeNull();
  });
});
