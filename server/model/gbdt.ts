/**
 * Gradient-boosted decision trees for a binary label (log-loss), grown depth-wise on histograms
 * of quantile bins, as LightGBM and XGBoost's `hist` method do. Each tree sees a seeded sample of
 * rows and columns. A split on a column of an identity-like feature counts for a share of its
 * gain (LightGBM's `feature_penalty`), so such a column wins a node only over columns whose gain is
 * that share of its own or less. A monotone column (`Matrix.monotoneColumns`) holds every tree to
 * its direction as XGBoost's `monotone_constraints` do: a split on it is taken only when its two
 * leaves' values are in order, and bounds at the midpoint pass down to the nodes below, so the
 * whole ensemble never moves the risk against the column. Trees keep their training row counts, so
 * TreeSHAP (./tree-shap.ts) can attribute every score exactly.
 */
import type { Matrix } from './encoder.js';
import { binColumns, binRows } from './histogram-bins.js';
import { pause } from './pause.js';
import type { SeededRandom } from './random.js';

export interface GbdtParams {
  maxDepth: number;
  learningRate: number;
  rounds: number;
  /** Smallest hessian sum a leaf may hold (XGBoost's min_child_weight). */
  minChildWeight: number;
  /** L2 penalty on leaf values. */
  lambda: number;
  subsample: number;
  colsample: number;
  maxBins: number;
  /**
   * The share of its gain a split on an identity-like column (`Matrix.identityColumns`) counts
   * for when the best split of a node is chosen; 1 or absent: counted in full. The leaves' values
   * are not changed, only which column a node splits on.
   */
  identityGain?: number;
  /**
   * At most this many bins for an identity-like column: a company size or a country's churn rate
   * cut into fine quantiles names single accounts, which trees then learn by heart; coarse bands
   * keep what carries over to accounts not seen yet. Absent: `maxBins`, as for every column.
   */
  identityMaxBins?: number;
}

/**
 * All trees in flat arrays. A node with `feature[k] < 0` is a leaf holding `value[k]` (learning
 * rate included); otherwise rows with x[feature] <= threshold go to `left[k]`, the rest to
 * `left[k] + 1`. `cover` is the number of training rows that reached the node.
 */
export interface GbdtState {
  base: number;
  roots: number[];
  feature: number[];
  threshold: number[];
  left: number[];
  value: number[];
  cover: number[];
}

export interface GbdtFit {
  state: GbdtState;
  /** Mean validation log-loss after each round, when validation rows were given. */
  validationLoss?: number[];
}

export async function fitGbdt(
  x: Matrix,
  labels: Uint8Array,
  params: GbdtParams,
  random: SeededRandom,
  validation?: { x: Matrix; labels: Uint8Array; patience?: number },
): Promise<GbdtFit> {
  const n = x.rows;
  const d = x.cols;
  const { cuts, bins } = binColumns(x, params.maxBins, params.identityMaxBins);
  let positives = 0;
  for (const y of labels) positives += y;
  const base = Math.log((positives + 0.5) / (n - positives + 0.5));
  const margin = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const state: GbdtState = { base, roots: [], feature: [], threshold: [], left: [], value: [], cover: [] };
  const validMargin = validation ? new Float64Array(validation.x.rows).fill(base) : undefined;
  // Validation rows walk each new tree by their bins, column by column as the training rows do:
  // reading values row by row across a wide matrix cost more than growing the tree.
  const validBins = validation ? binRows(validation.x, cuts) : undefined;
  const validationLoss: number[] = [];
  let bestRound = 0;
  const grower = new TreeGrower(
    bins,
    n,
    d,
    cuts,
    params,
    grad,
    hess,
    gainShares(x, params),
    x.monotoneColumns,
  );
  const allFeatures = Array.from({ length: d }, (_, j) => j);

  for (let round = 0; round < params.rounds; round++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-margin[i]!));
      grad[i] = p - labels[i]!;
      hess[i] = Math.max(p * (1 - p), 1e-16);
    }
    let sample: Int32Array;
    if (params.subsample < 1) {
      const chosen: number[] = [];
      for (let i = 0; i < n; i++) if (random.next() < params.subsample) chosen.push(i);
      sample = Int32Array.from(chosen);
    } else sample = Int32Array.from({ length: n }, (_, i) => i);
    let features = allFeatures;
    if (params.colsample < 1) {
      const k = Math.max(1, Math.round(d * params.colsample));
      features = random
        .shuffle([...allFeatures])
        .slice(0, k)
        .sort((a, b) => a - b);
    }
    const root = grower.grow(sample, features, state);
    state.roots.push(root);
    addTree(state, root, bins, n, grower.splitBins, margin);
    if (validation && validMargin && validBins) {
      addTree(state, root, validBins, validation.x.rows, grower.splitBins, validMargin);
      let loss = 0;
      for (let i = 0; i < validation.x.rows; i++) {
        const z = validMargin[i]!;
        loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - validation.labels[i]! * z;
      }
      validationLoss.push(loss / validation.x.rows);
      // Stop once the held-out loss has not improved for `patience` rounds (the first lowest counts).
      if (validationLoss[round]! < validationLoss[bestRound]!) bestRound = round;
      if (validation.patience !== undefined && round - bestRound >= validation.patience) break;
    }
    await pause();
  }
  return validation ? { state, validationLoss } : { state };
}

interface Split {
  feature: number;
  bin: number;
  gain: number;
  /** The two children's values (before the learning rate), within the node's bounds. */
  left: number;
  right: number;
}

/** The range a node's value (before the learning rate) must stay in, from monotone splits above it. */
interface Bounds {
  low: number;
  high: number;
}

const UNBOUNDED: Bounds = { low: -Infinity, high: Infinity };

/** A leaf's value for gradient and hessian sums, held inside its bounds. */
function leafWeight(g: number, h: number, lambda: number, bounds: Bounds): number {
  return Math.min(bounds.high, Math.max(bounds.low, -g / (h + lambda)));
}

/** How much a leaf of value `w` lowers the loss (XGBoost's CalcGainGivenWeight); g²/(h+λ) at the optimum. */
function gainOfWeight(g: number, h: number, lambda: number, w: number): number {
  return -(2 * g * w + (h + lambda) * w * w);
}

/** The share of its gain a split on each column counts for, or undefined when all count in full. */
function gainShares(x: Matrix, params: GbdtParams): Float64Array | undefined {
  const share = params.identityGain ?? 1;
  if (share === 1 || !x.identityColumns) return undefined;
  if (!(share > 0 && share <= 1)) throw new RangeError(`identityGain must be in (0, 1], not ${share}`);
  return Float64Array.from(x.identityColumns, (identity) => (identity ? share : 1));
}

/**
 * Grows trees on binned columns. A histogram holds, per feature and bin, the gradient and hessian
 * sums interleaved; features take only as many bins as they have (a one-hot column two), so
 * clearing, subtracting and scanning histograms costs what the data needs, not `maxBins` each.
 */
class TreeGrower {
  private readonly free: Float64Array[] = [];
  /** Where each feature's bins start in a histogram, and how many it has. */
  private readonly start: Int32Array;
  private readonly width: Int32Array;
  private readonly size: number;
  /** Row index scratch for partitioning a node's rows into its children. */
  private readonly scratch: Int32Array;
  private readonly gathered: Float64Array;
  /** Each row's histogram cell (gradient sum; the hessian sum follows) for each feature, row by row. */
  private readonly cells: Int32Array;
  /** The bin each split node cuts at, to route training rows without searching the cuts. */
  readonly splitBins: number[] = [];

  constructor(
    private readonly bins: Uint8Array,
    private readonly n: number,
    private readonly d: number,
    private readonly cuts: Float64Array[],
    private readonly params: GbdtParams,
    private readonly grad: Float64Array,
    private readonly hess: Float64Array,
    /** Per column, the share of a split's gain that counts; undefined: every gain in full. */
    private readonly gainShare: Float64Array | undefined,
    /** Per column, the direction the risk is held to (1, -1, 0 free); undefined: all free. */
    private readonly monotone: Int8Array | undefined,
  ) {
    this.start = new Int32Array(d);
    this.width = new Int32Array(d);
    let at = 0;
    for (let f = 0; f < d; f++) {
      this.start[f] = at;
      this.width[f] = cuts[f]!.length + 1;
      at += 2 * this.width[f]!;
    }
    this.size = at;
    this.scratch = new Int32Array(n);
    this.gathered = new Float64Array(2 * n);
    this.cells = new Int32Array(n * d);
    for (let f = 0; f < d; f++)
      for (let i = 0; i < n; i++) this.cells[i * d + f] = this.start[f]! + 2 * bins[f * n + i]!;
  }

  /** Grows one tree on the sampled rows, appends its nodes to `state`, returns its root. */
  grow(rows: Int32Array, features: number[], state: GbdtState): number {
    const root = this.newNode(state);
    // A column with one bin offers no split: it needs no histogram.
    const cols = Int32Array.from(features.filter((f) => this.width[f]! > 1));
    const rootHist = this.histogram(rows, cols);
    this.split(state, root, rows, rootHist, cols, 0, UNBOUNDED);
    return root;
  }

  private newNode(state: GbdtState): number {
    state.feature.push(-1);
    state.threshold.push(0);
    state.left.push(-1);
    state.value.push(0);
    state.cover.push(0);
    return state.feature.length - 1;
  }

  /** Per feature and bin: gradient sum and hessian sum, interleaved. */
  private histogram(rows: Int32Array, cols: Int32Array): Float64Array {
    const { grad, hess } = this;
    const hist = this.free.pop() ?? new Float64Array(this.size);
    // The rows' gradients gathered once, read in order by every feature.
    const count = rows.length;
    const g = this.gathered.subarray(0, count);
    const h = this.gathered.subarray(count, 2 * count);
    for (let k = 0; k < count; k++) {
      g[k] = grad[rows[k]!]!;
      h[k] = hess[rows[k]!]!;
    }
    const m = cols.length;
    for (let j = 0; j < m; j++) {
      const f = cols[j]!;
      hist.fill(0, this.start[f]!, this.start[f]! + 2 * this.width[f]!);
    }
    // Row by row across the features: consecutive additions land in different features' bins, so
    // none waits on the one before (column by column, a two-bin column would add to the same
    // cell over and over). Each bin still sums its rows in ascending order.
    const { cells, d } = this;
    for (let k = 0; k < count; k++) {
      const base = rows[k]! * d;
      const gk = g[k]!;
      const hk = h[k]!;
      for (let j = 0; j < m; j++) {
        const at = cells[base + cols[j]!]!;
        hist[at]! += gk;
        hist[at + 1]! += hk;
      }
    }
    return hist;
  }

  private split(
    state: GbdtState,
    node: number,
    rows: Int32Array,
    hist: Float64Array,
    cols: Int32Array,
    depth: number,
    bounds: Bounds,
  ): void {
    const { params } = this;
    let g = 0;
    let h = 0;
    for (let k = 0; k < rows.length; k++) {
      g += this.grad[rows[k]!]!;
      h += this.hess[rows[k]!]!;
    }
    state.cover[node] = rows.length;
    const best = depth < params.maxDepth ? this.bestSplit(hist, cols, g, h, bounds) : undefined;
    if (!best) {
      state.value[node] =
        bounds === UNBOUNDED
          ? (-params.learningRate * g) / (h + params.lambda)
          : params.learningRate * leafWeight(g, h, params.lambda, bounds);
      if (depth < params.maxDepth) this.free.push(hist);
      return;
    }
    // Partition in place of order: left rows to the front of the scratch, right rows to the back
    // (reversed), both then copied out in ascending row order.
    const offset = best.feature * this.n;
    const scratch = this.scratch;
    let nl = 0;
    let nr = 0;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      if (this.bins[offset + r]! <= best.bin) scratch[nl++] = r;
      else scratch[rows.length - 1 - nr++] = r;
    }
    const l = scratch.slice(0, nl);
    const r = scratch.slice(nl, rows.length).reverse();
    const left = this.newNode(state);
    this.newNode(state);
    state.feature[node] = best.feature;
    state.threshold[node] = this.cuts[best.feature]![best.bin]!;
    state.left[node] = left;
    this.splitBins[node] = best.bin;
    // Below a monotone split, the low side's values stay under the midpoint of the two children's
    // and the high side's above it, so no deeper split can turn the order round.
    let leftBounds = bounds;
    let rightBounds = bounds;
    const direction = this.monotone?.[best.feature] ?? 0;
    if (direction !== 0) {
      const mid = (best.left + best.right) / 2;
      const below = { low: bounds.low, high: mid };
      const above = { low: mid, high: bounds.high };
      [leftBounds, rightBounds] = direction > 0 ? [below, above] : [above, below];
    }
    if (depth + 1 === params.maxDepth) {
      // The children are leaves: they need no histograms.
      this.free.push(hist);
      this.split(state, left, l, hist, cols, depth + 1, leftBounds);
      this.split(state, left + 1, r, hist, cols, depth + 1, rightBounds);
      return;
    }
    // Build the smaller child's histogram; the other is the parent's minus it.
    const smallIsLeft = l.length <= r.length;
    const small = this.histogram(smallIsLeft ? l : r, cols);
    for (const f of cols) {
      const from = this.start[f]!;
      const to = from + 2 * this.width[f]!;
      for (let k = from; k < to; k++) hist[k]! -= small[k]!;
    }
    const [leftHist, rightHist] = smallIsLeft ? [small, hist] : [hist, small];
    this.split(state, left, l, leftHist, cols, depth + 1, leftBounds);
    this.split(state, left + 1, r, rightHist, cols, depth + 1, rightBounds);
  }

  private bestSplit(
    hist: Float64Array,
    cols: Int32Array,
    g: number,
    h: number,
    bounds: Bounds,
  ): Split | undefined {
    const { lambda, minChildWeight } = this.params;
    // Without monotone columns every node is unbounded and each child takes its optimal value,
    // whose gain is g²/(h+λ); with them, values are held in bounds and gains computed from them.
    const held = this.monotone !== undefined;
    const parentScore = held
      ? gainOfWeight(g, h, lambda, leafWeight(g, h, lambda, bounds))
      : (g * g) / (h + lambda);
    let best: Split | undefined;
    for (const f of cols) {
      const binsOfF = this.width[f]!;
      const from = this.start[f]!;
      const share = this.gainShare?.[f] ?? 1;
      const direction = this.monotone?.[f] ?? 0;
      let gl = 0;
      let hl = 0;
      for (let b = 0; b < binsOfF - 1; b++) {
        gl += hist[from + 2 * b]!;
        hl += hist[from + 2 * b + 1]!;
        const hr = h - hl;
        if (hl < minChildWeight) continue;
        if (hr < minChildWeight) break;
        const gr = g - gl;
        let gain: number;
        let wl = 0;
        let wr = 0;
        if (held) {
          wl = leafWeight(gl, hl, lambda, bounds);
          wr = leafWeight(gr, hr, lambda, bounds);
          // The low side (left) may not carry more risk than the high side, or less when -1.
          if ((direction > 0 && wl > wr) || (direction < 0 && wl < wr)) continue;
          gain = share * (gainOfWeight(gl, hl, lambda, wl) + gainOfWeight(gr, hr, lambda, wr) - parentScore);
        } else gain = share * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore);
        if (gain > 1e-9 && (!best || gain > best.gain))
          best = { feature: f, bin: b, gain, left: wl, right: wr };
      }
    }
    return best;
  }
}

/** Adds a new tree's output to the margins of binned rows, walking the bins it was grown on. */
function addTree(
  state: GbdtState,
  root: number,
  bins: Uint8Array,
  n: number,
  splitBins: number[],
  margin: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    let node = root;
    while (state.feature[node]! >= 0) {
      const f = state.feature[node]!;
      node = bins[f * n + i]! <= splitBins[node]! ? state.left[node]! : state.left[node]! + 1;
    }
    margin[i]! += state.value[node]!;
  }
}

/** Keeps the first `rounds` trees (the early-stopping point chosen by cross-validation). */
export function truncateGbdt(state: GbdtState, rounds: number): GbdtState {
  return { ...state, roots: state.roots.slice(0, rounds) };
}
