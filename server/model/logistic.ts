/**
 * L2-regularised logistic regression, fitted by Newton's method (iteratively reweighted least
 * squares): it reaches the exact penalised optimum in a few steps, deterministically, so the
 * same data gives the same weights on every machine. Near the optimum, steps reuse the last
 * hessian, which costs a pass over every pair of a row's values where the gradient costs one over
 * its values. The intercept is not penalised. A monotone
 * column (`Matrix.monotoneColumns`) keeps a weight of its direction's sign or zero: a weight at zero
 * that the gradient would push the wrong way stays there for the step (projected Newton).
 */
import type { Matrix } from './encoder.js';
import { pause } from './pause.js';

export interface LogisticState {
  weights: number[];
  intercept: number;
}

export interface LogisticParams {
  /** Inverse penalty strength, as scikit-learn's C: minimises C·Σ log-loss + ½‖w‖². */
  C: number;
}

/** Newton steps at most, each with the hessian computed afresh. */
const MAX_HESSIANS = 50;
/** Steps at most, counting those that reuse an earlier hessian. */
const MAX_STEPS = 200;
/**
 * A step on an earlier hessian's factor is taken again only while it shrinks the gradient to at
 * most this share of what it was; one that does less has the next step compute the hessian afresh.
 */
const REUSE_WHILE_CONTRACTING = 0.5;

export async function fitLogistic(
  x: Matrix,
  labels: Uint8Array,
  params: LogisticParams,
): Promise<LogisticState> {
  const { rows: n, cols: d } = x;
  const size = d + 1; // the last coefficient is the intercept
  const beta = new Float64Array(size);
  const penalty = 1 / params.C;
  let positives = 0;
  for (const y of labels) positives += y;
  beta[d] = Math.log((positives + 0.5) / (n - positives + 0.5));
  const blocks = rowBlocks(x);
  let loss = objective(blocks, labels, beta, penalty, d);
  const sign = x.monotoneColumns;
  // The hessian costs a pass over every pair of a row's values, the gradient one over its values:
  // near the optimum the hessian barely changes, so a step reuses the last one's Cholesky factor
  // while that keeps the gradient shrinking fast (a simplified Newton method). The optimum and the
  // stopping rule are Newton's; only the path to them is cheaper.
  let factor: { l: Float64Array; held: string } | undefined;
  let hessians = 0;
  let lastNorm = Infinity;
  let reuse = false;
  for (let step = 0; step < MAX_STEPS; step++) {
    let gradient = new Float64Array(size);
    let hessian: Float64Array | undefined;
    if (reuse && factor) {
      await accumulateGradient(blocks, labels, beta, gradient);
      // Which weights the bounds hold has changed since the factor was made: make it afresh.
      if (sign && heldAtBound(beta, gradient, sign).join() !== factor.held) reuse = false;
    }
    const fresh: boolean = !reuse || !factor;
    if (fresh) {
      if (hessians === MAX_HESSIANS) break;
      gradient = new Float64Array(size);
      hessian = new Float64Array(size * size);
      const weight = new Float64Array(n);
      await accumulateGradient(blocks, labels, beta, gradient, weight);
      await accumulateHessian(blocks, weight, hessian);
    }
    for (let j = 0; j < d; j++) gradient[j]! += penalty * beta[j]!;
    if (hessian) {
      for (let j = 0; j < d; j++) hessian[j * size + j]! += penalty;
      hessian[d * size + d]! += 1e-9;
      const held = sign ? heldAtBound(beta, gradient, sign) : [];
      holdAtBound(held, gradient, hessian);
      factor = { l: cholesky(hessian, size), held: held.join() };
      hessians++;
    } else if (sign) holdAtBound(heldAtBound(beta, gradient, sign), gradient);
    // How far from the optimum, the held weights aside.
    const norm = maxAbs(gradient);
    const direction = solveCholesky(factor!.l, gradient, size);
    // Newton steps can overshoot when classes are nearly separable: halve until the loss falls.
    let scale = 1;
    let next = beta;
    let nextLoss = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      next = beta.map((b, j) => {
        const moved = b - scale * direction[j]!;
        return sign && j < d && sign[j]! * moved < 0 ? 0 : moved;
      });
      nextLoss = objective(blocks, labels, next, penalty, d);
      if (nextLoss <= loss + 1e-12) break;
      scale /= 2;
    }
    const moved = maxAbs(direction) * scale;
    // A reused factor that needed a shorter step, or left the gradient shrinking slowly, has
    // served: the next step computes the hessian afresh.
    reuse = scale === 1 && (fresh || norm <= REUSE_WHILE_CONTRACTING * lastNorm);
    lastNorm = norm;
    beta.set(next);
    const improvement = loss - nextLoss;
    loss = Math.min(loss, nextLoss);
    await pause();
    // A reused factor's steps shrink by at most half each, so one that moved under 1e-6 leaves the
    // weights within 1e-6 of the optimum; a fresh hessian's step converges faster.
    const settled = improvement < 1e-10 * Math.max(1, Math.abs(loss)) && (fresh || moved < 1e-6);
    if (moved < 1e-8 || settled) break;
  }
  return { weights: Array.from(beta.subarray(0, d)), intercept: beta[d]! };
}

/**
 * The log-loss's gradient at `beta` into `gradient`, and into `weight`, when given, each row's
 * p·(1 − p), which the hessian weighs its row by.
 */
async function accumulateGradient(
  rows: RowBlocks,
  labels: Uint8Array,
  beta: Float64Array,
  gradient: Float64Array,
  weight?: Float64Array,
): Promise<void> {
  const { denseColumns, dense, start, columns, values, sparseColumns } = rows;
  const nd = denseColumns.length;
  const d = gradient.length - 1;
  const betaDense = Float64Array.from(denseColumns, (j) => beta[j]!);
  const betaSparse = Float64Array.from(sparseColumns, (j) => beta[j]!);
  const gDense = new Float64Array(nd);
  const gSparse = new Float64Array(sparseColumns.length);
  let gI = 0;
  for (let i = 0; i < labels.length; i++) {
    if ((i & 0x3fff) === 0) await pause();
    const base = i * nd;
    const from = start[i]!;
    const to = start[i + 1]!;
    let z = beta[d]!;
    for (let a = 0; a < nd; a++) z += betaDense[a]! * dense[base + a]!;
    for (let s = from; s < to; s++) z += betaSparse[columns[s]!]! * values[s]!;
    const p = 1 / (1 + Math.exp(-z));
    const r = p - labels[i]!;
    for (let a = 0; a < nd; a++) gDense[a]! += r * dense[base + a]!;
    for (let s = from; s < to; s++) gSparse[columns[s]!]! += r * values[s]!;
    gI += r;
    if (weight) weight[i] = Math.max(p * (1 - p), 1e-12);
  }
  denseColumns.forEach((j, a) => (gradient[j] = gDense[a]!));
  sparseColumns.forEach((j, k) => (gradient[j] = gSparse[k]!));
  gradient[d] = gI;
}

/**
 * The log-loss's hessian (without the penalty, both triangles) into `hessian`, from each row's
 * weight. It is summed in blocks over the compact column orders: dense × dense (upper triangle),
 * sparse × dense, sparse × sparse (upper triangle), each column with the intercept, and the
 * intercept's own.
 */
async function accumulateHessian(
  rows: RowBlocks,
  weight: Float64Array,
  hessian: Float64Array,
): Promise<void> {
  const { denseColumns, dense, start, columns, values, sparseColumns } = rows;
  const nd = denseColumns.length;
  const ns = sparseColumns.length;
  const n = weight.length;
  const hDD = new Float64Array(nd * nd);
  const hSD = new Float64Array(ns * nd);
  const hSS = new Float64Array(ns * ns);
  const hDI = new Float64Array(nd);
  const hSI = new Float64Array(ns);
  let hII = 0;
  // The dense block four rows at a time: each cell of the triangle is read and written once for
  // the four, which is what its cost is.
  let i = 0;
  for (; i + 3 < n; i += 4) {
    if ((i & 0x3ffc) === 0) await pause();
    const b0 = i * nd;
    const b1 = b0 + nd;
    const b2 = b1 + nd;
    const b3 = b2 + nd;
    const [w0, w1, w2, w3] = [weight[i]!, weight[i + 1]!, weight[i + 2]!, weight[i + 3]!];
    for (let a = 0; a < nd; a++) {
      const x0 = w0 * dense[b0 + a]!;
      const x1 = w1 * dense[b1 + a]!;
      const x2 = w2 * dense[b2 + a]!;
      const x3 = w3 * dense[b3 + a]!;
      const row = a * nd;
      for (let b = a; b < nd; b++) {
        hDD[row + b]! +=
          x0 * dense[b0 + b]! + x1 * dense[b1 + b]! + x2 * dense[b2 + b]! + x3 * dense[b3 + b]!;
      }
      hDI[a]! += x0 + x1 + x2 + x3;
    }
  }
  for (; i < n; i++) {
    const base = i * nd;
    const w = weight[i]!;
    for (let a = 0; a < nd; a++) {
      const wx = w * dense[base + a]!;
      const row = a * nd;
      for (let b = a; b < nd; b++) hDD[row + b]! += wx * dense[base + b]!;
      hDI[a]! += wx;
    }
  }
  for (let i = 0; i < n; i++) {
    const base = i * nd;
    const w = weight[i]!;
    const to = start[i + 1]!;
    for (let s = start[i]!; s < to; s++) {
      const k = columns[s]!;
      const wv = w * values[s]!;
      const row = k * nd;
      for (let a = 0; a < nd; a++) hSD[row + a]! += wv * dense[base + a]!;
      const rowS = k * ns;
      for (let t = s; t < to; t++) hSS[rowS + columns[t]!]! += wv * values[t]!;
      hSI[k]! += wv;
    }
    hII += w;
  }
  const size = Math.sqrt(hessian.length);
  const d = size - 1;
  const put = (j: number, k: number, v: number) => {
    hessian[j * size + k] = v;
    hessian[k * size + j] = v;
  };
  for (let a = 0; a < nd; a++) {
    const j = denseColumns[a]!;
    for (let b = a; b < nd; b++) put(j, denseColumns[b]!, hDD[a * nd + b]!);
    put(j, d, hDI[a]!);
  }
  for (let k = 0; k < ns; k++) {
    const j = sparseColumns[k]!;
    for (let a = 0; a < nd; a++) put(j, denseColumns[a]!, hSD[k * nd + a]!);
    // A row's sparse columns are in ascending order, so its pairs fill the upper triangle.
    for (let l = k; l < ns; l++) put(j, sparseColumns[l]!, hSS[k * ns + l]!);
    put(j, d, hSI[k]!);
  }
  hessian[d * size + d] = hII;
}

function maxAbs(values: Float64Array): number {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  return max;
}

/**
 * A matrix's rows in two parts: its mostly non-zero columns as a dense block (read in order, no
 * column index per value), the rest as compressed sparse rows over their own order (row i is
 * `start[i]..start[i+1]`). Most of a row is numbers, the rest one-hot columns mostly at zero.
 */
interface RowBlocks {
  denseColumns: Int32Array;
  dense: Float64Array;
  sparseColumns: Int32Array;
  start: Int32Array;
  columns: Int32Array;
  values: Float64Array;
}

/** A column is kept dense when at least this share of rows has it non-zero. */
const DENSE_FROM_SHARE = 0.5;

function rowBlocks(x: Matrix): RowBlocks {
  const { rows, cols, data } = x;
  const nonZero = new Int32Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (data[i * cols + j] !== 0) nonZero[j]!++;
  const isDense = Array.from(nonZero, (count) => count >= DENSE_FROM_SHARE * rows);
  const denseColumns = Int32Array.from(isDense.flatMap((dense, j) => (dense ? [j] : [])));
  const sparseColumns = Int32Array.from(isDense.flatMap((dense, j) => (dense ? [] : [j])));
  const nd = denseColumns.length;
  const dense = new Float64Array(rows * nd);
  let count = 0;
  for (const j of sparseColumns) count += nonZero[j]!;
  const start = new Int32Array(rows + 1);
  const columns = new Int32Array(count);
  const values = new Float64Array(count);
  let at = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let a = 0; a < nd; a++) dense[i * nd + a] = data[row + denseColumns[a]!]!;
    start[i] = at;
    for (let k = 0; k < sparseColumns.length; k++) {
      const v = data[row + sparseColumns[k]!]!;
      if (v === 0) continue;
      columns[at] = k;
      values[at++] = v;
    }
  }
  start[rows] = at;
  return { denseColumns, dense, sparseColumns, start, columns, values };
}

/**
 * Which monotone weights the bounds hold for this step, by index: those at zero whose gradient
 * points the wrong way (descent moves a weight by −gradient, which would leave the allowed side of
 * zero).
 */
function heldAtBound(beta: Float64Array, gradient: Float64Array, sign: Int8Array): number[] {
  const held: number[] = [];
  for (let j = 0; j < sign.length; j++) {
    const s = sign[j]!;
    if (s !== 0 && beta[j] === 0 && s * gradient[j]! >= 0) held.push(j);
  }
  return held;
}

/**
 * Takes the held weights out of the step: their gradient becomes zero and, when a hessian is given,
 * their row and column become the identity's, so the step leaves them at zero and solves the other
 * weights as if they were not there.
 */
function holdAtBound(held: readonly number[], gradient: Float64Array, hessian?: Float64Array): void {
  const size = gradient.length;
  for (const j of held) {
    gradient[j] = 0;
    if (!hessian) continue;
    for (let k = 0; k < size; k++) {
      hessian[j * size + k] = 0;
      hessian[k * size + j] = 0;
    }
    hessian[j * size + j] = 1;
  }
}

function objective(
  { denseColumns, dense, sparseColumns, start, columns, values }: RowBlocks,
  labels: Uint8Array,
  beta: Float64Array,
  penalty: number,
  d: number,
): number {
  const nd = denseColumns.length;
  const betaDense = Float64Array.from(denseColumns, (j) => beta[j]!);
  const betaSparse = Float64Array.from(sparseColumns, (j) => beta[j]!);
  let loss = 0;
  for (let i = 0; i < labels.length; i++) {
    let z = beta[d]!;
    const base = i * nd;
    for (let a = 0; a < nd; a++) z += betaDense[a]! * dense[base + a]!;
    for (let s = start[i]!; s < start[i + 1]!; s++) z += betaSparse[columns[s]!]! * values[s]!;
    // log(1 + e^z) − y·z, written to stay finite for large |z|.
    loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - labels[i]! * z;
  }
  let norm = 0;
  for (let j = 0; j < d; j++) norm += beta[j]! ** 2;
  return loss + 0.5 * penalty * norm;
}

/** Solves A·x = b for a symmetric positive-definite A (Cholesky). */
export function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  return solveCholesky(cholesky(a, n), b, n);
}

/** The lower-triangular L with L·Lᵀ = A, for a symmetric positive-definite A. */
function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i * n + j] = sum / l[j * n + j]!;
    }
  }
  return l;
}

/** Solves L·Lᵀ·x = b. */
function solveCholesky(l: Float64Array, b: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}

/** The model's logit for each row. */
export function logisticLogits(state: LogisticState, x: Matrix): Float64Array {
  const { rows, cols, data } = x;
  const out = new Float64Array(rows);
  const w = state.weights;
  for (let i = 0; i < rows; i++) {
    let z = state.intercept;
    const row = i * cols;
    for (let j = 0; j < cols; j++) z += w[j]! * data[row + j]!;
    out[i] = z;
  }
  return out;
}

/**
 * Exact contributions: each encoded column's weight times its distance from the training mean,
 * so base + Σ contributions equals the logit.
 */
export function logisticContributions(
  state: LogisticState,
  means: readonly number[],
  row: Float64Array,
  out: Float64Array,
): number {
  let base = state.intercept;
  for (let j = 0; j < row.length; j++) {
    base += state.weights[j]! * means[j]!;
    out[j] = state.weights[j]! * (row[j]! - means[j]!);
  }
  return base;
}
