/**
 * Scoring: calibrated churn probabilities, tiers, and for each row the signed contribution of
 * every input feature, in calibrated-logit units, so that baseLogit + Σ contributions = logit.
 */
import { calibrate, sigmoid } from './calibration.js';
import { datasetFromRecords, displayValue, type Dataset, type RecordValue } from './dataset.js';
import { encode, encodedFeatures } from './encoder.js';
import type { Thresholds, Tier, TrainedModel } from './model.js';
import { attribution, predictorLogits } from './predictor.js';
import type { TfBackend } from './tf-runtime.js';

export interface Reason {
  feature: string;
  /** The feature's human label (from the catalogue, or the column name). */
  label: string;
  value: string | number | null;
  /** Push on the calibrated logit: positive raises the churn risk, negative lowers it. */
  contribution: number;
  /** The reason in plain words, when the caller phrased it ("No purchase in 12 months"). */
  text?: string;
}

export interface Score {
  id?: string;
  probability: number;
  /** Calibrated logit: log(p / (1 − p)). */
  logit: number;
  tier: Tier;
  /** Where the reasons start from: the logit of an average training row (or tree expectation). */
  baseLogit?: number;
  /** Every feature's contribution, largest push (either sign) first. */
  reasons?: Reason[];
}

export interface ScoreOptions {
  /** Compute reasons (default true); probabilities alone are several times faster. */
  explain?: boolean;
  /**
   * Keep only the strongest this many reasons raising and lowering the risk (features that do
   * not move the score left out), still largest push first: what a card shows, built without
   * an object per feature and row.
   */
  reasonsEachWay?: number;
  thresholds?: Thresholds;
  backend?: TfBackend;
}

export function tierOf(probability: number, thresholds: Thresholds): Tier {
  if (probability >= thresholds.high) return 'high';
  if (probability >= thresholds.medium) return 'medium';
  return 'low';
}

/** Rows encoded at a time on the bulk path: memory stays flat and the block stays in cache. */
const BULK_CHUNK = 16_384;

/** Calibrated probabilities for every row, without reasons: the fast path for bulk scoring. */
export async function predictProbabilities(
  model: TrainedModel,
  dataset: Dataset,
  backend?: TfBackend,
): Promise<Float64Array> {
  const out = new Float64Array(dataset.size);
  for (let start = 0; start < dataset.size; start += BULK_CHUNK) {
    const end = Math.min(dataset.size, start + BULK_CHUNK);
    const logits = await predictorLogits(
      model.predictor,
      encode(model.encoder, dataset, start, end),
      backend,
    );
    for (let i = 0; i < logits.length; i++)
      out[start + i] = sigmoid(calibrate(model.calibration, logits[i]!));
  }
  return out;
}

export async function scoreDataset(
  model: TrainedModel,
  dataset: Dataset,
  options: ScoreOptions = {},
): Promise<Score[]> {
  const x = encode(model.encoder, dataset);
  const raw = await predictorLogits(model.predictor, x, options.backend);
  const thresholds = options.thresholds ?? model.thresholds;
  const { slope, intercept } = model.calibration;
  const explain = options.explain !== false;
  const sources = encodedFeatures(model.encoder).map((f) => f.source);
  const features = model.encoder.features;
  const byName = new Map(dataset.columns.map((c) => [c.name, c]));
  const explainRow = explain ? attribution(model.predictor, model.baseline) : undefined;
  const encoded = new Float64Array(x.cols);
  const perFeature = new Float64Array(features.length);
  return Array.from(raw, (z, i): Score => {
    const logit = slope * z + intercept;
    const probability = sigmoid(logit);
    const score: Score = { probability, logit, tier: tierOf(probability, thresholds) };
    if (dataset.ids) score.id = dataset.ids[i]!;
    if (explainRow) {
      const row = x.data.subarray(i * x.cols, (i + 1) * x.cols);
      const base = explainRow(row, encoded);
      perFeature.fill(0);
      for (let j = 0; j < x.cols; j++) perFeature[sources[j]!]! += encoded[j]!;
      score.baseLogit = slope * base + intercept;
      const reason = (s: number): Reason => ({
        feature: features[s]!.name,
        label: features[s]!.label,
        value: displayValue(byName.get(features[s]!.name)!, i),
        contribution: slope * perFeature[s]!,
      });
      score.reasons =
        options.reasonsEachWay === undefined
          ? features.map((_, s) => reason(s))
          : strongest(perFeature, slope, options.reasonsEachWay).map(reason);
      score.reasons.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    }
    return score;
  });
}

/** Indices of the `k` largest positive and `k` most negative of `slope · values`. */
function strongest(values: Float64Array, slope: number, k: number): number[] {
  const up: number[] = [];
  const down: number[] = [];
  const keep = (list: number[], s: number, stronger: (a: number, b: number) => boolean) => {
    if (list.length === k && !stronger(values[s]!, values[list[k - 1]!]!)) return;
    let at = Math.min(list.length, k - 1);
    if (list.length < k) list.push(s);
    while (at > 0 && stronger(values[s]!, values[list[at - 1]!]!)) {
      list[at] = list[at - 1]!;
      at--;
    }
    list[at] = s;
  };
  if (k <= 0) return [];
  for (let s = 0; s < values.length; s++) {
    const c = slope * values[s]!;
    if (c > 0) keep(up, s, (a, b) => slope * a > slope * b);
    else if (c < 0) keep(down, s, (a, b) => slope * a < slope * b);
  }
  return [...up, ...down];
}

/** Scores plain records (feature vectors keyed by feature name), as the scoring jobs hold them. */
export function scoreRows(
  model: TrainedModel,
  rows: readonly Record<string, RecordValue>[],
  options: ScoreOptions & { idKey?: string } = {},
): Promise<Score[]> {
  const dataset = datasetFromRecords(rows, {
    features: model.encoder.features,
    ...(options.idKey ? { id: options.idKey } : {}),
  });
  return scoreDataset(model, dataset, options);
}

/** The strongest reasons each way, for a card: what raises this customer's risk, what lowers it. */
export function topReasons(score: Score, count = 3): { up: Reason[]; down: Reason[] } {
  const reasons = score.reasons ?? [];
  return {
    up: reasons.filter((r) => r.contribution > 0).slice(0, count),
    down: reasons.filter((r) => r.contribution < 0).slice(0, count),
  };
}
