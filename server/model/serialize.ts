/**
 * Saved models are JSON with a format tag and version. Numbers are written with full precision
 * (JavaScript prints the shortest string that reads back to the same double), so a reloaded
 * model scores identically. Loading validates the whole shape and refuses other versions.
 */
import { z } from 'zod';
import { ModelFormatError } from './errors.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type TrainedModel } from './model.js';

const num = z.number();
/** Metrics may hold NaN (say, ROC-AUC of a one-class fold); JSON writes it as null. */
const metric = z.union([z.number(), z.null()]).transform((v) => v ?? NaN);
const featureKind = z.enum(['numeric', 'categorical', 'boolean', 'date']);

const encoderBlock = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('number'),
    column: z.string(),
    median: num,
    mean: num,
    scale: num,
    missingFlag: z.boolean(),
    clip: z.tuple([num, num]).optional(),
  }),
  z.object({ type: z.literal('onehot'), column: z.string(), levels: z.array(z.string().nullable()) }),
  z.object({
    type: z.literal('target'),
    column: z.string(),
    rates: z.record(z.string(), num),
    prior: num,
    mean: num,
    scale: num,
  }),
]);

const predictor = z.discriminatedUnion('family', [
  z.object({
    family: z.literal('logistic'),
    params: z.object({ C: num }),
    state: z.object({ weights: z.array(num), intercept: num }),
  }),
  z.object({
    family: z.literal('mlp'),
    params: z.object({ hidden: num, l2: num, epochs: num, batchSize: num, learningRate: num }),
    state: z.object({
      inputs: z.number().int(),
      hidden: z.number().int(),
      w1: z.array(num),
      b1: z.array(num),
      w2: z.array(num),
      b2: num,
    }),
  }),
  z.object({
    family: z.literal('gbdt'),
    params: z.object({
      maxDepth: num,
      learningRate: num,
      rounds: num,
      minChildWeight: num,
      lambda: num,
      subsample: num,
      colsample: num,
      maxBins: num,
      identityGain: num.optional(),
      identityMaxBins: num.optional(),
    }),
    state: z.object({
      base: num,
      roots: z.array(z.number().int()),
      feature: z.array(z.number().int()),
      threshold: z.array(num),
      left: z.array(z.number().int()),
      value: z.array(num),
      cover: z.array(num),
    }),
  }),
]);

/** A figure with its 95 % interval; a bound is null (NaN) when no resample could measure it. */
const interval = z.object({ value: metric, low: metric, high: metric });
const checkedRows = {
  rows: num,
  churners: num,
  fit_rows: num,
  fit_churners: num,
  fit_period: z.object({ from: z.string(), to: z.string() }).optional(),
  validate_at: z.string().optional(),
};
const outOfTimeCheck = z.discriminatedUnion('status', [
  z.object({
    ...checkedRows,
    status: z.literal('measured'),
    groups: num,
    repeated_contacts: num.optional(),
    resamples: num,
    roc_auc: interval,
    pr_auc: interval,
    brier: interval,
    ece: metric,
    calibration_slope: interval,
    calibration_intercept: interval,
  }),
  z.object({ ...checkedRows, status: z.literal('too_few_churners'), minimum: num }),
]);

const metrics = z.object({
  rows: num,
  positives: num,
  roc_auc: metric,
  pr_auc: metric,
  threshold: num,
  accuracy: num,
  f1: num,
  accuracy_at_half: num,
  brier: num,
  log_loss: num,
  lift_top_decile: metric,
  capture_top_decile: metric,
  ece: num,
  calibration: z.array(z.object({ from: num, to: num, count: num, meanPredicted: num, observedRate: num })),
  cv_split: z.enum(['groups', 'rows']).optional(),
  cv_groups: num.optional(),
  out_of_time: outOfTimeCheck.optional(),
  out_of_time_alternative: z
    .object({ family: z.enum(['logistic', 'mlp', 'gbdt']), roc_auc: metric })
    .optional(),
  chosen_by: z.enum(['cross_validation', 'out_of_time']).optional(),
});

const modelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  isStarter: z.boolean(),
  trainedAt: z.string(),
  seed: num,
  target: z.object({ column: z.string(), positive: z.string() }).optional(),
  idColumn: z.string().optional(),
  encoder: z.object({
    features: z.array(
      z.object({
        name: z.string(),
        kind: featureKind,
        label: z.string(),
        identity: z.boolean().optional(),
        monotone: z.union([z.literal(1), z.literal(-1)]).optional(),
      }),
    ),
    blocks: z.array(encoderBlock),
  }),
  baseline: z.array(num),
  predictor,
  calibration: z.object({ slope: num, intercept: num }),
  thresholds: z.object({ decision: num, medium: num, high: num }),
  metrics: metrics.optional(),
  selection: z.array(
    z.object({
      family: z.enum(['logistic', 'mlp', 'gbdt']),
      params: z.record(z.string(), num),
      iterations: num.optional(),
      cvRocAuc: metric,
      cvLogLoss: metric,
      chosen: z.boolean(),
    }),
  ),
  training: z.object({
    rows: num,
    positives: num,
    window: z.object({ from: z.string(), to: z.string() }).optional(),
  }),
});

export function serializeModel(model: TrainedModel): string {
  return JSON.stringify(model);
}

/** Reads a saved model (JSON text or an already-parsed object, as from a jsonb column). */
export function parseModel(input: string | unknown): TrainedModel {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new ModelFormatError(`not a model file: ${(error as Error).message}`);
    }
  }
  const header = z.object({ format: z.string(), formatVersion: z.number() }).safeParse(value);
  if (!header.success || header.data.format !== MODEL_FORMAT) {
    throw new ModelFormatError(`not a Churn Radar model (expected "format": "${MODEL_FORMAT}")`);
  }
  if (header.data.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(
      `model format version ${header.data.formatVersion} is not supported (this version reads ${MODEL_FORMAT_VERSION}); retrain the model`,
    );
  }
  const parsed = modelSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ModelFormatError(
      `damaged model file at ${issue.path.join('.') || 'top level'}: ${issue.message}`,
      {
        issues: parsed.error.issues.slice(0, 5),
      },
    );
  }
  return parsed.data as TrainedModel;
}
