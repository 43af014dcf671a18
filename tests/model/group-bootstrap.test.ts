import { describe, expect, it } from '@jest/globals';
import { rocAuc } from '../../server/model/index.js';
import { rocAucDifferenceOverGroups, rocAucOverGroups } from '../../server/model/out-of-time.js';
import { SeededRandom } from '../../server/model/random.js';

/** `n` customers, a tenth of them churners, each scored by a noisy read of their outcome. */
function customers(n: number, noise: number, seed: number) {
  const random = new SeededRandom(seed);
  const labels = Array.from({ length: n }, (_, i) => i % 10 === 0);
  const scores = labels.map((y) => (y ? 1 : 0) + noise * random.normal());
  return { labels, scores };
}

describe('ROC-AUC with its interval over resamples of accounts', () => {
  it('gives the figure itself, inside its interval', () => {
    const { labels, scores } = customers(2000, 1, 1);
    const groups = labels.map((_, i) => `contact:${i}`);
    const interval = rocAucOverGroups(scores, labels, groups, 7);
    expect(interval.value).toBeCloseTo(rocAuc(scores, labels.map(Number)), 12);
    expect(interval.low).toBeLessThan(interval.value);
    expect(interval.high).toBeGreaterThan(interval.value);
  });

  it('counts the contacts of one account as one piece of evidence: a wider interval', () => {
    // 200 accounts of 10 contacts each, who share the outcome and nearly the score.
    const { labels, scores } = customers(200, 1, 2);
    const rows = labels.flatMap((y, a) =>
      Array.from({ length: 10 }, (_, k) => ({ y, s: scores[a]! + k * 1e-6, a })),
    );
    const [rowLabels, rowScores] = [rows.map((r) => r.y), rows.map((r) => r.s)];
    const width = (i: { low: number; high: number }) => i.high - i.low;
    const byAccount = rocAucOverGroups(
      rowScores,
      rowLabels,
      rows.map((r) => `company:${r.a}`),
      7,
    );
    const byRow = rocAucOverGroups(
      rowScores,
      rowLabels,
      rows.map((_, i) => `contact:${i}`),
      7,
    );
    expect(width(byAccount)).toBeGreaterThan(2 * width(byRow));
  });
});

describe('the difference of two rankings of the same customers', () => {
  it('is exactly nothing for the same ranking', () => {
    const { labels, scores } = customers(1000, 1, 3);
    const groups = labels.map((_, i) => `contact:${i}`);
    expect(rocAucDifferenceOverGroups(scores, scores, labels, groups, 7)).toEqual({
      value: 0,
      low: 0,
      high: 0,
    });
  });

  it('tells a better ranking apart from a worse one, and says so with its interval', () => {
    const { labels, scores: sharp } = customers(3000, 0.5, 4);
    const blurred = sharp.map((s, i) => s + 2 * new SeededRandom(i).normal());
    const groups = labels.map((_, i) => `contact:${i}`);
    const difference = rocAucDifferenceOverGroups(sharp, blurred, labels, groups, 7);
    expect(difference.value).toBeCloseTo(
      rocAuc(sharp, labels.map(Number)) - rocAuc(blurred, labels.map(Number)),
      12,
    );
    expect(difference.low).toBeGreaterThan(0);
    // Two rankings a hair apart: the interval holds 0.
    const nudged = sharp.map((s, i) => s + 0.01 * new SeededRandom(i + 1e6).normal());
    const close = rocAucDifferenceOverGroups(sharp, nudged, labels, groups, 7);
    expect(close.low).toBeLessThanOrEqual(0);
    expect(close.high).toBeGreaterThanOrEqual(0);
  });
});
