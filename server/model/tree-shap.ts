/**
 * Exact path-dependent TreeSHAP (Lundberg et al. 2020, "From local explanations to global
 * understanding with explainable AI for trees"), computed leaf by leaf with precomputed tables as
 * in Fast TreeSHAP v2 (Yang 2021). A feature left out of a coalition follows both branches in
 * proportion to the training rows that went each way. The values plus the expected output add
 * up to the model's margin exactly.
 *
 * For one leaf with m distinct path features, feature j's Shapley value is
 *   v · (o_j − z_j) · Σ_{S ⊆ O∖{j}} |S|!(m−1−|S|)!/m! · Π_{k ∉ S∪{j}} z_k
 * where z_k is the share of training rows that took this leaf's branches on feature k, o_k is 1
 * when the row itself takes all of them, and O is the set of path features with o_k = 1. It
 * depends on the row only through O, so a table over all O (2^m × m values) is built once per
 * leaf, and explaining a row is one interval test and m additions per leaf.
 */
import type { GbdtState } from './gbdt.js';

/** Deeper trees would make the per-leaf tables (2^m × m) large; the grid stays below this. */
export const MAX_EXPLAINED_DEPTH = 8;

export class TreeExplainer {
  /** The ensemble's mean margin over its training rows. */
  readonly expectedValue: number;
  private readonly leafCount: number;
  private readonly pathStart: Int32Array;
  private readonly pathLength: Uint8Array;
  private readonly tableStart: Int32Array;
  private readonly pathFeature: Int32Array;
  private readonly pathLow: Float64Array;
  private readonly pathHigh: Float64Array;
  private readonly table: Float64Array;

  constructor(state: GbdtState) {
    const leaves: LeafPath[] = [];
    let expected = state.base;
    for (const root of state.roots) collectLeaves(state, root, [], leaves);
    const features: number[] = [];
    const lows: number[] = [];
    const highs: number[] = [];
    const tables: number[] = [];
    const pathStart: number[] = [];
    const pathLength: number[] = [];
    const tableStart: number[] = [];
    for (const leaf of leaves) {
      const merged = mergePath(leaf.steps);
      expected += leaf.value * merged.reduce((p, s) => p * s.zero, 1);
      if (leaf.value === 0 || merged.length === 0) continue;
      if (merged.length > MAX_EXPLAINED_DEPTH) throw new RangeError('tree too deep to explain');
      pathStart.push(features.length);
      pathLength.push(merged.length);
      tableStart.push(tables.length);
      for (const s of merged) {
        features.push(s.feature);
        lows.push(s.low);
        highs.push(s.high);
      }
      appendTable(
        leaf.value,
        merged.map((s) => s.zero),
        tables,
      );
    }
    this.expectedValue = expected;
    this.leafCount = pathStart.length;
    this.pathStart = Int32Array.from(pathStart);
    this.pathLength = Uint8Array.from(pathLength);
    this.tableStart = Int32Array.from(tableStart);
    this.pathFeature = Int32Array.from(features);
    this.pathLow = Float64Array.from(lows);
    this.pathHigh = Float64Array.from(highs);
    this.table = Float64Array.from(tables);
  }

  /**
   * Adds each encoded column's SHAP value for the row starting at `offset` in `data` into `phi`
   * (which the caller zeroes) and returns the expected value they start from.
   */
  explain(data: Float64Array, offset: number, phi: Float64Array): number {
    const { pathStart, pathLength, tableStart, pathFeature, pathLow, pathHigh, table } = this;
    for (let leaf = 0; leaf < this.leafCount; leaf++) {
      const start = pathStart[leaf]!;
      const m = pathLength[leaf]!;
      let inside = 0;
      for (let k = 0; k < m; k++) {
        const v = data[offset + pathFeature[start + k]!]!;
        if (v > pathLow[start + k]! && v <= pathHigh[start + k]!) inside |= 1 << k;
      }
      const at = tableStart[leaf]! + inside * m;
      for (let k = 0; k < m; k++) phi[pathFeature[start + k]!]! += table[at + k]!;
    }
    return this.expectedValue;
  }
}

interface PathStep {
  feature: number;
  goesLeft: boolean;
  threshold: number;
  /** Training rows that took this branch over those that reached the split. */
  ratio: number;
}

interface LeafPath {
  value: number;
  steps: PathStep[];
}

function collectLeaves(state: GbdtState, node: number, steps: PathStep[], out: LeafPath[]): void {
  const f = state.feature[node]!;
  if (f < 0) {
    out.push({ value: state.value[node]!, steps });
    return;
  }
  const left = state.left[node]!;
  const cover = state.cover[node]!;
  const threshold = state.threshold[node]!;
  collectLeaves(
    state,
    left,
    [...steps, { feature: f, goesLeft: true, threshold, ratio: state.cover[left]! / cover }],
    out,
  );
  collectLeaves(
    state,
    left + 1,
    [...steps, { feature: f, goesLeft: false, threshold, ratio: state.cover[left + 1]! / cover }],
    out,
  );
}

/** One entry per distinct feature on the path: the interval the row must fall in, and z. */
function mergePath(steps: PathStep[]): { feature: number; low: number; high: number; zero: number }[] {
  const merged = new Map<number, { feature: number; low: number; high: number; zero: number }>();
  for (const s of steps) {
    const e = merged.get(s.feature) ?? { feature: s.feature, low: -Infinity, high: Infinity, zero: 1 };
    if (s.goesLeft) e.high = Math.min(e.high, s.threshold);
    else e.low = Math.max(e.low, s.threshold);
    e.zero *= s.ratio;
    merged.set(s.feature, e);
  }
  return [...merged.values()];
}

function appendTable(value: number, zero: number[], out: number[]): void {
  const m = zero.length;
  const weight = Array.from({ length: m }, (_, s) => (factorial(s) * factorial(m - 1 - s)) / factorial(m));
  const full = (1 << m) - 1;
  for (let inside = 0; inside <= full; inside++) {
    for (let j = 0; j < m; j++) {
      const others = full & ~(1 << j);
      const allowed = inside & others;
      let sum = 0;
      // Every subset S of the allowed features, the empty set included.
      for (let s = allowed; ; s = (s - 1) & allowed) {
        let term = weight[popcount(s)]!;
        for (let k = 0; k < m; k++) if (others & ~s & (1 << k)) term *= zero[k]!;
        sum += term;
        if (s === 0) break;
      }
      const one = inside & (1 << j) ? 1 : 0;
      out.push(value * (one - zero[j]!) * sum);
    }
  }
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
}
