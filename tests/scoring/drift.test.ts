import { describe, expect, it } from '@jest/globals';
import { binCounts, populationStability, referenceDistribution } from '../../server/scoring/drift.js';

function normal(n: number, mean: number, seed: number): number[] {
  let s = seed;
  const next = () => ((s = (s * 1664525 + 1013904223) % 4294967296) + 0.5) / 4294967296;
  return Array.from(
    { length: n },
    () => mean + Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()),
  );
}

describe('population stability against the training window', () => {
  const training = referenceDistribution(normal(5000, 0, 1));

  it('stays near zero for a sample of the same population', () => {
    const psi = populationStability(training.shares, binCounts(normal(5000, 0, 2), training.edges));
    expect(psi).toBeLessThan(0.02);
  });

  it('passes the usual 0.2 alarm when the population moves by half a standard deviation or more', () => {
    expect(
      populationStability(training.shares, binCounts(normal(5000, 0.25, 3), training.edges)),
    ).toBeLessThan(0.2);
    expect(
      populationStability(training.shares, binCounts(normal(5000, 0.6, 4), training.edges)),
    ).toBeGreaterThan(0.2);
  });

  it('counts missing values in a bin of their own, so a feature going missing is drift too', () => {
    const values = normal(1000, 0, 5).map((v, i) => (i % 2 === 0 ? Number.NaN : v));
    const counts = binCounts(values, training.edges);
    expect(counts[counts.length - 1]).toBe(500);
    expect(populationStability(training.shares, counts)).toBeGreaterThan(1);
  });
});
