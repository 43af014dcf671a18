/**
 * The out-of-time check: the chosen candidate fitted only on rows whose outcome was known by a
 * later cutoff, then judged on that later cutoff's rows, as the model is used (trained on the past,
 * scoring the present). Each figure comes with a 95 % interval from a bootstrap over groups, and
 * with the number of churners it rests on; too few of them and there is no figure at all.
 */
import { fitPlatt, sigmoid } from './calibration.js';
import { fitFinal, type Candidate } from './candidates.js';
import { subsetDataset, type Dataset } from './dataset.js';
import { encode, fitEncoder } from './encoder.js';
import {
  ascendingOrder,
  calibrationFit,
  weightedBrier,
  weightedEce,
  weightedPrAuc,
  weightedRocAuc,
  type WeightedLabels,
} from './metrics.js';
import { predictorLogits } from './predictor.js';
import { SeededRandom } from './random.js';
import type { TfBackend } from './tf-runtime.js';

/** Below this many churners on either side, a figure would be noise: the check says so instead. */
export const OUT_OF_TIME_MIN_CHURNERS = 10;
const RESAMPLES = 200;

/** Which rows the check fits on and which it judges (positions in the training data set). */
export interface OutOfTimeSplit {
  /** Rows whose outcome was known by the validation cutoff. */
  fit: readonly number[];
  /** The validation cutoff's rows. */
  validate: readonly number[];
  /** What the two sets describe (cutoff dates, say), kept with the result. */
  fitPeriod?: { from: string; to: string };
  validateAt?: string;
}

/** A figure and its 95 % bootstrap interval. */
export interface Interval {
  value: number;
  low: number;
  high: number;
}

interface CheckedRows {
  rows: number;
  churners: number;
  fit_rows: number;
  fit_churners: number;
  fit_period?: { from: string; to: string };
  validate_at?: string;
}

export type OutOfTimeCheck =
  | (CheckedRows & {
      status: 'measured';
      /** Groups (accounts, else contacts) among the validation rows: what the bootstrap draws. */
      groups: number;
      /** Validation rows whose contact also has a row the model was fitted on (as in use). */
      repeated_contacts?: number;
      resamples: number;
      roc_auc: Interval;
      pr_auc: Interval;
      brier: Interval;
      /**
       * Without an interval: resampling only adds bin noise to it, so its bootstrap sits above
       * the figure itself. The calibration slope and intercept carry the uncertainty instead.
       */
      ece: number;
      calibration_slope: Interval;
      calibration_intercept: Interval;
    })
  | (CheckedRows & { status: 'too_few_churners'; minimum: number });

export interface OutOfTimeInput {
  dataset: Dataset;
  labels: Uint8Array;
  split: OutOfTimeSplit;
  candidate: Candidate;
  iterations: number | undefined;
  /** The chosen candidate's held-out logits of every row (its cross-validation's). */
  heldOutLogits: Float64Array;
  groups?: readonly string[];
  seed: number;
  backend?: TfBackend;
}

export async function checkOutOfTime(input: OutOfTimeInput): Promise<OutOfTimeCheck> {
  const { dataset, labels, split } = input;
  const churnersOf = (rows: readonly number[]) => rows.reduce((s, r) => s + labels[r]!, 0);
  const checked: CheckedRows = {
    rows: split.validate.length,
    churners: churnersOf(split.validate),
    fit_rows: split.fit.length,
    fit_churners: churnersOf(split.fit),
    ...(split.fitPeriod ? { fit_period: split.fitPeriod } : {}),
    ...(split.validateAt ? { validate_at: split.validateAt } : {}),
  };
  const tooFew = (n: number, of: number) => n < OUT_OF_TIME_MIN_CHURNERS || of - n < OUT_OF_TIME_MIN_CHURNERS;
  if (tooFew(checked.churners, checked.rows) || tooFew(checked.fit_churners, checked.fit_rows)) {
    return { ...checked, status: 'too_few_churners', minimum: OUT_OF_TIME_MIN_CHURNERS };
  }

  const fitSet = subsetDataset(dataset, split.fit);
  const validateSet = subsetDataset(dataset, split.validate);
  const { state, matrix } = fitEncoder(fitSet, fitSet.labels!, new SeededRandom(input.seed + 3));
  const predictor = await fitFinal(
    input.candidate,
    input.iterations,
    matrix,
    fitSet.labels!,
    new SeededRandom(input.seed + 5),
    input.backend,
  );
  // Calibrated as the model is, but only from what was known then: the held-out logits of the
  // fitted rows, not the validation rows' own labels.
  const calibration = fitPlatt(
    split.fit.map((r) => input.heldOutLogits[r]!),
    split.fit.map((r) => labels[r]!),
  );
  const logits = await predictorLogits(predictor, encode(state, validateSet), input.backend);
  const probabilities = Float64Array.from(logits, (z) =>
    sigmoid(calibration.slope * z + calibration.intercept),
  );

  const validationGroups = split.validate.map((r) => input.groups?.[r] ?? String(r));
  const intervals = checkFigures(probabilities, validateSet.labels!, validationGroups, input.seed);
  let repeated: number | undefined;
  if (dataset.ids) {
    const fitted = new Set(split.fit.map((r) => dataset.ids![r]!));
    repeated = split.validate.filter((r) => fitted.has(dataset.ids![r]!)).length;
  }
  return {
    ...checked,
    status: 'measured',
    groups: new Set(validationGroups).size,
    ...(repeated === undefined ? {} : { repeated_contacts: repeated }),
    resamples: RESAMPLES,
    ...intervals,
    ece: weightedEce(probabilities, {
      churner: validateSet.labels!,
      stayer: Uint8Array.from(validateSet.labels!, (y) => 1 - y),
    }),
  };
}

/**
 * The ROC-AUC of `scores` against `labels` with its 95 % interval over resamples of whole groups,
 * as the check gives its own: for setting another sample's figure (today's customers against what
 * happened to them) beside the check's, each with its noise.
 */
export function rocAucOverGroups(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  groups: readonly string[],
  seed: number,
): Interval {
  const order = ascendingOrder(scores);
  return bootstrapOverGroups(binary(labels), groups, seed, (weights) => ({
    roc_auc: weightedRocAuc(scores, weights, order),
  })).roc_auc;
}

/**
 * The ROC-AUC of `a` minus that of `b` on the same rows, with its 95 % interval over the same
 * resamples of whole groups for both: whether one ranking beats the other beyond which customers
 * happen to be there.
 */
export function rocAucDifferenceOverGroups(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  groups: readonly string[],
  seed: number,
): Interval {
  const [orderA, orderB] = [ascendingOrder(a), ascendingOrder(b)];
  return bootstrapOverGroups(binary(labels), groups, seed, (weights) => ({
    difference: weightedRocAuc(a, weights, orderA) - weightedRocAuc(b, weights, orderB),
  })).difference;
}

const binary = (labels: ArrayLike<boolean>) => Uint8Array.from(labels, (y) => (y ? 1 : 0));

type Figures = Pick<
  Extract<OutOfTimeCheck, { status: 'measured' }>,
  'roc_auc' | 'pr_auc' | 'brier' | 'calibration_slope' | 'calibration_intercept'
>;

/** Every figure of the check on the validation rows, each with its interval (below). */
function checkFigures(
  probabilities: Float64Array,
  labels: Uint8Array,
  groups: readonly string[],
  seed: number,
): Figures {
  const order = ascendingOrder(probabilities);
  return bootstrapOverGroups(labels, groups, seed, (weights) => {
    const fit = calibrationFit(probabilities, weights);
    return {
      roc_auc: weightedRocAuc(probabilities, weights, order),
      pr_auc: weightedPrAuc(probabilities, weights, order),
      brier: weightedBrier(probabilities, weights),
      calibration_slope: fit.slope,
      calibration_intercept: fit.intercept,
    };
  });
}

/**
 * Each figure `measure` gives on the rows as they are, and its 2.5th and 97.5th percentiles over
 * resamples that draw whole groups with replacement (a drawn group's rows count as often as it was
 * drawn), so rows that share an outcome are not counted as independent evidence.
 */
function bootstrapOverGroups<K extends string>(
  labels: Uint8Array,
  groups: readonly string[],
  seed: number,
  measure: (weights: WeightedLabels) => Record<K, number>,
): Record<K, Interval> {
  const ids = new Map<string, number>();
  const groupOf = Uint32Array.from(groups, (g) => {
    let id = ids.get(g);
    if (id === undefined) ids.set(g, (id = ids.size));
    return id;
  });
  const weighted = (draws: ArrayLike<number>): WeightedLabels => ({
    churner: Float64Array.from(labels, (y, i) => y * draws[groupOf[i]!]!),
    stayer: Float64Array.from(labels, (y, i) => (1 - y) * draws[groupOf[i]!]!),
  });
  const point = measure(weighted(new Float64Array(ids.size).fill(1)));
  const keys = Object.keys(point) as K[];
  const random = new SeededRandom(seed + 11);
  const samples = Object.fromEntries(keys.map((key) => [key, [] as number[]])) as Record<K, number[]>;
  const draws = new Float64Array(ids.size);
  for (let b = 0; b < RESAMPLES; b++) {
    draws.fill(0);
    for (let g = 0; g < ids.size; g++) draws[random.int(ids.size)]! += 1;
    const figures = measure(weighted(draws));
    for (const key of keys) {
      if (Number.isFinite(figures[key])) samples[key].push(figures[key]);
    }
  }
  const interval = (key: K): Interval => {
    const sorted = samples[key].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.round(q * (sorted.length - 1))] ?? NaN;
    return { value: point[key], low: at(0.025), high: at(0.975) };
  };
  return Object.fromEntries(keys.map((key) => [key, interval(key)])) as Record<K, Interval>;
}
