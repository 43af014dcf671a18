/**
 * The candidates cross-validation chooses among, and how each is fitted: on an inner fold (with
 * its held-out loss curve) and once more on all training rows with the chosen settings.
 */
import type { Matrix } from './encoder.js';
import { GbdtScorer } from './gbdt-scorer.js';
import { fitGbdt, truncateGbdt, type GbdtParams, type GbdtState } from './gbdt.js';
import { fitLogistic, logisticLogits, type LogisticParams } from './logistic.js';
import { fitMlp, mlpLogits, type MlpParams, type MlpState } from './mlp.js';
import type { Predictor } from './model.js';
import type { SeededRandom } from './random.js';
import type { TfBackend } from './tf-runtime.js';

export type Candidate =
  | { family: 'logistic'; params: LogisticParams }
  | { family: 'gbdt'; params: GbdtParams }
  | { family: 'mlp'; params: MlpParams };

/**
 * A split on an identity-like column (country, industry, company size: who the customer is) counts
 * for this share of its gain. Such columns mostly tell apart the accounts a portal happens to have:
 * in full they crowd out behaviour and do not carry over to the next quarter's churners. A table
 * without identity-like columns (any CSV) is fitted exactly as without the penalty.
 */
export const IDENTITY_GAIN = 0.4;

/**
 * An identity-like number (a company size) is cut into at most this many bands: finer cuts name
 * single accounts, whose shared fate the trees would learn by heart.
 */
export const IDENTITY_MAX_BINS = 8;

const TREES: GbdtParams = {
  maxDepth: 4,
  learningRate: 0.05,
  rounds: 1000,
  minChildWeight: 1,
  lambda: 1,
  subsample: 0.8,
  colsample: 0.8,
  maxBins: 255,
  identityGain: IDENTITY_GAIN,
  identityMaxBins: IDENTITY_MAX_BINS,
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
 * Trees stop once those after the best have had this much say in all (rounds × learning rate):
 * 60 rounds at 0.05, 30 at 0.1. On the generated portals (learning rate 0.1, seeds 1–5) 60 rounds
 * chose the same count and so the same model as 30, at about a tenth more of the fitting's CPU.
 */
const GBDT_PATIENCE_SAY = 3;
const MLP_PATIENCE = 8;

function gbdtPatience(params: GbdtParams): number {
  return Math.max(1, Math.round(GBDT_PATIENCE_SAY / params.learningRate));
}

/**
 * What one candidate gave on one inner fold, as plain data (a fitting thread sends it back):
 * held-out logits, or the held-out loss after each round or epoch with what scores after any.
 */
export type FoldOutcome =
  | { family: 'logistic'; logits: Float64Array }
  | { family: 'gbdt'; curve: number[]; trees: GbdtState }
  | { family: 'mlp'; curve: number[]; snapshots: MlpState[] };

/** A fold's outcome, read: held-out logits, or the curve and the logits after `n` iterations. */
export interface CandidateFit {
  logits?: Float64Array;
  /** Held-out log-loss after each round or epoch, and the held-out logits after `n` of them. */
  curve?: number[];
  at?: (iterations: number) => Promise<Float64Array>;
}

/** Fits a candidate on an inner fold's training rows, with its validation rows for the curve. */
export async function fitOnFold(
  candidate: Candidate,
  x: Matrix,
  labels: Uint8Array,
  random: SeededRandom,
  validation: { x: Matrix; labels: Uint8Array },
  backend: TfBackend | undefined,
): Promise<FoldOutcome> {
  switch (candidate.family) {
    case 'logistic': {
      const state = await fitLogistic(x, labels, candidate.params);
      return { family: 'logistic', logits: logisticLogits(state, validation.x) };
    }
    case 'gbdt': {
      const fit = await fitGbdt(x, labels, candidate.params, random, {
        ...validation,
        patience: gbdtPatience(candidate.params),
      });
      return { family: 'gbdt', curve: fit.validationLoss!, trees: fit.state };
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
      return { family: 'mlp', curve: fit.validationLoss!, snapshots: fit.snapshots! };
    }
  }
}

export function readFoldOutcome(
  outcome: FoldOutcome,
  validation: Matrix,
  backend: TfBackend | undefined,
): CandidateFit {
  switch (outcome.family) {
    case 'logistic':
      return { logits: outcome.logits };
    case 'gbdt':
      return {
        curve: outcome.curve,
        at: async (rounds) => new GbdtScorer(truncateGbdt(outcome.trees, rounds)).logits(validation),
      };
    case 'mlp':
      return {
        curve: outcome.curve,
        at: (epochs) => mlpLogits(outcome.snapshots[epochs - 1]!, validation, backend),
      };
  }
}

export async function fitFinal(
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
