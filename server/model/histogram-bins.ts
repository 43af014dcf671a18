/**
 * Quantile bins for histogram tree growing: each column's training values are cut into at most
 * 256 bins of about equal counts, and each row keeps its bin number (one byte) instead of the value.
 */
import type { Matrix } from './encoder.js';

/**
 * Up to maxBins − 1 cut points per column at quantiles of its distinct training values; a column
 * flagged identity-like (`Matrix.identityColumns`) gets at most `identityMaxBins` bins when given.
 */
export function binColumns(
  x: Matrix,
  maxBinsOfAll: number,
  identityMaxBins?: number,
): { cuts: Float64Array[]; bins: Uint8Array } {
  const { rows: n, cols: d, data } = x;
  const bins = new Uint8Array(n * d);
  const cuts: Float64Array[] = [];
  const column = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    const maxBins =
      identityMaxBins !== undefined && x.identityColumns?.[j] === 1
        ? Math.min(identityMaxBins, maxBinsOfAll)
        : maxBinsOfAll;
    for (let i = 0; i < n; i++) column[i] = data[i * d + j]!;
    const sorted = Float64Array.from(column).sort();
    const distinct: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i === 0 || sorted[i] !== sorted[i - 1]) {
        distinct.push(sorted[i]!);
        counts.push(1);
      } else counts[counts.length - 1]! += 1;
    }
    let columnCuts: number[];
    if (distinct.length <= maxBins) columnCuts = distinct.slice(0, -1);
    else {
      // Cut where the running count crosses each quantile, so every bin holds about n / maxBins rows.
      columnCuts = [];
      let running = 0;
      let next = n / maxBins;
      for (let k = 0; k < distinct.length - 1; k++) {
        running += counts[k]!;
        if (running >= next) {
          columnCuts.push(distinct[k]!);
          while (next <= running) next += n / maxBins;
        }
      }
    }
    const c = Float64Array.from(columnCuts.slice(0, 255));
    cuts.push(c);
    for (let i = 0; i < n; i++) bins[j * n + i] = binOf(c, column[i]!);
  }
  return { cuts, bins };
}

/**
 * Other rows (a validation set's) binned by the training cuts, column by column as `binColumns`
 * keeps them: bin ≤ b exactly where the value ≤ cut b, so a tree routes a binned row as it would
 * the value. A value that is not a number compares false with every cut, and takes the last bin.
 */
export function binRows(x: Matrix, cuts: readonly Float64Array[]): Uint8Array {
  const { rows: n, cols: d, data } = x;
  const bins = new Uint8Array(n * d);
  for (let j = 0; j < d; j++) {
    const c = cuts[j]!;
    for (let i = 0; i < n; i++) {
      const v = data[i * d + j]!;
      bins[j * n + i] = Number.isNaN(v) ? c.length : binOf(c, v);
    }
  }
  return bins;
}

/** The first bin whose cut is >= v (the last bin when v is above every cut). */
export function binOf(cuts: Float64Array, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
