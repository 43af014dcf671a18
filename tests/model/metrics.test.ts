import { describe, expect, it } from '@jest/globals';
import {
  brierScore,
  calibrationTable,
  eceNoiseFloor,
  evaluatePredictions,
  expectedCalibrationError,
  logLoss,
  prAuc,
  rocAuc,
} from '../../server/model/metrics.js';
import { SeededRandom } from '../../server/model/random.js';

/** ROC-AUC by its definition: the share of (churner, stayer) pairs ordered right, ties half. */
function pairwiseAuc(p: number[], y: number[]): number {
  let good = 0;
  let pairs = 0;
  p.forEach((pi, i) =>
    p.forEach((pj, j) => {
      if (y[i] === 1 && y[j] === 0) {
        pairs++;
        good += pi > pj ? 1 : pi === pj ? 0.5 : 0;
      }
    }),
  );
  return good / pairs;
}

describe('metrics', () => {
  it('ROC-AUC matches the pairwise definition, ties included', () => {
    const random = new SeededRandom(3);
    const y = Array.from({ length: 300 }, () => (random.next() < 0.3 ? 1 : 0));
    const p = y.map((v) => Math.round((0.3 * v + random.next()) * 20) / 20);
    expect(rocAuc(p, y)).toBeCloseTo(pairwiseAuc(p, y), 12);
  });

  it('PR-AUC is average precision (scikit-learn example: 0.8333)', () => {
    expect(prAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.83333333, 6);
  });

  it('Brier score and log loss on a hand-computed case', () => {
    expect(brierScore([0.9, 0.2], [1, 0])).toBeCloseTo((0.01 + 0.04) / 2, 12);
    expect(logLoss([0.9, 0.2], [1, 0])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
  });

  it('calibration table and ECE: rows land in ten bins of predicted probability', () => {
    const p = [0.05, 0.05, 0.15, 0.95, 0.95, 1];
    const y = [0, 1, 0, 1, 1, 1];
    const table = calibrationTable(p, y);
    expect(table).toHaveLength(10);
    expect(table[0]).toEqual({ from: 0, to: 0.1, count: 2, meanPredicted: 0.05, observedRate: 0.5 });
    expect(table[9]!.count).toBe(3);
    // |0.05 − 0.5|·2/6 + |0.15 − 0|·1/6 + |0.9667 − 1|·3/6
    expect(expectedCalibrationError(table)).toBeCloseTo((0.45 * 2 + 0.15 + (1 - 2.9 / 3) * 3) / 6, 12);
  });

  it('lift and capture count churners among the top tenth of scores', () => {
    const p = Array.from({ length: 100 }, (_, i) => i / 100);
    const y = p.map((_, i) => (i >= 95 || (i < 90 && i % 10 === 0) ? 1 : 0)); // 5 in the top ten, 14 in all
    const m = evaluatePredictions(p, y, 0.5);
    expect(m.capture_top_decile).toBeCloseTo(5 / 14, 12);
    expect(m.lift_top_decile).toBeCloseTo(5 / 10 / (14 / 100), 12);
    expect(m.rows).toBe(100);
    expect(m.positives).toBe(14);
  });

  it('the ECE noise floor of one bin is the binomial mean absolute deviation', () => {
    // Binomial(4, 0.5): P(X = 0…4) = 1, 4, 6, 4, 1 sixteenths; |X/4 − 0.5| = 0.5, 0.25, 0, 0.25, 0.5.
    const bin = { from: 0.5, to: 0.6, count: 4, meanPredicted: 0.5, observedRate: 0.5 };
    expect(eceNoiseFloor([bin])).toBeCloseTo((2 * 0.5 + 8 * 0.25) / 16, 12);
    expect(eceNoiseFloor([{ ...bin, count: 5000, meanPredicted: 0.3 }])).toBeCloseTo(
      Math.sqrt((2 / Math.PI) * (0.21 / 5000)),
      4,
    );
  });

  it('a calibrated model sits at the ECE noise floor; a miscalibrated one far above it', () => {
    const random = new SeededRandom(11);
    const p = Array.from({ length: 1500 }, () => random.next() * 0.8);
    const y = p.map((q) => (random.next() < q ? 1 : 0));
    const calibratedMetrics = evaluatePredictions(p, y);
    const floor = eceNoiseFloor(calibratedMetrics.calibration);
    const calibrated = calibratedMetrics.ece;
    const overconfident = evaluatePredictions(
      p.map((q) => Math.min(1, q * 1.5)),
      y,
    ).ece;
    expect(floor).toBeGreaterThan(0.01);
    expect(floor).toBeLessThan(0.04);
    expect(calibrated).toBeLessThan(floor * 1.6);
    expect(overconfident).toBeGreaterThan(floor * 3);
  });
});
