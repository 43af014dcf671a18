/**
 * Population stability: how far a distribution has moved from the one a model was trained on.
 * PSI = Σ (actual − expected) × ln(actual / expected) over shared bins; by the usual reading,
 * < 0.1 is stable, 0.1–0.2 a moderate shift, > 0.2 a shift worth retraining for.
 */

/** Bin edges and the share of training rows in each of the edges.length + 1 bins. */
export interface BinnedDistribution {
  edges: number[];
  shares: number[];
}

/** Share floor, so an empty bin on either side gives a large but finite term. */
const EPSILON = 1e-4;

/** Up to `bins` quantile bins of the finite values; missing values get a bin of their own (last). */
export function referenceDistribution(values: ArrayLike<number>, bins = 10): BinnedDistribution {
  const finite = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const edges: number[] = [];
  for (let k = 1; k < bins && finite.length > 0; k++) {
    const edge = finite[Math.min(finite.length - 1, Math.floor((k * finite.length) / bins))]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  const counts = binCounts(values, edges);
  const total = counts.reduce((s, c) => s + c, 0);
  return { edges, shares: counts.map((c) => (total === 0 ? 0 : c / total)) };
}

/** Counts per bin of `edges` (bin i holds values below edges[i]); missing values counted last. */
export function binCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 2).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      counts[edges.length + 1]!++;
      continue;
    }
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v < edges[mid]!) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]!++;
  }
  return counts;
}

export function populationStability(expected: readonly number[], actualCounts: readonly number[]): number {
  const total = actualCounts.reduce((s, c) => s + c, 0);
  if (total === 0) return 0;
  let psi = 0;
  for (let i = 0; i < actualCounts.length; i++) {
    const e = Math.max(expected[i] ?? 0, EPSILON);
    const a = Math.max(actualCounts[i]! / total, EPSILON);
    if ((expected[i] ?? 0) === 0 && actualCounts[i] === 0) continue;
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

export function addCounts(into: number[], counts: readonly number[]): number[] {
  for (let i = 0; i < counts.length; i++) into[i] = (into[i] ?? 0) + counts[i]!;
  return into;
}
