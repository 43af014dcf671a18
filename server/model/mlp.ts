/**
 * A small neural network on TensorFlow.js: one hidden ReLU layer, a logit output, L2 weight
 * decay, Adam on seeded mini-batches. One hidden layer keeps its attributions exact: along the
 * straight line from the baseline to a row each hidden unit's input is linear, so integrated
 * gradients can be integrated in closed form (`mlpContributions`).
 */
import type { Scalar } from '@tensorflow/tfjs';
import type { Matrix } from './encoder.js';
import { pause } from './pause.js';
import type { SeededRandom } from './random.js';
import { tensorFlow, type TfBackend } from './tf-runtime.js';

export interface MlpParams {
  hidden: number;
  /** Weight decay: λ·Σw² added to the mean batch log-loss. */
  l2: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/** Weights as plain numbers: w1 is inputs × hidden, row-major. */
export interface MlpState {
  inputs: number;
  hidden: number;
  w1: number[];
  b1: number[];
  w2: number[];
  b2: number;
}

export interface MlpFit {
  state: MlpState;
  /** Per epoch, when validation rows were given: mean validation log-loss and the weights then. */
  validationLoss?: number[];
  snapshots?: MlpState[];
}

/** Rows scored per TensorFlow call: large batches keep the per-call overhead negligible. */
const SCORING_BATCH = 8192;

export async function fitMlp(
  x: Matrix,
  labels: Uint8Array,
  params: MlpParams,
  random: SeededRandom,
  validation?: { x: Matrix; labels: Uint8Array; patience?: number },
  backend?: TfBackend,
): Promise<MlpFit> {
  const tf = await tensorFlow(backend);
  const { rows: n, cols: d } = x;
  const h = params.hidden;
  let positives = 0;
  for (const y of labels) positives += y;
  // He initialisation for the ReLU layer, Glorot for the output, drawn from the seeded generator.
  const limit1 = Math.sqrt(6 / d);
  const limit2 = Math.sqrt(6 / (h + 1));
  const w1 = tf.variable(
    tf.tensor2d(
      Float32Array.from({ length: d * h }, () => (2 * random.next() - 1) * limit1),
      [d, h],
    ),
  );
  const b1 = tf.variable(tf.zeros([h]));
  const w2 = tf.variable(
    tf.tensor2d(
      Float32Array.from({ length: h }, () => (2 * random.next() - 1) * limit2),
      [h, 1],
    ),
  );
  const b2 = tf.variable(tf.scalar(Math.log((positives + 0.5) / (n - positives + 0.5))));
  const xs = tf.tensor2d(Float32Array.from(x.data), [n, d]);
  const ys = tf.tensor2d(Float32Array.from(labels), [n, 1]);
  const optimizer = tf.train.adam(params.learningRate);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const validationLoss: number[] = [];
  const snapshots: MlpState[] = [];
  const snapshot = (): MlpState => ({
    inputs: d,
    hidden: h,
    w1: Array.from(w1.dataSync()),
    b1: Array.from(b1.dataSync()),
    w2: Array.from(w2.dataSync()),
    b2: b2.dataSync()[0]!,
  });
  try {
    for (let epoch = 0; epoch < params.epochs; epoch++) {
      random.shuffle(order);
      for (let start = 0; start < n; start += params.batchSize) {
        const batch = tf.tensor1d(order.subarray(start, Math.min(n, start + params.batchSize)), 'int32');
        const loss = optimizer.minimize(
          () => {
            const logits = tf.gather(xs, batch).matMul(w1).add(b1).relu().matMul(w2).add(b2);
            const penalty = w1.square().sum().add(w2.square().sum()).mul(params.l2);
            return tf.losses.sigmoidCrossEntropy(tf.gather(ys, batch), logits).add(penalty) as Scalar;
          },
          false,
          [w1, b1, w2, b2],
        );
        loss?.dispose();
        batch.dispose();
        await pause();
      }
      if (validation) {
        const state = snapshot();
        snapshots.push(state);
        validationLoss.push(meanLogLoss(await mlpLogits(state, validation.x, backend), validation.labels));
        const best = validationLoss.indexOf(Math.min(...validationLoss));
        if (validation.patience !== undefined && epoch - best >= validation.patience) break;
      }
    }
    const state = snapshot();
    return validation ? { state, validationLoss, snapshots } : { state };
  } finally {
    optimizer.dispose();
    for (const t of [w1, b1, w2, b2, xs, ys]) t.dispose();
  }
}

/** The network's logit for each row, computed by TensorFlow.js in large batches. */
export async function mlpLogits(state: MlpState, x: Matrix, backend?: TfBackend): Promise<Float64Array> {
  const tf = await tensorFlow(backend);
  const out = new Float64Array(x.rows);
  const w1 = tf.tensor2d(state.w1, [state.inputs, state.hidden]);
  const b1 = tf.tensor1d(state.b1);
  const w2 = tf.tensor2d(state.w2, [state.hidden, 1]);
  const b2 = tf.scalar(state.b2);
  try {
    for (let start = 0; start < x.rows; start += SCORING_BATCH) {
      const end = Math.min(x.rows, start + SCORING_BATCH);
      const chunk = Float32Array.from(x.data.subarray(start * x.cols, end * x.cols));
      const logits = tf.tidy(() =>
        tf
          .tensor2d(chunk, [end - start, x.cols])
          .matMul(w1)
          .add(b1)
          .relu()
          .matMul(w2)
          .add(b2),
      );
      out.set(await logits.data(), start);
      logits.dispose();
    }
  } finally {
    for (const t of [w1, b1, w2, b2]) t.dispose();
  }
  return out;
}

/**
 * Exact integrated gradients from `baseline` to the row (in float64): each hidden unit is
 * active on a known fraction of the path, so each input's attribution is its distance from the
 * baseline times its weights into the active units. They sum to logit(row) − logit(baseline).
 * Returns logit(baseline).
 */
export function mlpContributions(
  state: MlpState,
  baseline: readonly number[],
  row: Float64Array,
  out: Float64Array,
  scratch = new Float64Array(state.hidden),
): number {
  const { inputs: d, hidden: h, w1, b1, w2 } = state;
  let base = state.b2;
  for (let k = 0; k < h; k++) {
    let a0 = b1[k]!;
    let a1 = b1[k]!;
    for (let j = 0; j < d; j++) {
      a0 += baseline[j]! * w1[j * h + k]!;
      a1 += row[j]! * w1[j * h + k]!;
    }
    base += w2[k]! * Math.max(0, a0);
    let active: number;
    if (a0 > 0 && a1 > 0) active = 1;
    else if (a0 <= 0 && a1 <= 0) active = 0;
    else {
      const crossing = a0 / (a0 - a1);
      active = a1 > 0 ? 1 - crossing : crossing;
    }
    scratch[k] = w2[k]! * active;
  }
  for (let j = 0; j < d; j++) {
    let gradient = 0;
    for (let k = 0; k < h; k++) gradient += w1[j * h + k]! * scratch[k]!;
    out[j] = (row[j]! - baseline[j]!) * gradient;
  }
  return base;
}

function meanLogLoss(logits: Float64Array, labels: Uint8Array): number {
  let loss = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i]!;
    loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - labels[i]! * z;
  }
  return loss / logits.length;
}
