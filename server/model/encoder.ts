/**
 * Preprocessing, fitted on training rows only: numbers are imputed with the training median (plus
 * a missing-value flag when the training data had gaps, unless the number is monotone) and
 * standardised; categories become one-hot columns, or a smoothed out-of-fold churn rate when there
 * are too many to one-hot. Every encoded column of an identity-like feature (`FeatureSpec.identity`)
 * is flagged as such, and the value column of a monotone one (`FeatureSpec.monotone`) with its
 * direction.
 */
import type { Dataset, FeatureColumn, FeatureSpec } from './dataset.js';
import { ModelDataError } from './errors.js';
import type { SeededRandom } from './random.js';

/** A dense row-major matrix of encoded features. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
  /**
   * 1 for each column encoded from an identity-like feature, 0 for the others; absent when no
   * column is (a CSV's table, say).
   */
  identityColumns?: Uint8Array;
  /**
   * Per column, the direction the risk is held to as the value rises (`FeatureSpec.monotone`):
   * 1, -1, or 0 for free; absent when every column is free.
   */
  monotoneColumns?: Int8Array;
}

export type EncoderBlock =
  | {
      type: 'number';
      column: string;
      median: number;
      mean: number;
      scale: number;
      missingFlag: boolean;
      /** Values are held inside [low, high] before scaling (the starter model's weights need it). */
      clip?: [number, number];
    }
  | { type: 'onehot'; column: string; levels: (string | null)[] }
  | {
      type: 'target';
      column: string;
      rates: Record<string, number>;
      prior: number;
      mean: number;
      scale: number;
    };

export interface EncodedFeature {
  /** Index of the input feature (in `EncoderState.features`) this column comes from. */
  source: number;
  name: string;
  /** Encoded from an identity-like feature: its one-hot levels, churn rate, value or missing flag. */
  identity: boolean;
}

export interface EncoderState {
  features: FeatureSpec[];
  blocks: EncoderBlock[];
}

export interface EncoderOptions {
  /** Categories seen fewer times than this in training share the all-zero "other" pattern. */
  minCategoryCount?: number;
  /**
   * The same bar for an identity-like feature's one-hot levels: a country seen on a handful of rows
   * (a few contacts over several cutoffs) would only let the trees learn those contacts by heart.
   */
  minIdentityCategoryCount?: number;
  /** Above this many frequent categories a column is target-encoded instead of one-hot. */
  maxOneHot?: number;
  /** Pseudo-count pulling a category's churn rate towards the overall rate. */
  targetSmoothing?: number;
}

const DEFAULTS: Required<EncoderOptions> = {
  minCategoryCount: 10,
  minIdentityCategoryCount: 100,
  maxOneHot: 30,
  targetSmoothing: 20,
};
const TARGET_FOLDS = 5;

export function encodedFeatures(state: EncoderState): EncodedFeature[] {
  const out: EncodedFeature[] = [];
  state.blocks.forEach((block, source) => {
    const identity = state.features[source]?.identity === true;
    const column = (name: string) => out.push({ source, name, identity });
    if (block.type === 'number') {
      column(block.column);
      if (block.missingFlag) column(`${block.column} (missing)`);
    } else if (block.type === 'onehot') {
      for (const level of block.levels) column(`${block.column}=${level ?? '(missing)'}`);
    } else column(`${block.column} (churn rate of category)`);
  });
  return out;
}

/**
 * Per encoded column, the direction a monotone feature holds the risk to (its value's column
 * only), or undefined when no feature has one.
 */
function monotoneColumns(state: EncoderState): Int8Array | undefined {
  if (!state.features.some((f) => f.monotone)) return undefined;
  const out = new Int8Array(encodedFeatures(state).length);
  const offsets = blockOffsets(state);
  state.blocks.forEach((block, b) => {
    const direction = state.features[b]!.monotone;
    if (direction && block.type === 'number') out[offsets[b]!] = direction;
  });
  return out;
}

/** Which encoded columns come from identity-like features, or undefined when none does. */
function identityColumns(state: EncoderState): Uint8Array | undefined {
  if (!state.features.some((f) => f.identity)) return undefined;
  return Uint8Array.from(encodedFeatures(state), (f) => (f.identity ? 1 : 0));
}

/**
 * Fits the encoder on a training set and returns it with the encoded training matrix. Target
 * encodings of the training rows are out-of-fold, so a model never sees a row's own label.
 */
export function fitEncoder(
  dataset: Dataset,
  labels: Uint8Array,
  random: SeededRandom,
  options: EncoderOptions = {},
): { state: EncoderState; matrix: Matrix } {
  const settings = { ...DEFAULTS, ...options };
  const blocks = dataset.columns.map((column) => fitBlock(column, labels, settings));
  const state: EncoderState = {
    features: dataset.columns.map(({ name, kind, label, identity, monotone }) => ({
      name,
      kind,
      label,
      ...(identity ? { identity } : {}),
      ...(monotone ? { monotone } : {}),
    })),
    blocks,
  };
  const matrix = encode(state, dataset);
  // Replace the training rows' target encodings by out-of-fold ones.
  const fold = Uint8Array.from({ length: dataset.size }, () => random.int(TARGET_FOLDS));
  const offsets = blockOffsets(state);
  blocks.forEach((block, b) => {
    if (block.type !== 'target') return;
    const column = dataset.columns[b] as Extract<FeatureColumn, { kind: 'categorical' }>;
    for (let k = 0; k < TARGET_FOLDS; k++) {
      const counts = new Map<string, [number, number]>();
      column.values.forEach((v, i) => {
        if (fold[i] === k) return;
        const key = v ?? '';
        const c = counts.get(key) ?? [0, 0];
        c[0] += 1;
        c[1] += labels[i]!;
        counts.set(key, c);
      });
      column.values.forEach((v, i) => {
        if (fold[i] !== k) return;
        const c = counts.get(v ?? '') ?? [0, 0];
        const rate = (c[1] + settings.targetSmoothing * block.prior) / (c[0] + settings.targetSmoothing);
        matrix.data[i * matrix.cols + offsets[b]!] = (rate - block.mean) / block.scale;
      });
    }
  });
  return { state, matrix };
}

/**
 * Each number's median over the training rows that had a value: what a typical customer of the
 * training data held, the yardstick a reason can set a customer's own value against.
 */
export function trainingMedians(state: EncoderState): Map<string, number> {
  return new Map(
    state.blocks.flatMap((block) =>
      block.type === 'number' && Number.isFinite(block.median) ? [[block.column, block.median] as const] : [],
    ),
  );
}

function fitBlock(
  column: FeatureColumn,
  labels: Uint8Array,
  settings: Required<EncoderOptions>,
): EncoderBlock {
  if (column.kind !== 'categorical') {
    const present = new Float64Array(column.values.length);
    let known = 0;
    for (const v of column.values) if (!Number.isNaN(v)) present[known++] = v;
    const median = quantile(present.subarray(0, known), 0.5);
    const filled = column.values.map((v) => (Number.isNaN(v) ? median : v));
    const { mean, scale } = moments(filled);
    return {
      type: 'number',
      column: column.name,
      median,
      mean,
      scale,
      // A flag is free to move the risk either way, so a monotone number (`FeatureSpec.monotone`)
      // has none: its absence reads as its median, and a first angry ticket cannot lower a score
      // through the flag it clears.
      missingFlag: known < column.values.length && !column.monotone,
    };
  }
  const counts = new Map<string | null, number>();
  for (const v of column.values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const frequent = [...counts.entries()]
    .filter(([, n]) => n >= settings.minCategoryCount)
    .sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  if (frequent.length <= settings.maxOneHot) {
    const bar = column.identity
      ? Math.max(settings.minCategoryCount, settings.minIdentityCategoryCount)
      : settings.minCategoryCount;
    const levels = frequent.filter(([, n]) => n >= bar).map(([level]) => level);
    return { type: 'onehot', column: column.name, levels };
  }
  let positives = 0;
  for (const y of labels) positives += y;
  const prior = positives / labels.length;
  const sums = new Map<string, [number, number]>();
  column.values.forEach((v, i) => {
    const key = v ?? '';
    const c = sums.get(key) ?? [0, 0];
    c[0] += 1;
    c[1] += labels[i]!;
    sums.set(key, c);
  });
  const rates: Record<string, number> = {};
  for (const [key, [n, pos]] of sums) {
    rates[key] = (pos + settings.targetSmoothing * prior) / (n + settings.targetSmoothing);
  }
  const { mean, scale } = moments(column.values.map((v) => rates[v ?? '']!));
  return { type: 'target', column: column.name, rates, prior, mean, scale };
}

function blockOffsets(state: EncoderState): number[] {
  let offset = 0;
  return state.blocks.map((block) => {
    const at = offset;
    offset +=
      block.type === 'number'
        ? block.missingFlag
          ? 2
          : 1
        : block.type === 'onehot'
          ? block.levels.length
          : 1;
    return at;
  });
}

/** Encodes rows [start, end) of a data set with a fitted encoder; columns are found by name. */
export function encode(state: EncoderState, dataset: Dataset, start = 0, end = dataset.size): Matrix {
  const byName = new Map(dataset.columns.map((c) => [c.name, c]));
  const offsets = blockOffsets(state);
  const cols = encodedFeatures(state).length;
  const rows = end - start;
  const data = new Float64Array(rows * cols);
  state.blocks.forEach((block, b) => {
    const spec = state.features[b]!;
    const column = byName.get(spec.name);
    if (!column) {
      throw new ModelDataError('column_missing', `the model needs feature "${spec.name}", which is absent`, {
        column: spec.name,
      });
    }
    const at = offsets[b]!;
    if (block.type === 'number') {
      if (column.kind === 'categorical') throw kindMismatch(spec);
      const values = column.values;
      const [low, high] = block.clip ?? [-Infinity, Infinity];
      for (let i = 0; i < rows; i++) {
        const v = values[start + i]!;
        const missing = Number.isNaN(v);
        const held = missing ? block.median : Math.min(high, Math.max(low, v));
        data[i * cols + at] = (held - block.mean) / block.scale;
        if (block.missingFlag) data[i * cols + at + 1] = missing ? 1 : 0;
      }
    } else {
      if (column.kind !== 'categorical') throw kindMismatch(spec);
      const values = column.values;
      if (block.type === 'onehot') {
        const position = new Map(block.levels.map((level, k) => [level, k]));
        for (let i = 0; i < rows; i++) {
          const k = position.get(values[start + i] ?? null);
          if (k !== undefined) data[i * cols + at + k] = 1;
        }
      } else {
        for (let i = 0; i < rows; i++) {
          const rate = block.rates[values[start + i] ?? ''] ?? block.prior;
          data[i * cols + at] = (rate - block.mean) / block.scale;
        }
      }
    }
  });
  const identity = identityColumns(state);
  const monotone = monotoneColumns(state);
  return {
    rows,
    cols,
    data,
    ...(identity ? { identityColumns: identity } : {}),
    ...(monotone ? { monotoneColumns: monotone } : {}),
  };
}

function kindMismatch(spec: FeatureSpec): ModelDataError {
  return new ModelDataError('value_invalid', `feature "${spec.name}" should be ${spec.kind}`, {
    column: spec.name,
  });
}

function moments(values: ArrayLike<number>): { mean: number; scale: number } {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]! / n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (values[i]! - mean) ** 2 / n;
  const scale = Math.sqrt(variance);
  return { mean, scale: scale > 1e-12 ? scale : 1 };
}

function quantile(values: Float64Array, q: number): number {
  if (values.length === 0) return 0;
  // A typed array sorts numerically, without a comparator call per comparison.
  const sorted = values.slice().sort();
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
