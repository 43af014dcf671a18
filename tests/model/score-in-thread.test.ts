import { beforeAll, describe, expect, it } from '@jest/globals';
import type { TrainedModel } from '../../server/model/model.js';
import { scoreRowsInThread } from '../../server/model/score-in-thread.js';
import { scoreRows } from '../../server/model/score.js';
import { trainModel } from '../../server/model/train.js';
import { syntheticCustomers, syntheticDataset } from './synthetic.js';

let trees: TrainedModel;
let linear: TrainedModel;

beforeAll(async () => {
  const data = syntheticDataset(600, 31);
  trees = await trainModel(data, { families: ['gbdt'], innerFolds: 3, seed: 2 });
  linear = await trainModel(data, { families: ['logistic'], innerFolds: 3, seed: 2 });
}, 300_000);

describe('scoring on the scoring thread', () => {
  it('gives the scores and reasons of scoring in place, for each model it is handed', async () => {
    const rows = syntheticCustomers(300, 32);
    const options = { reasonsEachWay: 3 };
    for (const model of [trees, linear]) {
      const [threaded, direct] = await Promise.all([
        scoreRowsInThread(model, rows, options),
        scoreRows(model, rows, options),
      ]);
      expect(threaded).toEqual(direct);
    }
  }, 300_000);

  it('keeps scoring right as more models come than it keeps', async () => {
    const rows = syntheticCustomers(20, 33);
    // Copies are other models to the thread: it forgets the oldest and is sent them again.
    const models = Array.from({ length: 12 }, (_, i) => structuredClone(i % 2 ? trees : linear));
    for (const model of [...models, ...models]) {
      expect(await scoreRowsInThread(model, rows)).toEqual(await scoreRows(model, rows));
    }
  }, 300_000);

  it('reports a row it cannot score as an error, and scores the next request', async () => {
    const broken = {
      ...linear,
      encoder: { ...linear.encoder, features: undefined },
    } as unknown as TrainedModel;
    await expect(scoreRowsInThread(broken, syntheticCustomers(5, 34))).rejects.toThrow();
    const rows = syntheticCustomers(5, 35);
    expect(await scoreRowsInThread(linear, rows)).toEqual(await scoreRows(linear, rows));
  }, 300_000);
});
