import { describe, expect, it } from '@jest/globals';
import { scoreDataset } from '../../server/model/score.js';
import { trainModelInThread } from '../../server/model/train-in-thread.js';
import { serializeModel } from '../../server/model/serialize.js';
import { DEFAULT_CANDIDATES } from '../../server/model/candidates.js';
import { trainModel } from '../../server/model/train.js';
import { syntheticDataset } from './synthetic.js';

describe('training on a thread of its own', () => {
  it('gives the same model as training on the main thread, and reports progress', async () => {
    const data = syntheticDataset(600, 13);
    const options = { families: ['logistic', 'gbdt'] as const, seed: 5, innerFolds: 3 };
    const progress: number[] = [];
    const threaded = await trainModelInThread(data, {
      ...options,
      onProgress: (done) => progress.push(done),
    });
    const direct = await trainModel(data, options);
    expect(threaded.predictor.family).toBe(direct.predictor.family);
    const a = await scoreDataset(threaded, data, { explain: false });
    const b = await scoreDataset(direct, data, { explain: false });
    expect(a.map((s) => s.probability)).toEqual(b.map((s) => s.probability));
    expect(progress.length).toBeGreaterThan(0);
  }, 300_000);

  it('fits the cross-validation on several threads and still trains the same model', async () => {
    const data = syntheticDataset(800, 17);
    const options = { families: ['logistic', 'gbdt', 'mlp'] as const, seed: 9, innerFolds: 3 };
    const progress: number[] = [];
    const shared = await trainModel(data, {
      ...options,
      threads: 3,
      onProgress: (done) => progress.push(done),
    });
    const alone = await trainModel(data, { ...options, threads: 1 });
    expect(serializeModel({ ...shared, trainedAt: '' })).toBe(serializeModel({ ...alone, trainedAt: '' }));
    expect(shared.selection.map((c) => c.family).sort()).toEqual(
      expect.arrayContaining(['gbdt', 'logistic']),
    );
    expect(progress.at(-1)).toBe(progress.length - 1);
  }, 300_000);

  it.each([
    [4, 'cross_validation'],
    [9, 'out_of_time'],
  ])(
    'fits the final model beside the out-of-time checks and still trains the same model (data %i, chosen by %s)',
    async (dataSeed, chosenBy) => {
      // Seed 4: the trees win both checks, and the fit made beside the checks is the model. Seed 9:
      // the trees win the cross-validation but the linear model carries over better, so the fit
      // made beside the checks is dropped.
      const data = syntheticDataset(900, dataSeed);
      const outOfTime = {
        fit: Array.from({ length: 600 }, (_, i) => i),
        validate: Array.from({ length: 300 }, (_, i) => 600 + i),
      };
      const candidates = DEFAULT_CANDIDATES.filter((c) => c.family !== 'mlp');
      const options = { candidates, seed: 3, innerFolds: 3, outOfTime };
      const beside = await trainModel(data, { ...options, threads: 2 });
      const alone = await trainModel(data, { ...options, threads: 1 });
      const bestByCv = beside.selection.reduce((best, c) => (c.cvRocAuc > best.cvRocAuc ? c : best));
      expect(bestByCv.family).toBe('gbdt');
      expect(beside.metrics?.chosen_by).toBe(chosenBy);
      expect(serializeModel({ ...beside, trainedAt: '' })).toBe(serializeModel({ ...alone, trainedAt: '' }));
    },
    300_000,
  );

  it('a candidate left out changes none of the others: the same model when another one wins', async () => {
    const data = syntheticDataset(800, 21);
    const candidates = DEFAULT_CANDIDATES.filter((c) => c.family !== 'mlp');
    const options = { candidates, seed: 11, innerFolds: 3, threads: 1 };
    const all = await trainModel(data, options);
    const winner = all.selection.findIndex((c) => c.chosen);
    const loser = all.selection.findIndex((c, i) => i !== winner && c.family === 'gbdt');
    const fewer = await trainModel(data, { ...options, skip: [loser] });
    expect(fewer.selection).toHaveLength(all.selection.length - 1);
    expect(fewer.selection).toEqual(all.selection.filter((_, i) => i !== loser));
    expect(serializeModel({ ...fewer, selection: [], trainedAt: '' })).toBe(
      serializeModel({ ...all, selection: [], trainedAt: '' }),
    );
  }, 300_000);

  it('reports a data problem as the same error the main thread would', async () => {
    const data = syntheticDataset(40, 1);
    data.labels = new Uint8Array(data.size);
    await expect(trainModelInThread(data)).rejects.toThrow(/churned/);
  }, 300_000);
});
