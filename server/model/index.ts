/**
 * The churn model: data sets, training with cross-validated choice of family and settings,
 * calibration, metrics, scoring with reasons, saving and loading, the starter model, and the
 * registry of each portal's models. It knows no CRM, queue or HTTP.
 */
export {
  datasetFromRecords,
  displayValue,
  subsetDataset,
  type ColumnKind,
  type Dataset,
  type FeatureColumn,
  type FeatureKind,
  type FeatureSpec,
  type RecordSpec,
  type RecordValue,
} from './dataset.js';
export { datasetFromCsv, type ColumnDecision, type CsvDatasetOptions } from './csv-dataset.js';
export { ModelDataError, ModelFormatError } from './errors.js';
export { foldsFromCsv, stratifiedFolds } from './folds.js';
export {
  brierScore,
  calibrationTable,
  eceNoiseFloor,
  evaluatePredictions,
  expectedCalibrationError,
  logLoss,
  prAuc,
  rocAuc,
  type CalibrationBin,
  type ModelMetrics,
} from './metrics.js';
export {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type CandidateResult,
  type Family,
  type Thresholds,
  type Tier,
  type TrainedModel,
} from './model.js';
export { trainingMedians } from './encoder.js';
export { trainModel, type TrainOptions } from './train.js';
export { DEFAULT_CANDIDATES, type Candidate } from './candidates.js';
export {
  crossValidate,
  SUMMARY_KEYS,
  type Evaluation,
  type EvaluateOptions,
  type FoldResult,
} from './evaluate.js';
export {
  predictProbabilities,
  scoreDataset,
  scoreRows,
  tierOf,
  topReasons,
  type Reason,
  type Score,
  type ScoreOptions,
} from './score.js';
export { scoreRowsInThread } from './score-in-thread.js';
export { parseModel, serializeModel } from './serialize.js';
export { needsStarterModel, starterModel, STARTER_MIN_CHURNERS, STARTER_WEIGHTS } from './starter.js';
export {
  activateModel,
  listModels,
  loadActiveModel,
  loadModel,
  saveModel,
  type LoadedModel,
  type ModelStatus,
  type StoredModel,
} from './registry.js';
export { currentBackend, tensorFlow, type TfBackend } from './tf-runtime.js';
