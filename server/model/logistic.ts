/**
 * L2-regularised logistic regression, fitted by Newton's method (iteratively reweighted least
 * squares): it reaches the exact penalised optimum in a few steps, deterministically, so the
 * same data gives the same weights on every machine. The intercept is not penalised. A monotone
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

const MAX_STEPS = 50;

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
  // One-hot columns leave most of a row at zero: each pass reads only a row's other values.
  const sparse = nonZeros(x);
  const { start, columns, values } = sparse;
  let loss = objective(sparse, labels, beta, penalty, d);
  const sign = x.monotoneColumns;
  for (let step = 0; step < MAX_STEPS; step++) {
    const gradient = new Float64Array(size);
    const hessian = new Float64Array(size * size);
    for (let i = 0; i < n; i++) {
      if ((i & 0x3fff) === 0) await pause();
      const from = start[i]!;
      const to = start[i + 1]!;
      let z = beta[d]!;
      for (let a = from; a < to; a++) z += beta[columns[a]!]! * values[a]!;
      const p = 1 / (1 + Math.exp(-z));
      const r = p - labels[i]!;
      const w = Math.max(p * (1 - p), 1e-12);
      // The upper triangle: a row's columns are in ascending order.
      for (let a = from; a < to; a++) {
        const j = columns[a]!;
        const xj = values[a]!;
        gradient[j]! += r * xj;
        const wx = w * xj;
        const hRow = j * size;
        for (let b = a; b < to; b++) hessian[hRow + columns[b]!]! += wx * values[b]!;
        hessian[hRow + d]! += wx;
      }
      gradient[d]! += r;
      hessian[d * size + d]! += w;
    }
    for (let j = 0; j < d; j++) {
      gradient[j]! += penalty * beta[j]!;
      hessian[j * size + j]! += penalty;
    }
    hessian[d * size + d]! += 1e-9;
    for (let j = 0; j < size; j++) for (let k = 0; k < j; k++) hessian[j * size + k] = hessian[k * size + j]!;
    if (sign) holdAtBound(beta, gradient, hessian, sign, size);
    const direction = solveSymmetric(hessian, gradient, size);
    // Newton steps can overshoot when classes are nearly separable: halve until the loss falls.
    let scale = 1;
    let next = beta;
    let nextLoss = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      next = beta.map((b, j) => {
        const moved = b - scale * direction[j]!;
        return sign && j < d && sign[j]! * moved < 0 ? 0 : moved;
      });
      nextLoss = objective(sparse, labels, next, penalty, d);
      if (nextLoss <= loss + 1e-12) break;
      scale /= 2;
    }
    const moved = Math.max(...direction.map((v) => Math.abs(v * scale)));
    beta.set(next);
    const improvement = loss - nextLoss;
    loss = Math.min(loss, nextLoss);
    await pause();
    if (moved < 1e-8 || improvement < 1e-10 * Math.max(1, Math.abs(loss))) break;
  }
  return { weights: Array.from(beta.subarray(0, d)), intercept: beta[d]! };
}

/** A matrix's non-zero values, row by row (compressed sparse rows): row i is `start[i]..start[i+1]`. */
interface SparseRows {
  start: Int32Array;
  columns: Int32Array;
  values: Float64Array;
}

function nonZeros(x: Matrix): SparseRows {
  const { rows, cols, data } = x;
  let count = 0;
  for (let k = 0; k < data.length; k++) if (data[k] !== 0) count++;
  const start = new Int32Array(rows + 1);
  const columns = new Int32Array(count);
  const values = new Float64Array(count);
  let at = 0;
  for (let i = 0; i < rows; i++) {
    start[i] = at;
    const row = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[row + j]!;
      if (v === 0) continue;
      columns[at] = j;
      values[at++] = v;
    }
  }
  start[rows] = at;
  return { start, columns, values };
}

/**
 * Takes out of the Newton step each monotone weight at zero whose gradient points the wrong way
 * (its row and column of the hessian become the identity's, its gradient zero): the step leaves it
 * at zero, and the other weights are solved as if it were not there.
 */
function holdAtBound(
  beta: Float64Array,
  gradient: Float64Array,
  hessian: Float64Array,
  sign: Int8Array,
  size: number,
): void {
  for (let j = 0; j < sign.length; j++) {
    const s = sign[j]!;
    // Descent moves the weight by −gradient: held when that leaves the allowed side of zero.
    if (s === 0 || beta[j] !== 0 || s * gradient[j]! < 0) continue;
    gradient[j] = 0;
    for (let k = 0; k < size; k++) {
      hessian[j * size + k] = 0;
      hessian[k * size + j] = 0;
    }
    hessian[j * size + j] = 1;
  }
}

function objective(
  { start, columns, values }: SparseRows,
  labels: Uint8Array,
  beta: Float64Array,
  penalty: number,
  d: number,
): number {
  let loss = 0;
  for (let i = 0; i < labels.length; i++) {
    let z = beta[d]!;
    for (let a = start[i]!; a < start[i + 1]!; a++) z += beta[columns[a]!]! * values[a]!;
    // log(1 + e^z) − y·z, written to stay finite for large |z|.
    loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - labels[i]! * z;
  }
  let norm = 0;
  for (let j = 0; j < d; j++) norm += beta[j]! ** 2;
  return loss + 0.5 * penalty * norm;
}

/** Solves A·x = b for a symmetric positive-definite A (Cholesky). */
export function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(sum, 1e-12));
      else l[i * n + j] = sum / l[j * n + j]!;
    }
  }
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
