import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { datasetFromRecords, type RecordValue } from '../../server/model/dataset.js';
import { ModelFormatError } from '../../server/model/errors.js';
import type { Family, TrainedModel } from '../../server/model/model.js';
import { scoreDataset } from '../../server/model/score.js';
import { parseModel, serializeModel } from '../../server/model/serialize.js';
import { starterModel } from '../../server/model/starter.js';
import { trainModel } from '../../server/model/train.js';
import { SYNTHETIC_FEATURES, syntheticDataset } from './synthetic.js';

const FAMILIES: Family[] = ['logistic', 'mlp', 'gbdt'];
const training = syntheticDataset(600, 21);
const newRows = syntheticDataset(300, 22);
const models = new Map<Family, TrainedModel>();

beforeAll(async () => {
  for (const family of FAMILIES)
    models.set(family, await trainModel(training, { families: [family], innerFolds: 3, seed: 3 }));
});

/** A model's JSON without its training timestamp: equal JSON means the same model. */
function fingerprint(model: TrainedModel): string {
  return serializeModel({ ...model, trainedAt: '' });
}

describe('saving, reloading and seeds', () => {
  it.each(FAMILIES)('%s: a saved and reloaded model gives identical scores and reasons', async (family) => {
    const model = models.get(family)!;
    const reloaded = parseModel(serializeModel(model));
    expect(reloaded).toEqual(model);
    expect(await scoreDataset(reloaded, newRows)).toEqual(await scoreDataset(model, newRows));
  });

  it.each(FAMILIES)(
    '%s: the same seed trains the same model; another seed a different one',
    async (family) => {
      const again = await trainModel(training, { families: [family], innerFolds: 3, seed: 3 });
      expect(fingerprint(again)).toBe(fingerprint(models.get(family)!));
      if (family === 'logistic') return; // Newton's method has no randomness to vary.
      const other = await trainModel(training, { families: [family], innerFolds: 3, seed: 4 });
      expect(fingerprint(other)).not.toBe(fingerprint(models.get(family)!));
    },
  );

  it('keeps what a model was trained on: seed, label, selection and cross-validated metrics', () => {
    const model = parseModel(serializeModel(models.get('gbdt')!));
    expect(model.seed).toBe(3);
    expect(model.target).toEqual({ column: 'churned', positive: '1' });
    expect(model.training).toEqual({ rows: 600, positives: expect.any(Number) });
    expect(model.selection.filter((c) => c.chosen)).toHaveLength(1);
    expect(model.metrics!.roc_auc).toBeGreaterThan(0.7);
    expect(model.metrics!.calibration).toHaveLength(10);
  });

  it('a gbdt model saved before identity-like features were flagged loads and scores as it did', async () => {
    // Saved by the version before flags and penalties, with its scores of these rows then.
    const saved = JSON.parse(
      readFileSync(new URL('./fixtures/saved-gbdt-model.json', import.meta.url), 'utf8'),
    ) as { model: unknown; rows: Record<string, RecordValue>[]; scores: unknown };
    const model = parseModel(saved.model);
    expect(model.predictor.family).toBe('gbdt');
    const rows = datasetFromRecords(saved.rows, { features: SYNTHETIC_FEATURES, id: 'id' });
    expect(await scoreDataset(model, rows)).toEqual(saved.scores);
  });

  it("keeps the identity-like flags and the trees' identity gain through saving", async () => {
    const flagged = {
      ...training,
      columns: training.columns.map((c) => (c.name === 'plan' ? { ...c, identity: true } : c)),
    };
    const model = await trainModel(flagged, { families: ['gbdt'], innerFolds: 3, seed: 3 });
    const reloaded = parseModel(serializeModel(model));
    expect(reloaded.encoder.features.find((f) => f.name === 'plan')?.identity).toBe(true);
    expect(reloaded.predictor.params).toMatchObject({ identityGain: expect.any(Number) });
    expect(reloaded).toEqual(model);
    expect(await scoreDataset(reloaded, newRows)).toEqual(await scoreDataset(model, newRows));
  });

  it('the starter model survives the round trip too', async () => {
    const starter = starterModel();
    expect(parseModel(serializeModel(starter))).toEqual(starter);
  });

  it('refuses files that are not models, other format versions, and damaged models', () => {
    const json = JSON.parse(serializeModel(models.get('logistic')!)) as Record<string, unknown>;
    expect(() => parseModel('{"rows": [1, 2')).toThrow(ModelFormatError);
    expect(() => parseModel({ hello: 'world' })).toThrow('not a Churn Radar model');
    expect(() => parseModel({ ...json, formatVersion: 99 })).toThrow(
      'model format version 99 is not supported',
    );
    const damaged = { ...json, predictor: { family: 'logistic', params: { C: 1 }, state: { weights: 'x' } } };
    expect(() => parseModel(damaged)).toThrow(/damaged model file at predictor\.state\.weights/);
  });
});
