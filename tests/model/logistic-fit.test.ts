/**
 * The logistic regression reaches the penalised optimum, not somewhere near it: on a table shaped
 * like a portal's (mostly numbers, a few one-hot columns mostly at zero), the penalised log-loss's
 * gradient is zero at the fitted weights, and a weight held to a direction sits at zero only where
 * the data would push it the wrong way.
 */
import { describe, expect, it } from '@jest/globals';
import type { Matrix } from '../../server/model/encoder.js';
import { fitLogistic, type LogisticState } from '../../server/model/logistic.js';
import { SeededRandom } from '../../server/model/random.js';

const ROWS = 4000;
const NUMBERS = 8;
const LEVELS = 5;

/** Numbers in every row, a one-hot column per level of a category, and a flag one row in twelve has. */
function table(seed: number): { x: Matrix; labels: Uint8Array } {
  const random = new SeededRandom(seed);
  const cols = NUMBERS + LEVELS + 1;
  const data = new Float64Array(ROWS * cols);
  const labels = new Uint8Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    const row = i * cols;
    let z = -2.5;
    for (let j = 0; j < NUMBERS; j++) {
      data[row + j] = random.normal();
      z += (j % 2 === 0 ? 0.6 : -0.3) * data[row + j]! * (j < 3 ? 1 : 0.2);
    }
    const level = random.int(LEVELS);
    data[row + NUMBERS + level] = 1;
    z += level === 0 ? 1 : level === 1 ? -0.5 : 0;
    if (random.next() < 1 / 12) {
      data[row + NUMBERS + LEVELS] = 1;
      z += 1.5;
    }
    labels[i] = random.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x: { rows: ROWS, cols, data }, labels };
}

/** The gradient of Σ log-loss + ½‖w‖²/C at the fit, the intercept's last. */
function penalisedGradient(x: Matrix, labels: Uint8Array, fit: LogisticState, C: number): Float64Array {
  const gradient = new Float64Array(x.cols + 1);
  for (let i = 0; i < x.rows; i++) {
    let z = fit.intercept;
    for (let j = 0; j < x.cols; j++) z += fit.weights[j]! * x.data[i * x.cols + j]!;
    const r = 1 / (1 + Math.exp(-z)) - labels[i]!;
    for (let j = 0; j < x.cols; j++) gradient[j]! += r * x.data[i * x.cols + j]!;
    gradient[x.cols]! += r;
  }
  for (let j = 0; j < x.cols; j++) gradient[j]! += fit.weights[j]! / C;
  return gradient;
}

const largest = (values: ArrayLike<number>) => Math.max(...Array.from(values, Math.abs));

describe('the logistic regression', () => {
  it.each([0.01, 1, 100])('at C = %p, stops where the penalised log-loss is flat', async (C) => {
    const { x, labels } = table(7);
    const fit = await fitLogistic(x, labels, { C });
    // A single row moves a coordinate of this gradient by up to about 2: flat means a
    // ten-thousandth of one row's pull, left by the last step's last millionth.
    expect(largest(penalisedGradient(x, labels, fit, C))).toBeLessThan(1e-4);
    // Not a flat start: the data's effects are there.
    expect(fit.weights[0]!).toBeGreaterThan(0.3);
    expect(fit.weights[NUMBERS + LEVELS]!).toBeGreaterThan(0.3);
  });

  it('holds a weight at zero against the data, and fits every other weight to the optimum', async () => {
    const { x, labels } = table(11);
    // The first number raises the risk in the data; held to lower it, its weight stays at zero.
    const monotoneColumns = new Int8Array(x.cols);
    monotoneColumns[0] = -1;
    const held = { ...x, monotoneColumns };
    const fit = await fitLogistic(held, labels, { C: 1 });
    expect(fit.weights[0]).toBe(0);
    const gradient = penalisedGradient(held, labels, fit, 1);
    // Lowering the risk along it would take a positive gradient: the bound is what holds it.
    expect(gradient[0]!).toBeLessThan(-1);
    expect(largest(gradient.subarray(1))).toBeLessThan(1e-4);
  });
});
