import { describe, expect, it } from '@jest/globals';
import { datasetFromRecords, type FeatureSpec } from '../../server/model/dataset.js';
import { encode, encodedFeatures, fitEncoder } from '../../server/model/encoder.js';
import { SeededRandom } from '../../server/model/random.js';

const FEATURES: FeatureSpec[] = [
  { name: 'spend', kind: 'numeric', label: 'Spend' },
  { name: 'plan', kind: 'categorical', label: 'Plan' },
];

function records(spends: (number | null)[], plans: (string | null)[]) {
  return datasetFromRecords(
    spends.map((spend, i) => ({ spend, plan: plans[i] ?? null, churned: i % 2 })),
    { features: FEATURES, label: 'churned' },
  );
}

describe('preprocessing fitted on training rows only', () => {
  it('imputes the training median, flags missing values and standardises with training statistics', () => {
    const train = records([1, 2, 3, null, 10], ['a', 'a', 'a', 'a', 'a']);
    const { state, matrix } = fitEncoder(train, train.labels!, new SeededRandom(1), { minCategoryCount: 1 });
    expect(encodedFeatures(state).map((f) => f.name)).toEqual(['spend', 'spend (missing)', 'plan=a']);
    const filled = [1, 2, 3, 2.5, 10];
    const mean = filled.reduce((s, v) => s + v, 0) / 5;
    const sd = Math.sqrt(filled.reduce((s, v) => s + (v - mean) ** 2, 0) / 5);
    expect(matrix.data[3 * 3]).toBeCloseTo((2.5 - mean) / sd, 12);
    expect(matrix.data[3 * 3 + 1]).toBe(1);
    // New rows are encoded with the training statistics, whatever their own values are.
    const later = encode(state, records([1000, null], ['a', 'b']));
    expect(later.data[0]).toBeCloseTo((1000 - mean) / sd, 12);
    expect(later.data[3]).toBeCloseTo((2.5 - mean) / sd, 12);
    expect(later.data[5]).toBe(0); // an unseen plan sets no one-hot column
  });

  it('gives rare categories no column of their own', () => {
    const plans = [...Array(30).fill('basic'), ...Array(12).fill('pro'), 'legacy'];
    const train = records(
      plans.map(() => 1),
      plans,
    );
    const { state } = fitEncoder(train, train.labels!, new SeededRandom(1));
    expect(encodedFeatures(state).map((f) => f.name)).toEqual(['spend', 'plan=basic', 'plan=pro']);
  });

  it('target-encodes a category with many levels, each training row out of its own fold', () => {
    // 200 shops of 4 customers each; every customer of an even shop churns.
    const shops = Array.from({ length: 800 }, (_, i) => `shop-${Math.floor(i / 4)}`);
    const dataset = datasetFromRecords(
      shops.map((shop, i) => ({ spend: i, plan: shop, churned: Math.floor(i / 4) % 2 === 0 ? 1 : 0 })),
      { features: FEATURES, label: 'churned' },
    );
    const { state, matrix } = fitEncoder(dataset, dataset.labels!, new SeededRandom(3), {
      minCategoryCount: 2,
    });
    const block = state.blocks[1]!;
    expect(block.type).toBe('target');
    if (block.type !== 'target') return;
    // Fitted rates are smoothed towards the overall 50 %: four churners of four, 20 pseudo-rows.
    expect(block.rates['shop-0']).toBeCloseTo((4 + 20 * 0.5) / (4 + 20), 12);
    // A training row's own label never enters its encoding: a churner's value is the smoothed
    // rate of the k other customers of its shop that fell in other folds (k = 0…3), never 14/24.
    const possible = [0, 1, 2, 3].map((k) => (k + 20 * 0.5) / (k + 20));
    for (let i = 0; i < 800; i += 4) {
      const value = matrix.data[i * 2 + 1]! * block.scale + block.mean;
      if (dataset.labels![i] !== 1) continue;
      expect(possible.some((p) => Math.abs(p - value) < 1e-12)).toBe(true);
    }
    // A shop never seen in training gets the overall rate.
    const unseen = encode(
      state,
      datasetFromRecords([{ spend: 1, plan: 'shop-new' }], { features: FEATURES }),
    );
    expect(unseen.data[1]! * block.scale + block.mean).toBeCloseTo(block.prior, 12);
  });
});
