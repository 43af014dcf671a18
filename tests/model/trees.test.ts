import { describe, expect, it } from '@jest/globals';
import { fitOnFold } from '../../server/model/candidates.js';
import type { Matrix } from '../../server/model/encoder.js';
import { GbdtScorer } from '../../server/model/gbdt-scorer.js';
import { fitGbdt, truncateGbdt, type GbdtParams, type GbdtState } from '../../server/model/gbdt.js';
import { fitLogistic, logisticLogits } from '../../server/model/logistic.js';
import { rocAuc } from '../../server/model/metrics.js';
import { SeededRandom } from '../../server/model/random.js';
import { TreeExplainer } from '../../server/model/tree-shap.js';

const PARAMS: GbdtParams = {
  maxDepth: 3,
  learningRate: 0.1,
  rounds: 60,
  minChildWeight: 1,
  lambda: 1,
  subsample: 0.8,
  colsample: 0.8,
  maxBins: 64,
};

/** Churn only when exactly one of two signals is high (XOR): invisible to a linear model. */
function xorData(n: number, seed: number): { x: Matrix; y: Uint8Array } {
  const random = new SeededRandom(seed);
  const cols = 4;
  const data = new Float64Array(n * cols).map(() => random.normal());
  const y = Uint8Array.from({ length: n }, (_, i) => {
    const signal = data[i * cols]! > 0 !== data[i * cols + 1]! > 0;
    return random.next() < (signal ? 0.85 : 0.15) ? 1 : 0;
  });
  return { x: { rows: n, cols, data }, y };
}

/** Walks each tree node by node, the plain way, to check the compiled scorer against. */
function naiveLogits(state: GbdtState, x: Matrix): number[] {
  return Array.from({ length: x.rows }, (_, i) =>
    state.roots.reduce((z, root) => {
      let node = root;
      while (state.feature[node]! >= 0) {
        const v = x.data[i * x.cols + state.feature[node]!]!;
        node = v <= state.threshold[node]! ? state.left[node]! : state.left[node]! + 1;
      }
      return z + state.value[node]!;
    }, state.base),
  );
}

/**
 * Shapley values by their definition: every coalition S of features, with v(S) the trees' output
 * when features outside S follow both branches in proportion to their training rows.
 */
function bruteForceShapley(state: GbdtState, row: Float64Array, features: number): number[] {
  const expectation = (node: number, known: number): number => {
    const f = state.feature[node]!;
    if (f < 0) return state.value[node]!;
    const left = state.left[node]!;
    if (known & (1 << f)) return expectation(row[f]! <= state.threshold[node]! ? left : left + 1, known);
    const cover = state.cover[node]!;
    return (
      (state.cover[left]! * expectation(left, known) +
        state.cover[left + 1]! * expectation(left + 1, known)) /
      cover
    );
  };
  const value = (known: number) => state.roots.reduce((s, root) => s + expectation(root, known), 0);
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const phi = new Array<number>(features).fill(0);
  for (let j = 0; j < features; j++) {
    for (let s = 0; s < 1 << features; s++) {
      if (s & (1 << j)) continue;
      let size = 0;
      for (let k = 0; k < features; k++) if (s & (1 << k)) size++;
      const weight = (factorial(size) * factorial(features - size - 1)) / factorial(features);
      phi[j]! += weight * (value(s | (1 << j)) - value(s));
    }
  }
  return phi;
}

describe('gradient-boosted trees', () => {
  it('learn an interaction a logistic regression cannot see', async () => {
    const train = xorData(2000, 1);
    const test = xorData(1000, 2);
    const trees = await fitGbdt(train.x, train.y, PARAMS, new SeededRandom(5));
    const linear = await fitLogistic(train.x, train.y, { C: 1 });
    expect(rocAuc(new GbdtScorer(trees.state).logits(test.x), test.y)).toBeGreaterThan(0.8);
    expect(rocAuc(logisticLogits(linear, test.x), test.y)).toBeLessThan(0.6);
  });

  it('report the held-out loss after every round, and stopping early keeps the first trees', async () => {
    const train = xorData(1000, 3);
    const valid = xorData(500, 4);
    const fit = await fitGbdt(train.x, train.y, { ...PARAMS, rounds: 40 }, new SeededRandom(1), {
      x: valid.x,
      labels: valid.y,
    });
    expect(fit.validationLoss).toHaveLength(40);
    expect(fit.validationLoss![39]!).toBeLessThan(fit.validationLoss![0]!);
    const first10 = truncateGbdt(fit.state, 10);
    const refit = await fitGbdt(train.x, train.y, { ...PARAMS, rounds: 10 }, new SeededRandom(1));
    expect(Array.from(new GbdtScorer(first10).logits(valid.x))).toEqual(
      Array.from(new GbdtScorer(refit.state).logits(valid.x)),
    );
  });

  it('on an inner fold, run past their best round until the later trees have had a fixed say: 30 rounds at rate 0.1, 60 at 0.05', async () => {
    const train = xorData(600, 7);
    const valid = xorData(400, 8);
    for (const [learningRate, patience] of [
      [0.1, 30],
      [0.05, 60],
    ] as const) {
      const outcome = await fitOnFold(
        { family: 'gbdt', params: { ...PARAMS, maxDepth: 4, learningRate, rounds: 1000 } },
        train.x,
        train.y,
        new SeededRandom(3),
        { x: valid.x, labels: valid.y },
        undefined,
      );
      if (outcome.family !== 'gbdt') throw new Error('expected trees');
      const best = outcome.curve.indexOf(Math.min(...outcome.curve));
      // Stopped by the curve, long before the 1,000 rounds allowed.
      expect(outcome.curve.length).toBeLessThan(400);
      expect(outcome.curve.length - 1 - best).toBe(patience);
    }
  });

  it('report each round’s held-out loss as the trees score those rows, values on a cut and beyond them too', async () => {
    const train = xorData(1000, 3);
    const valid = xorData(300, 5);
    // Rows on a training value (a cut, perhaps), beyond the training range, and not a number.
    for (let j = 0; j < valid.x.cols; j++) {
      valid.x.data[j] = train.x.data[7 * train.x.cols + j]!;
      valid.x.data[valid.x.cols + j] = 1e6;
      valid.x.data[2 * valid.x.cols + j] = -1e6;
      valid.x.data[3 * valid.x.cols + j] = Number.NaN;
    }
    const fit = await fitGbdt(train.x, train.y, { ...PARAMS, rounds: 25 }, new SeededRandom(2), {
      x: valid.x,
      labels: valid.y,
    });
    const logLoss = (logits: number[]) =>
      logits.reduce((sum, z, i) => sum + Math.log1p(Math.exp(z)) - valid.y[i]! * z, 0) / logits.length;
    for (const rounds of [1, 7, 25]) {
      const logits = naiveLogits(truncateGbdt(fit.state, rounds), valid.x);
      expect(fit.validationLoss![rounds - 1]).toBeCloseTo(logLoss(logits), 12);
    }
  });

  it('the compiled scorer gives exactly the node-by-node result, shallow leaves included', async () => {
    const { x, y } = xorData(800, 6);
    const fit = await fitGbdt(x, y, { ...PARAMS, maxDepth: 5, minChildWeight: 8 }, new SeededRandom(2));
    expect(Array.from(new GbdtScorer(fit.state).logits(x))).toEqual(naiveLogits(fit.state, x));
  });

  it('the same seed grows the same trees; another seed other trees', async () => {
    const { x, y } = xorData(600, 7);
    const a = await fitGbdt(x, y, PARAMS, new SeededRandom(9));
    const b = await fitGbdt(x, y, PARAMS, new SeededRandom(9));
    const c = await fitGbdt(x, y, PARAMS, new SeededRandom(10));
    expect(b.state).toEqual(a.state);
    expect(c.state.threshold).not.toEqual(a.state.threshold);
  });

  it('TreeSHAP equals Shapley values computed by brute force, and adds up to the margin', async () => {
    const { x, y } = xorData(500, 8);
    const fit = await fitGbdt(x, y, { ...PARAMS, rounds: 8, maxDepth: 4 }, new SeededRandom(3));
    const explainer = new TreeExplainer(fit.state);
    const margins = new GbdtScorer(fit.state).logits(x);
    for (let i = 0; i < 5; i++) {
      const row = x.data.subarray(i * x.cols, (i + 1) * x.cols);
      const phi = new Float64Array(x.cols);
      const base = explainer.explain(x.data, i * x.cols, phi);
      const expected = bruteForceShapley(fit.state, row, x.cols);
      expected.forEach((v, j) => expect(phi[j]).toBeCloseTo(v, 10));
      expect(base + phi.reduce((s, v) => s + v, 0)).toBeCloseTo(margins[i]!, 10);
    }
  });
});
