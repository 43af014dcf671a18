/**
 * Training: every candidate family and setting is cross-validated inside the training data; the
 * best by held-out ROC-AUC is refitted on all of it, Platt-calibrated on its held-out logits, and
 * given thresholds and cross-validated metrics. Nothing outside the given rows is looked at.
 */
import { fitPlatt, sigmoid } from './calibration.js';
import { requireLabels, subsetDataset, type Dataset } from './dataset.js';
import { encode, fitEncoder, type Matrix } from './encoder.js';
import { ModelDataError } from './errors.js';
import { splitFold, stratifiedFolds } from './folds.js';
import { fitGbdt, truncateGbdt, type GbdtParams } from './gbdt.js';
import { GbdtScorer } from './gbdt-scorer.js';
import { fitLogistic, logisticLogits, type LogisticParams } from './logistic.js';
import { bestF1Threshold, evaluatePredictions, logLoss, rocAuc } from './metrics.js';
import { fitMlp, mlpLogits, type MlpParams } from './mlp.js';
import {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type CandidateResult,
  type Family,
  type Predictor,
  type TrainedModel,
} from './model.js';
import { SeededRandom } from './random.js';
import type { TfBackend } from './tf-runtime.js';

export type Candidate =
  | { family: 'logistic'; params: LogisticParams }
  | { family: 'gbdt'; params: GbdtParams }
  | { family: 'mlp'; params: MlpParams };

const TREES: GbdtParams = {
  maxDepth: 4,
  learningRate: 0.05,
  rounds: 1000,
  minChildWeight: 1,
  lambda: 1,
  subsample: 0.8,
  colsample: 0.8,
  maxBins: 255,
};

/**
 * The settings tried on every table. They are the usual defaults of each family, spread over the
 * range that matters most (penalty strength, tree depth); rounds and epochs are upper bounds that
 * the held-out loss curve cuts short.
 */
export const DEFAULT_CANDIDATES: readonly Candidate[] = [
  { family: 'logistic', params: { C: 0.1 } },
  { family: 'logistic', params: { C: 1 } },
  { family: 'gbdt', params: { ...TREES, maxDepth: 2 } },
  { family: 'gbdt', params: { ...TREES, maxDepth: 4 } },
  { family: 'mlp', params: { hidden: 32, l2: 1e-3, epochs: 40, batchSize: 256, learningRate: 3e-3 } },
];

/**
 * Held-out curves stop this long after their best point. Each inner fold stops on its own, and
 * the mean curve is read up to the shortest, so every fold has run well past the chosen count.
 */
const GBDT_PATIENCE = 60;
const MLP_PATIENCE = 8;

export interface TrainOptions {
  seed?: number;
  /** Folds of the cross-validation inside the training data. */
  innerFolds?: number;
  families?: readonly Family[];
  candidates?: readonly Candidate[];
  backend?: TfBackend;
  /** The period the training rows describe, kept with the model. */
  window?: { from: string; to: string };
  idColumn?: string;
  onProgress?: (done: number, total: number) => void;
}

interface FoldRun {
  rows: number[];
  labels: Uint8Array;
  logits?: Float64Array;
  /** Held-out log-loss after each round or epoch, and the held-out logits after `n` of them. */
  curve?: number[];
  at?: (iterations: number) => Promise<Float64Array>;
}

export async function trainModel(dataset: Dataset, options: TrainOptions = {}): Promise<TrainedModel> {
  const labels = requireLabels(dataset);
  const seed = options.seed ?? 42;
  const k = options.innerFolds ?? 5;
  let positives = 0;
  for (const y of labels) positives += y;
  if (positives < k || labels.length - positives < k) {
    throw new ModelDataError(
      'too_few_rows',
      `cross-validation over ${k} folds needs at least ${k} churned and ${k} retained rows ` +
        `(got ${positives} and ${labels.length - positives})`,
      { column: dataset.target?.column ?? 'label' },
    );
  }
  const families = options.families;
  const candidates = (options.candidates ?? DEFAULT_CANDIDATES).filter(
    (c) => !families || families.includes(c.family),
  );
  if (candidates.length === 0) throw new ModelDataError('no_candidates', 'no model family left to train');
  const folds = stratifiedFolds(labels, k, seed);
  const total = k * candidates.length + 1;
  let done = 0;
  options.onProgress?.(done, total);

  const runs: FoldRun[][] = candidates.map(() => []);
  for (let f = 0; f < k; f++) {
    const { train, test } = splitFold(folds, f);
    const trainSet = subsetDataset(dataset, train);
    const validSet = subsetDataset(dataset, test);
    const { state, matrix } = fitEncoder(trainSet, trainSet.labels!, new SeededRandom(seed + 7919 * (f + 1)));
    const validation = { x: encode(state, validSet), labels: validSet.labels! };
    for (let c = 0; c < candidates.length; c++) {
      const random = new SeededRandom(seed + 104729 * (f + 1) + 31 * (c + 1));
      const run = await fitCandidate(
        candidates[c]!,
        matrix,
        trainSet.labels!,
        random,
        validation,
        options.backend,
      );
      runs[c]!.push({ rows: test, labels: validation.labels, ...run });
      options.onProgress?.(++done, total);
    }
  }

  const n = dataset.size;
  const results: {
    candidate: Candidate;
    iterations?: number;
    oof: Float64Array;
    auc: number;
    loss: number;
  }[] = [];
  for (let c = 0; c < candidates.length; c++) {
    const foldRuns = runs[c]!;
    let iterations: number | undefined;
    if (foldRuns[0]!.curve) {
      const length = Math.min(...foldRuns.map((r) => r.curve!.length));
      let best = Infinity;
      for (let it = 0; it < length; it++) {
        const mean = foldRuns.reduce((s, r) => s + r.curve![it]!, 0) / foldRuns.length;
        if (mean < best) {
          best = mean;
          iterations = it + 1;
        }
      }
    }
    const oof = new Float64Array(n);
    let auc = 0;
    let loss = 0;
    for (const run of foldRuns) {
      const logits = run.logits ?? (await run.at!(iterations!));
      run.rows.forEach((row, i) => (oof[row] = logits[i]!));
      auc += rocAuc(logits, run.labels) / foldRuns.length;
      loss += logLoss(Array.from(logits, sigmoid), run.labels) / foldRuns.length;
    }
    results.push({ candidate: candidates[c]!, ...(iterations ? { iterations } : {}), oof, auc, loss });
  }
  const chosen = results.reduce((best, r) => (r.auc > best.auc ? r : best));

  const calibration = fitPlatt(chosen.oof, labels);
  const heldOut = Float64Array.from(chosen.oof, (z) =>
    sigmoid(calibration.slope * z + calibration.intercept),
  );
  const decision = bestF1Threshold(heldOut, labels);
  const sorted = Float64Array.from(heldOut).sort();
  const thresholds = {
    decision,
    medium: sorted[Math.floor(0.7 * (n - 1))]!,
    high: sorted[Math.floor(0.9 * (n - 1))]!,
  };

  const { state: encoder, matrix } = fitEncoder(dataset, labels, new SeededRandom(seed));
  const predictor = await fitFinal(
    chosen.candidate,
    chosen.iterations,
    matrix,
    labels,
    new SeededRandom(seed + 1),
    options.backend,
  );
  options.onProgress?.(total, total);

  const model: TrainedModel = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    isStarter: false,
    trainedAt: new Date().toISOString(),
    seed,
    encoder,
    baseline: columnMeans(matrix),
    predictor,
    calibration,
    thresholds,
    metrics: evaluatePredictions(heldOut, labels, decision),
    selection: results.map((r): CandidateResult => ({
      family: r.candidate.family,
      params: { ...r.candidate.params } as unknown as Record<string, number>,
      ...(r.iterations ? { iterations: r.iterations } : {}),
      cvRocAuc: r.auc,
      cvLogLoss: r.loss,
      chosen: r === chosen,
    })),
    training: { rows: n, positives, ...(options.window ? { window: options.window } : {}) },
  };
  if (dataset.target) model.target = dataset.target;
  if (options.idColumn) model.idColumn = options.idColumn;
  return model;
}

async function fitCandidate(
  candidate: Candidate,
  x: Matrix,
  labels: Uint8Array,
  random: SeededRandom,
  validation: { x: Matrix; labels: Uint8Array },
  backend: TfBackend | undefined,
): Promise<Omit<FoldRun, 'rows' | 'labels'>> {
  switch (candidate.family) {
    case 'logistic': {
      const state = await fitLogistic(x, labels, candidate.params);
      return { logits: logisticLogits(state, validation.x) };
    }
    case 'gbdt': {
      const fit = await fitGbdt(x, labels, candidate.params, random, {
        ...validation,
        patience: GBDT_PATIENCE,
      });
      return {
        curve: fit.validationLoss!,
        at: async (rounds) => new GbdtScorer(truncateGbdt(fit.state, rounds)).logits(validation.x),
      };
    }
    case 'mlp': {
      const fit = await fitMlp(
        x,
        labels,
        candidate.params,
        random,
        { ...validation, patience: MLP_PATIENCE },
        backend,
      );
      return {
        curve: fit.validationLoss!,
        at: (epochs) => mlpLogits(fit.snapshots![epochs - 1]!, validation.x, backend),
      };
    }
  }
}

async function fitFinal(
  candidate: Candidate,
  iterations: number | undefined,
  x: Matrix,
  labels: Uint8Array,
  random: SeededRandom,
  backend: TfBackend | undefined,
): Promise<Predictor> {
  switch (candidate.family) {
    case 'logistic':
      return {
        family: 'logistic',
        params: candidate.params,
        state: await fitLogistic(x, labels, candidate.params),
      };
    case 'gbdt': {
      const params = { ...candidate.params, rounds: iterations ?? candidate.params.rounds };
      return { family: 'gbdt', params, state: (await fitGbdt(x, labels, params, random)).state };
    }
    case 'mlp': {
      const params = { ...candidate.params, epochs: iterations ?? candidate.params.epochs };
      return {
        family: 'mlp',
        params,
        state: (await fitMlp(x, labels, params, random, undefined, backend)).state,
      };
    }
  }
}

function columnMeans(x: Matrix): number[] {
  const means = new Array<number>(x.cols).fill(0);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) means[j]! += x.data[i * x.cols + j]!;
  return means.map((s) => s / x.rows);
}
