import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DatabaseHandle } from '../../server/db/index.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import {
  activateModel,
  listModels,
  loadActiveModel,
  loadModel,
  saveModel,
} from '../../server/model/registry.js';
import { scoreDataset } from '../../server/model/score.js';
import { starterModel } from '../../server/model/starter.js';
import { trainModel } from '../../server/model/train.js';
import { openTestDatabase, testDatabaseKind } from '../support/database.js';
import { syntheticDataset } from './synthetic.js';

describe(`the model registry on ${testDatabaseKind()}`, () => {
  let handle: DatabaseHandle & { dispose(): Promise<void> };
  let portalId: number;
  let otherPortalId: number;

  beforeAll(async () => {
    handle = await openTestDatabase();
    portalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '501', name: 'A', domain: null })
    ).id;
    otherPortalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '502', name: 'B', domain: null })
    ).id;
  });
  afterAll(async () => {
    await handle.dispose();
  });

  it('numbers a portal’s models 1, 2, 3 and keeps one active at a time', async () => {
    const starter = await saveModel(handle.db, portalId, starterModel(), { activate: true });
    expect(starter).toMatchObject({ version: 1, family: 'starter', isStarter: true, status: 'active' });

    const trained = await trainModel(syntheticDataset(500, 41), {
      families: ['gbdt'],
      innerFolds: 3,
      seed: 9,
    });
    const second = await saveModel(handle.db, portalId, trained);
    expect(second).toMatchObject({ version: 2, family: 'gbdt', isStarter: false, status: 'trained' });
    expect((await loadActiveModel(handle.db, portalId))!.id).toBe(starter.id);

    await activateModel(handle.db, portalId, second.id);
    const listed = await listModels(handle.db, portalId);
    expect(listed.map((m) => [m.version, m.status])).toEqual([
      [2, 'active'],
      [1, 'retired'],
    ]);
    expect(listed[0]!.metrics).toMatchObject({ roc_auc: trained.metrics!.roc_auc });
  });

  it('a model reloaded from the database scores exactly as before it was saved', async () => {
    const model = await trainModel(syntheticDataset(500, 42), {
      families: ['logistic', 'gbdt'],
      innerFolds: 3,
      seed: 1,
    });
    const saved = await saveModel(handle.db, otherPortalId, model, { activate: true });
    const rows = syntheticDataset(200, 43);
    const active = await loadActiveModel(handle.db, otherPortalId);
    expect(active!.id).toBe(saved.id);
    expect(await scoreDataset(active!.model, rows)).toEqual(await scoreDataset(model, rows));
    expect((await loadModel(handle.db, saved.id))!.model).toEqual(model);
  });

  it('keeps the feature spec, seed and training window in their columns', async () => {
    const model = await trainModel(syntheticDataset(300, 44), {
      families: ['logistic'],
      innerFolds: 3,
      seed: 5,
      window: { from: '2025-01-01', to: '2025-06-30' },
    });
    const saved = await saveModel(handle.db, otherPortalId, model);
    const row = await handle.db
      .selectFrom('models')
      .selectAll()
      .where('id', '=', saved.id)
      .executeTakeFirstOrThrow();
    expect(row.feature_spec).toEqual(model.encoder.features);
    expect(row.params).toMatchObject({
      C: 1,
      seed: 5,
      training: { window: { from: '2025-01-01', to: '2025-06-30' } },
    });
  });

  it('gives models saved at the same time distinct, consecutive versions', async () => {
    const { id: portal } = await upsertInstalledPortal(handle.db, {
      crm: 'hubspot',
      externalId: '503',
      name: 'C',
      domain: null,
    });
    const saved = await Promise.all([1, 2, 3].map(() => saveModel(handle.db, portal, starterModel())));
    expect(saved.map((m) => m.version).sort()).toEqual([1, 2, 3]);
  });

  it('will not activate another portal’s model', async () => {
    const [theirs] = await listModels(handle.db, otherPortalId);
    await expect(activateModel(handle.db, portalId, theirs!.id)).rejects.toThrow('does not belong to portal');
    expect((await loadActiveModel(handle.db, otherPortalId))!.id).not.toBe(undefined);
  });
});
