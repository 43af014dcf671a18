/** A trained (or starter) churn model: everything needed to score and explain new rows. */
import type { Calibration } from './calibration.js';
import type { EncoderState } from './encoder.js';
import type { GbdtParams, GbdtState } from './gbdt.js';
import type { LogisticParams, LogisticState } from './logistic.js';
import type { ModelMetrics } from './metrics.js';
import type { MlpParams, MlpState } from './mlp.js';
import type { OutOfTimeCheck } from './out-of-time.js';

export const MODEL_FORMAT = 'churn-radar-model';
/** Bumped whenever a saved model's shape changes; older files are refused with a clear error. */
export const MODEL_FORMAT_VERSION = 1;

export type Family = 'logistic' | 'mlp' | 'gbdt';

export type Predictor =
  | { family: 'logistic'; params: LogisticParams; state: LogisticState }
  | { family: 'mlp'; params: MlpParams; state: MlpState }
  | { family: 'gbdt'; params: GbdtParams; state: GbdtState };

export type Tier = 'low' | 'medium' | 'high';

export interface Thresholds {
  /** Churn is predicted at or above this probability (the F1-best cut on held-out rows). */
  decision: number;
  /** Tier cut points in probability: by default the top 10 % of training rows are high, the next 20 % medium. */
  medium: number;
  high: number;
}

/** One candidate family/setting as cross-validation inside the training data judged it. */
export interface CandidateResult {
  family: Family;
  params: Record<string, number>;
  /** Boosting rounds or epochs chosen by the held-out loss curve, where the family has them. */
  iterations?: number;
  cvRocAuc: number;
  cvLogLoss: number;
  chosen: boolean;
}

/** A trained model's metrics: its cross-validation's, and how that was split (absent on older models). */
export type TrainingMetrics = ModelMetrics & {
  /** Whether the cross-validation kept each group's rows (an account's, a contact's) in one fold. */
  cv_split?: 'groups' | 'rows';
  cv_groups?: number;
  /** Fitted on the past, judged on the latest cutoff: the figure to trust (see out-of-time.ts). */
  out_of_time?: OutOfTimeCheck;
  /** The other of the cross-validation's choice and the linear model, as the same check judged it. */
  out_of_time_alternative?: OutOfTimeAlternative;
  /**
   * What picked the candidate: the cross-validation, or the out-of-time check, which keeps the
   * linear model when it did better there than the cross-validation's choice.
   */
  chosen_by?: 'cross_validation' | 'out_of_time';
};

/** A candidate the out-of-time check judged and did not keep, with its ROC-AUC there. */
export interface OutOfTimeAlternative {
  family: Family;
  roc_auc: number;
}

export interface TrainedModel {
  format: typeof MODEL_FORMAT;
  formatVersion: typeof MODEL_FORMAT_VERSION;
  isStarter: boolean;
  trainedAt: string;
  seed: number;
  /** The label as read from the source ("Churn" = "Yes"), when trained from a labelled table. */
  target?: { column: string; positive: string };
  idColumn?: string;
  encoder: EncoderState;
  /** Mean encoded training row: the reference point reasons are measured from. */
  baseline: number[];
  predictor: Predictor;
  calibration: Calibration;
  thresholds: Thresholds;
  /** Cross-validated metrics of the chosen candidate, calibrated (absent for the starter model). */
  metrics?: TrainingMetrics;
  selection: CandidateResult[];
  training: { rows: number; positives: number; window?: { from: string; to: string } };
}
