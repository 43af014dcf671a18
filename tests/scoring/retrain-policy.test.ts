import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { json } from '../../server/db/json.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { retrainDue, retrainForDrift } from '../../server/scoring/retrain-policy.js';
import { completeRun, openRun } from '../../server/scoring/runs.js';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';

const HOUR_MS = 3_600_000;
const settings = { retrainAfterDays: 30 };

describe(`when drift retrains a portal's model, on ${testDatabaseKind()}`, () => {
  let handle: TestDatabase;
  let portalId: number;
  let jobs = 0;
  const now = new Date();

  beforeAll(async () => {
    handle = await openTestDatabase();
    portalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '951', name: 'A', domain: null })
    ).id;
  });
  afterAll(async () => {
    await handle.dispose();
  });

  /** Activates a model trained `hoursAgo`, and records a finished run of it that found `flagged` drift. */
  async function runOfModelTrained(hoursAgo: number, flagged: boolean) {
    const db = handle.db;
    await db.updateTable('models').set({ status: 'retired' }).where('portal_id', '=', portalId).execute();
    const model = await db
      .insertInto('models')
      .values({
        portal_id: portalId,
        version: ++jobs,
        family: 'gbdt',
        status: 'active',
        feature_spec: json([]),
        trained_at: new Date(now.getTime() - hoursAgo * HOUR_MS),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { run } = await openRun(db, portalId, 'manual', `job-${jobs}`);
    await db.updateTable('scoring_runs').set({ model_id: model.id }).where('id', '=', run.id).execute();
    const drift = { scorePsi: flagged ? 0.4 : 0.02, features: [], threshold: 0.25, flagged };
    await completeRun(db, run.id, { drift, summary: {} });
    return { runId: run.id, drift };
  }

  it('retrains a model a week old whose run found drift, now and before the next run', async () => {
    const { runId, drift } = await runOfModelTrained(7 * 24, true);
    expect(await retrainForDrift(handle.db, runId, drift, now)).toBe(true);
    expect(await retrainDue(handle.db, portalId, settings, now)).toBe('drift');
  });

  it('does not retrain a model trained within the day again when its run finds the same drift', async () => {
    // The model just trained on these customers: retraining would learn the same and loop.
    const { runId, drift } = await runOfModelTrained(1, true);
    expect(await retrainForDrift(handle.db, runId, drift, now)).toBe(false);
    expect(await retrainDue(handle.db, portalId, settings, now)).toBeNull();
    // A day on, the same drift retrains it: new data may have come in since.
    const dayLater = new Date(now.getTime() + 24 * HOUR_MS);
    expect(await retrainForDrift(handle.db, runId, drift, dayLater)).toBe(true);
    expect(await retrainDue(handle.db, portalId, settings, dayLater)).toBe('drift');
  });

  it('leaves a stable model alone whatever its age', async () => {
    const { runId, drift } = await runOfModelTrained(20 * 24, false);
    expect(await retrainForDrift(handle.db, runId, drift, now)).toBe(false);
    expect(await retrainDue(handle.db, portalId, settings, now)).toBeNull();
  });
});
