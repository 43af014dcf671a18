/**
 * Cross-validated evaluation: for each outer fold, train on the other folds (with the whole
 * selection and calibration inside them) and measure on the held-out fold.
 */
import { requireLabels, subsetDataset, type Dataset } from './dataset.js';
import { foldCount, splitFold } from './folds.js';
import { evaluatePredictions, type ModelMetrics } from './metrics.js';
import type { Family } from './model.js';
import { predictProbabilities } from './score.js';
import { trainModel, type TrainOptions } from './train.js';

/** The numbers reported per fold and on average (the calibration table is kept per fold only). */
export const SUMMARY_KEYS = [
  'roc_auc',
  'pr_auc',
  'accuracy',
  'f1',
  'accuracy_at_half',
  'brier',
  'log_loss',
  'ece',
  'lift_top_decile',
  'capture_top_decile',
  'threshold',
] as const;

export type MetricSummary = Record<(typeof SUMMARY_KEYS)[number], number>;

export interface FoldResult extends MetricSummary {
  fold: number;
  family: Family;
  rows: number;
  seconds: number;
  calibration: ModelMetrics['calibration'];
}

export interface Evaluation {
  folds: FoldResult[];
  mean: MetricSummary;
}

export interface EvaluateOptions extends Omit<TrainOptions, 'onProgress'> {
  onProgress?: (fold: number, done: number, total: number) => void;
  onFold?: (result: FoldResult) => void;
}

export async function crossValidate(
  dataset: Dataset,
  folds: Uint8Array,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  requireLabels(dataset);
  const results: FoldResult[] = [];
  const k = foldCount(folds);
  for (let f = 0; f < k; f++) {
    const started = performance.now();
    const { train, test } = splitFold(folds, f);
    const testSet = subsetDataset(dataset, test);
    const { onProgress, onFold, ...trainOptions } = options;
    const model = await trainModel(subsetDataset(dataset, train), {
      ...trainOptions,
      ...(onProgress ? { onProgress: (done, total) => onProgress(f, done, total) } : {}),
    });
    const probabilities = await predictProbabilities(model, testSet, options.backend);
    const metrics = evaluatePredictions(probabilities, testSet.labels!, model.thresholds.decision);
    const result: FoldResult = {
      fold: f,
      family: model.predictor.family,
      rows: test.length,
      seconds: (performance.now() - started) / 1000,
      ...pick(metrics),
      calibration: metrics.calibration,
    };
    results.push(result);
    onFold?.(result);
  }
  const mean = Object.fromEntries(
    SUMMARY_KEYS.map((key) => [key, results.reduce((s, r) => s + r[key], 0) / results.length]),
  ) as MetricSummary;
  return { folds: results, mean };
}

function pick(metrics: ModelMetrics): MetricSummary {
  return Object.fromEntries(SUMMARY_KEYS.map((key) => [key, metrics[key]])) as MetricSummary;
}
