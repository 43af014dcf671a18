import { describe, expect, it } from '@jest/globals';
import { newcombeInterval, wilsonInterval } from '../../server/workflows/outcomes.js';

const rounded = (ci: { low: number; high: number }) => [
  Number(ci.low.toFixed(4)),
  Number(ci.high.toFixed(4)),
];

describe('the uplift’s 95 % interval', () => {
  it('matches Wilson’s score interval as published (Newcombe 1998, 81 of 263)', () => {
    expect(rounded(wilsonInterval(81, 263))).toEqual([0.2553, 0.3662]);
  });

  it('matches Newcombe’s hybrid score interval for his worked examples (method 10)', () => {
    expect(rounded(newcombeInterval(56, 70, 48, 80))).toEqual([0.0524, 0.3339]);
    expect(rounded(newcombeInterval(9, 10, 3, 10))).toEqual([0.1705, 0.809]);
    // Where Wald's interval collapses (no events in one group), this one stays wide and honest.
    expect(rounded(newcombeInterval(5, 56, 0, 29))).toEqual([-0.0381, 0.1926]);
  });

  it('covers the true difference about 95 % of the time with small groups and rare churn', () => {
    // A seeded generator, so the check is the same on every run.
    let state = 12345;
    const random = () => {
      // mulberry32
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const draw = (n: number, p: number) => Array.from({ length: n }, random).filter((u) => u < p).length;
    const [pControl, pTreated, nControl, nTreated] = [0.12, 0.05, 50, 200];
    let covered = 0;
    const trials = 2000;
    for (let i = 0; i < trials; i++) {
      const ci = newcombeInterval(draw(nControl, pControl), nControl, draw(nTreated, pTreated), nTreated);
      if (ci.low <= pControl - pTreated && pControl - pTreated <= ci.high) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.98);
  });
});
