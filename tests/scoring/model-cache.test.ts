/**
 * A worker keeps the models it scores with. A model id names a model in its own warehouse only: a
 * process with two warehouses (two portals' tests, a benchmark of several portals) must score each
 * warehouse's contacts with that warehouse's model, though both models are id 1.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { saveModel } from '../../server/model/registry.js';
import { starterModel } from '../../server/model/starter.js';
import { trainModel } from '../../server/model/train.js';
import { cachedModel } from '../../server/scoring/cycle-steps.js';
import { syntheticDataset } from '../model/synthetic.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';

let first: TestDatabase;
let second: TestDatabase;

beforeAll(async () => {
  [first, second] = await Promise.all([openTestDatabase(), openTestDatabase()]);
});
afterAll(async () => {
  await Promise.all([first?.dispose(), second?.dispose()]);
});

it('keeps each warehouse its own model under the same id', async () => {
  const portalOf = (database: TestDatabase) =>
    upsertInstalledPortal(database.db, { crm: 'hubspot', externalId: '77', name: 'Same', domain: null });
  const starter = await saveModel(first.db, (await portalOf(first)).id, starterModel());
  const trained = await trainModel(syntheticDataset(400, 3), { families: ['logistic'], seed: 1 });
  const fitted = await saveModel(second.db, (await portalOf(second)).id, trained);
  expect(fitted.id).toBe(starter.id);

  expect((await cachedModel(first.db, starter.id)).family).toBe('starter');
  expect((await cachedModel(second.db, fitted.id)).family).toBe('logistic');
  expect((await cachedModel(first.db, starter.id)).family).toBe('starter');
});
