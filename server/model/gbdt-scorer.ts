import type { Matrix } from './encoder.js';
import type { GbdtState } from './gbdt.js';

/**
 * Trees compiled for fast scoring: each is laid out as a complete binary tree of the ensemble's
 * depth (children of k at 2k+1 and 2k+2), leaves above full depth padded with splits that always
 * go left. Every row then takes exactly `depth` steps per tree with no child lookups.
 */
export class GbdtScorer {
  private readonly depth: number;
  private readonly inner: number;
  private readonly feature: Int32Array;
  private readonly threshold: Float64Array;
  private readonly leaf: Float64Array;
  private readonly trees: number;
  private readonly base: number;

  constructor(state: GbdtState) {
    const depthOf = (node: number): number =>
      state.feature[node]! < 0 ? 0 : 1 + Math.max(depthOf(state.left[node]!), depthOf(state.left[node]! + 1));
    this.depth = Math.max(0, ...state.roots.map(depthOf));
    this.inner = (1 << this.depth) - 1;
    this.trees = state.roots.length;
    this.base = state.base;
    this.feature = new Int32Array(this.trees * this.inner);
    this.threshold = new Float64Array(this.trees * this.inner).fill(Infinity);
    this.leaf = new Float64Array(this.trees * (this.inner + 1));
    state.roots.forEach((root, t) => this.place(state, root, t, 0, 0));
  }

  private place(state: GbdtState, node: number, tree: number, slot: number, level: number): void {
    if (level === this.depth) {
      this.leaf[tree * (this.inner + 1) + slot - this.inner] = state.value[node]!;
      return;
    }
    const f = state.feature[node]!;
    if (f < 0) {
      // A shallow leaf: fill the whole subtree below it with its value.
      this.place(state, node, tree, 2 * slot + 1, level + 1);
      this.place(state, node, tree, 2 * slot + 2, level + 1);
      return;
    }
    this.feature[tree * this.inner + slot] = f;
    this.threshold[tree * this.inner + slot] = state.threshold[node]!;
    this.place(state, state.left[node]!, tree, 2 * slot + 1, level + 1);
    this.place(state, state.left[node]! + 1, tree, 2 * slot + 2, level + 1);
  }

  /**
   * Four rows walk each tree side by side: their steps do not depend on each other, so the CPU
   * overlaps their memory loads, and `| 0` turns each comparison into arithmetic, not a branch.
   */
  logits(x: Matrix): Float64Array {
    const { rows, cols, data } = x;
    const out = new Float64Array(rows);
    const { feature: f, threshold: th, leaf, depth, inner, trees } = this;
    let i = 0;
    for (; i + 3 < rows; i += 4) {
      const o0 = i * cols;
      const o1 = o0 + cols;
      const o2 = o1 + cols;
      const o3 = o2 + cols;
      let z0 = this.base;
      let z1 = z0;
      let z2 = z0;
      let z3 = z0;
      for (let t = 0; t < trees; t++) {
        const at = t * inner;
        let k0 = 0;
        let k1 = 0;
        let k2 = 0;
        let k3 = 0;
        for (let level = 0; level < depth; level++) {
          k0 = 2 * k0 + 1 + (((data[o0 + f[at + k0]!]! > th[at + k0]!) as unknown as number) | 0);
          k1 = 2 * k1 + 1 + (((data[o1 + f[at + k1]!]! > th[at + k1]!) as unknown as number) | 0);
          k2 = 2 * k2 + 1 + (((data[o2 + f[at + k2]!]! > th[at + k2]!) as unknown as number) | 0);
          k3 = 2 * k3 + 1 + (((data[o3 + f[at + k3]!]! > th[at + k3]!) as unknown as number) | 0);
        }
        const lt = t * (inner + 1) - inner;
        z0 += leaf[lt + k0]!;
        z1 += leaf[lt + k1]!;
        z2 += leaf[lt + k2]!;
        z3 += leaf[lt + k3]!;
      }
      out[i] = z0;
      out[i + 1] = z1;
      out[i + 2] = z2;
      out[i + 3] = z3;
    }
    for (; i < rows; i++) {
      const o = i * cols;
      let z = this.base;
      for (let t = 0; t < trees; t++) {
        const at = t * inner;
        let k = 0;
        for (let level = 0; level < depth; level++) {
          k = 2 * k + 1 + (((data[o + f[at + k]!]! > th[at + k]!) as unknown as number) | 0);
        }
        z += leaf[t * (inner + 1) + k - inner]!;
      }
      out[i] = z;
    }
    return out;
  }
}
