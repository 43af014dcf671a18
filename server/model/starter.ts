/**
 * The starter model scores a portal until it has enough labelled churners to learn from
 * (STARTER_MIN_CHURNERS). It is a logistic model with weights set by hand, not fitted: each
 * behaviour moves the log-odds of churn by a stated amount per unit, from a reference value that
 * counts as "normal" (a missing value counts as normal too, so it never adds risk by itself).
 *
 * The weights encode what every retention playbook starts from, in this order of strength:
 * customers who stopped using the product, whose use is falling, who are unhappy with support
 * or say so in surveys, and who are close to a renewal decision, leave more often; long-standing
 * customers and those who still read our emails leave less often. Sizes are kept modest (no
 * single behaviour moves the risk by more than 2.4 log-odds, from 10 % to 55 % at most) because
 * they are priors, not estimates: the first trained model replaces them.
 *
 * | feature                          | unit       | log-odds per unit | normal | held within |
 * | -------------------------------- | ---------- | ----------------- | ------ | ----------- |
 * | days_since_last_use              | 14 days    | +0.30             | 7      | 0 … 120     |
 * | usage_trend                      | 1 (halving)| −0.35             | 0      | −4 … 2      |
 * | tickets_90d                      | 1 ticket   | +0.15             | 1      | 0 … 10      |
 * | tickets_high_priority_share_90d  | 0.25       | +0.20             | 0      | 0 … 1       |
 * | support_sentiment_mean_90d       | 0.5        | −0.40             | 0      | −1 … 1      |
 * | nps_last                         | 1 point    | −0.15             | 7      | 0 … 10      |
 * | email_open_rate_90d              | 0.1        | −0.10             | 0.3    | 0 … 1       |
 * | days_to_next_renewal             | 30 days    | −0.10             | 180    | 0 … 365     |
 * | tenure_days                      | 365 days   | −0.25             | 365    | 0 … 1825    |
 *
 * Names are those of the feature catalogue (server/features). usage_trend is log2 of this
 * month's weekly use over the two months before (−1: halved, −4: a sixteenth, held there).
 * Monthly-billed customers are always within a month of renewal, so they carry about +0.5: they
 * are free to leave every month, and do so more often than those on yearly terms.
 * The intercept puts a customer with every behaviour normal at a 10 % churn risk over the
 * scoring horizon, a typical rate for subscription businesses.
 */
import { IDENTITY_CALIBRATION } from './calibration.js';
import type { FeatureSpec } from './dataset.js';
import type { EncoderBlock } from './encoder.js';
import { ModelDataError } from './errors.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type TrainedModel } from './model.js';

/** Below this many labelled churners a portal is scored by the starter model. */
export const STARTER_MIN_CHURNERS = 50;

export interface StarterWeight {
  name: string;
  label: string;
  unit: number;
  weight: number;
  normal: number;
  clip: [number, number];
}

export const STARTER_WEIGHTS: readonly StarterWeight[] = [
  {
    name: 'days_since_last_use',
    label: 'Days since they last used the product',
    unit: 14,
    weight: 0.3,
    normal: 7,
    clip: [0, 120],
  },
  {
    name: 'usage_trend',
    label: 'Usage trend (last 4 weeks)',
    unit: 0.5,
    weight: -0.5,
    normal: 0,
    clip: [-1, 1],
  },
  {
    name: 'tickets_90d',
    label: 'Support tickets, last 90 days',
    unit: 1,
    weight: 0.15,
    normal: 1,
    clip: [0, 10],
  },
  {
    name: 'tickets_high_priority_share_90d',
    label: 'Share of urgent tickets, last 90 days',
    unit: 0.25,
    weight: 0.2,
    normal: 0,
    clip: [0, 1],
  },
  {
    name: 'support_sentiment_mean_90d',
    label: 'Tone of their support messages, last 90 days',
    unit: 0.5,
    weight: -0.4,
    normal: 0,
    clip: [-1, 1],
  },
  { name: 'nps_last', label: 'Last NPS answer', unit: 1, weight: -0.15, normal: 7, clip: [0, 10] },
  {
    name: 'email_open_rate_90d',
    label: 'Email open rate, last 90 days',
    unit: 0.1,
    weight: -0.1,
    normal: 0.3,
    clip: [0, 1],
  },
  {
    name: 'days_to_next_renewal',
    label: 'Days to their next renewal',
    unit: 30,
    weight: -0.1,
    normal: 180,
    clip: [0, 365],
  },
  {
    name: 'tenure_days',
    label: 'Days as a customer',
    unit: 365,
    weight: -0.25,
    normal: 365,
    clip: [0, 1825],
  },
];

const STARTER_BASE_RATE = 0.1;

export function needsStarterModel(labelledChurners: number): boolean {
  return labelledChurners < STARTER_MIN_CHURNERS;
}

/**
 * The starter model over the behaviour features a portal has. With a catalogue, only features
 * it holds are used, under its labels; without one, all of them under the labels above.
 */
export function starterModel(catalogue?: readonly Pick<FeatureSpec, 'name' | 'label'>[]): TrainedModel {
  const labels = new Map(catalogue?.map((f) => [f.name, f.label]));
  const used = STARTER_WEIGHTS.filter((w) => !catalogue || labels.has(w.name));
  if (used.length === 0) {
    throw new ModelDataError(
      'starter_no_features',
      `the starter model needs at least one of: ${STARTER_WEIGHTS.map((w) => w.name).join(', ')}`,
    );
  }
  const blocks: EncoderBlock[] = used.map((w) => ({
    type: 'number',
    column: w.name,
    median: w.normal,
    mean: w.normal,
    scale: w.unit,
    missingFlag: false,
    clip: w.clip,
  }));
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    isStarter: true,
    trainedAt: new Date(0).toISOString(),
    seed: 0,
    encoder: {
      features: used.map((w) => ({ name: w.name, kind: 'numeric', label: labels.get(w.name) ?? w.label })),
      blocks,
    },
    baseline: used.map(() => 0),
    predictor: {
      family: 'logistic',
      params: { C: 0 }, // not fitted: the weights are set above
      state: {
        weights: used.map((w) => w.weight),
        intercept: Math.log(STARTER_BASE_RATE / (1 - STARTER_BASE_RATE)),
      },
    },
    calibration: IDENTITY_CALIBRATION,
    thresholds: { decision: 0.3, medium: 0.15, high: 0.3 },
    selection: [],
    training: { rows: 0, positives: 0 },
  };
}
