/**
 * Training: every candidate family and setting is cross-validated inside the training data (by
 * group when rows are grouped: a group's rows never straddle folds); the best by held-out ROC-AUC
 * is refitted on all of it, Platt-calibrated on its held-out logits, and given thresholds and
 * cross-validated metrics, and, when asked, an out-of-time check. Nothing outside the given rows
 * is looked at.
 */
import { fitPlatt, sigmoid } from './calibration.js';
import {
  DEFAULT_CANDIDATES,
  fitFinal,
  fitOnFold,
  readFoldOutcome,
  type Candidate,
  type CandidateFit,
  type FoldOutcome,
} from './candidates.js';
import { requireLabels, subsetDataset, type Dataset } from './dataset.js';
import { encode, fitEncoder, type Matrix } from './encoder.js';
import { ModelDataError } from './errors.js';
import { fitFinalInThread, fitFoldsInThreads, foldThreads, type FoldTask } from './fold-fit-pool.js';
import { splitFold, stratifiedFolds } from './folds.js';
import { stratifiedGroupFolds } from './grouped-folds.js';
import { bestF1Threshold, evaluatePredictions, logLoss, rocAuc } from './metrics.js';
import {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type CandidateResult,
  type Family,
  type Predictor,
  type Thresholds,
  type TrainedModel,
} from './model.js';
import { checkOutOfTime, type OutOfTimeCheck, type OutOfTimeSplit } from './out-of-time.js';
import type { OutOfTimeAlternative } from './model.js';
import { SeededRandom } from './random.js';
import type { TfBackend } from './tf-runtime.js';

export interface TrainOptions {
  seed?: number;
  /** Folds of the cross-validation inside the training data. */
  innerFolds?: number;
  families?: readonly Family[];
  candidates?: readonly Candidate[];
  /**
   * Places in `candidates` (after `families`) not to fit this time. Every other candidate's fits
   * are seeded by its place all the same, so leaving one out changes no other fit.
   */
  skip?: readonly number[];
  backend?: TfBackend;
  /** The period the training rows describe, kept with the model. */
  window?: { from: string; to: string };
  idColumn?: string;
  /**
   * Threads the cross-validation's fits share; by default one per core once the data set is big
   * enough to be worth it. With more than one, the chosen candidate's final fit also runs beside
   * the out-of-time checks. The model is the same whatever the count.
   */
  threads?: number;
  /**
   * Each row's group (one per row): rows that share an outcome, such as one contact's rows from
   * several cutoffs or the contacts of one account. The cross-validation keeps a group in one
   * fold, so candidate choice, the stopping round and the calibration see only unseen groups.
   */
  groups?: readonly string[];
  /** Rows to fit the chosen candidate on and a later cutoff's rows to judge it on (out-of-time.ts). */
  outOfTime?: OutOfTimeSplit;
  onProgress?: (done: number, total: number) => void;
}

interface Judged {
  candidate: Candidate;
  iterations?: number;
  /** Held-out logit of every training row, each from the inner model that did not see it. */
  oof: Float64Array;
  auc: number;
  loss: number;
}

export async function trainModel(dataset: Dataset, options: TrainOptions = {}): Promise<TrainedModel> {
  const labels = requireLabels(dataset);
  const seed = options.seed ?? 42;
  const k = options.innerFolds ?? 5;
  const positives = labels.reduce((s, y) => s + y, 0);
  if (positives < k || labels.length - positives < k) {
    throw new ModelDataError(
      'too_few_rows',
      `cross-validation over ${k} folds needs at least ${k} churned and ${k} retained rows ` +
        `(got ${positives} and ${labels.length - positives})`,
      { column: dataset.target?.column ?? 'label' },
    );
  }
  const families = options.families;
  const listed = (options.candidates ?? DEFAULT_CANDIDATES).filter(
    (c) => !families || families.includes(c.family),
  );
  // A network cannot be held to a monotone column's direction (`FeatureSpec.monotone`): on such a
  // table only the families that can are tried.
  const heldToDirections = dataset.columns.some((c) => c.monotone);
  const candidates = listed
    .map((candidate, place) => ({ candidate, place }))
    .filter(({ place }) => !options.skip?.includes(place))
    .filter(({ candidate }) => !(heldToDirections && candidate.family === 'mlp'));
  if (candidates.length === 0) throw new ModelDataError('no_candidates', 'no model family left to train');
  const total = k * candidates.length + 1 + (options.outOfTime ? 2 : 0);
  const progress = (done: number) => options.onProgress?.(done, total);

  const folds = options.groups
    ? stratifiedGroupFolds(labels, options.groups, k, seed)
    : stratifiedFolds(labels, k, seed);
  const judged = await judgeCandidates(dataset, labels, folds, candidates, k, seed, options, progress);
  const byCv = judged.reduce((best, r) => (r.auc > best.auc ? r : best));
  const outOfTimeOf = (r: Judged) =>
    checkOutOfTime({
      dataset,
      labels,
      split: options.outOfTime!,
      candidate: r.candidate,
      iterations: r.iterations,
      heldOutLogits: r.oof,
      ...(options.groups ? { groups: options.groups } : {}),
      seed,
      ...(options.backend ? { backend: options.backend } : {}),
    });
  const { state: encoder, matrix } = fitEncoder(dataset, labels, new SeededRandom(seed));
  // The cross-validation's choice is fitted on every row on a thread of its own while the
  // out-of-time checks run here: it is the model unless the linear one carries over better.
  const ahead =
    options.outOfTime && byCv.candidate.family !== 'mlp' && (options.threads ?? foldThreads(dataset.size)) > 1
      ? fitFinalInThread({
          candidate: byCv.candidate,
          iterations: byCv.iterations,
          x: matrix,
          labels,
          seed: seed + 1,
        })
      : undefined;
  ahead?.predictor.catch(() => {}); // a failure surfaces where the predictor is awaited
  let chosen = byCv;
  let outOfTime: OutOfTimeCheck | undefined;
  let alternative: OutOfTimeAlternative | undefined;
  try {
    outOfTime = options.outOfTime ? await outOfTimeOf(byCv) : undefined;
    // The linear model beside the cross-validation's choice, judged the way the model is used:
    // fitted on the past, scored on the latest cutoff. The better there is kept.
    const linear = judged
      .filter((r) => r.candidate.family === 'logistic')
      .reduce<Judged | undefined>((best, r) => (!best || r.auc > best.auc ? r : best), undefined);
    if (outOfTime?.status === 'measured' && linear && linear !== byCv) {
      const linearCheck = await outOfTimeOf(linear);
      if (linearCheck.status === 'measured') {
        const linearWins = linearCheck.roc_auc.value > outOfTime.roc_auc.value;
        const [kept, other] = linearWins ? [linear, byCv] : [byCv, linear];
        const otherCheck = linearWins ? outOfTime : linearCheck;
        alternative = { family: other.candidate.family, roc_auc: otherCheck.roc_auc.value };
        if (linearWins) {
          chosen = kept;
          outOfTime = linearCheck;
        }
      }
    }
  } catch (error) {
    ahead?.cancel();
    throw error;
  }
  const calibration = fitPlatt(chosen.oof, labels);
  const heldOut = Float64Array.from(chosen.oof, (z) =>
    sigmoid(calibration.slope * z + calibration.intercept),
  );
  const thresholds = chooseThresholds(heldOut, labels);

  let predictor: Predictor;
  if (ahead && chosen === byCv) predictor = await ahead.predictor;
  else {
    ahead?.cancel();
    predictor = await fitFinal(
      chosen.candidate,
      chosen.iterations,
      matrix,
      labels,
      new SeededRandom(seed + 1),
      options.backend,
    );
  }
  progress(total);

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
    metrics: {
      ...evaluatePredictions(heldOut, labels, thresholds.decision),
      ...(options.groups
        ? { cv_split: 'groups', cv_groups: new Set(options.groups).size }
        : { cv_split: 'rows' }),
      ...(outOfTime ? { out_of_time: outOfTime } : {}),
      ...(alternative ? { out_of_time_alternative: alternative } : {}),
      chosen_by: chosen === byCv ? 'cross_validation' : 'out_of_time',
    },
    selection: judged.map((r): CandidateResult => ({
      family: r.candidate.family,
      params: { ...r.candidate.params } as unknown as Record<string, number>,
      ...(r.iterations ? { iterations: r.iterations } : {}),
      cvRocAuc: r.auc,
      cvLogLoss: r.loss,
      chosen: r === chosen,
    })),
    training: { rows: dataset.size, positives, ...(options.window ? { window: options.window } : {}) },
  };
  if (dataset.target) model.target = dataset.target;
  if (options.idColumn) model.idColumn = options.idColumn;
  return model;
}

/**
 * Fits every candidate on every inner fold (the encoder too is fitted on the fold's training
 * part only), on threads side by side when the data set is big enough, then reads each
 * candidate's mean held-out curve to choose its rounds or epochs.
 */
async function judgeCandidates(
  dataset: Dataset,
  labels: Uint8Array,
  folds: Uint8Array,
  placed: readonly { candidate: Candidate; place: number }[],
  k: number,
  seed: number,
  options: Pick<TrainOptions, 'backend' | 'threads'>,
  progress: (done: number) => void,
): Promise<Judged[]> {
  const { backend } = options;
  const tasks: (FoldTask & { fold: number; rows: number[] })[] = [];
  for (let f = 0; f < k; f++) {
    const { train, test } = splitFold(folds, f);
    const trainSet = subsetDataset(dataset, train);
    const validSet = subsetDataset(dataset, test);
    const { state, matrix } = fitEncoder(trainSet, trainSet.labels!, new SeededRandom(seed + 7919 * (f + 1)));
    const validation = { x: encode(state, validSet), labels: validSet.labels! };
    for (const { candidate, place } of placed) {
      tasks.push({
        candidate,
        x: matrix,
        labels: trainSet.labels!,
        validation,
        seed: seed + 104729 * (f + 1) + 31 * (place + 1),
        ...(backend ? { backend } : {}),
        fold: f,
        rows: test,
      });
    }
  }
  let done = 0;
  progress(done);
  const threads = options.threads ?? foldThreads(dataset.size);
  let outcomes: FoldOutcome[];
  if (threads > 1) {
    outcomes = await fitFoldsInThreads(
      tasks.map(({ fold: _fold, rows: _rows, ...task }) => task),
      threads,
      () => progress(++done),
    );
  } else {
    outcomes = [];
    for (const t of tasks) {
      outcomes.push(
        await fitOnFold(t.candidate, t.x, t.labels, new SeededRandom(t.seed), t.validation, backend),
      );
      progress(++done);
    }
  }
  const candidates = placed.map((p) => p.candidate);
  const runs: (CandidateFit & { rows: number[]; labels: Uint8Array })[][] = candidates.map(() => []);
  tasks.forEach((t, i) => {
    runs[candidates.indexOf(t.candidate)]!.push({
      rows: t.rows,
      labels: t.validation.labels,
      ...readFoldOutcome(outcomes[i]!, t.validation.x, backend),
    });
  });
  const judged: Judged[] = [];
  for (let c = 0; c < candidates.length; c++) {
    const foldRuns = runs[c]!;
    const iterations = foldRuns[0]!.curve ? bestIteration(foldRuns.map((r) => r.curve!)) : undefined;
    const oof = new Float64Array(dataset.size);
    let auc = 0;
    let loss = 0;
    for (const run of foldRuns) {
      const logits = run.logits ?? (await run.at!(iterations!));
      run.rows.forEach((row, i) => (oof[row] = logits[i]!));
      auc += rocAuc(logits, run.labels) / foldRuns.length;
      loss += logLoss(Array.from(logits, sigmoid), run.labels) / foldRuns.length;
    }
    judged.push({ candidate: candidates[c]!, ...(iterations ? { iterations } : {}), oof, auc, loss });
  }
  return judged;
}

/** The round (1-based) where the folds' mean held-out loss is lowest, up to the shortest curve. */
function bestIteration(curves: number[][]): number {
  const length = Math.min(...curves.map((c) => c.length));
  let best = 0;
  let bestLoss = Infinity;
  for (let it = 0; it < length; it++) {
    const mean = curves.reduce((s, c) => s + c[it]!, 0) / curves.length;
    if (mean < bestLoss) {
      bestLoss = mean;
      best = it;
    }
  }
  return best + 1;
}

/**
 * The F1-best decision threshold, and tiers by default: the top 10 % of held-out training scores
 * are high, the next 20 % medium.
 */
function chooseThresholds(probabilities: Float64Array, labels: Uint8Array): Thresholds {
  const sorted = Float64Array.from(probabilities).sort();
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
  return { decision: bestF1Threshold(probabilities, labels), medium: at(0.7), high: at(0.9) };
}

function columnMeans(x: Matrix): number[] {
  const means = new Array<number>(x.cols).fill(0);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) means[j]! += x.data[i * x.cols + j]!;
  return means.map((s) => s / x.rows);
}
