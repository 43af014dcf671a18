/**
 * How good a set of churn probabilities is: ranking (ROC-AUC, PR-AUC, lift), decisions at a
 * threshold (accuracy, F1), and whether "30 %" really means 30 % (Brier, log loss, calibration).
 */

export interface CalibrationBin {
  /** Bin bounds in predicted probability: [from, to). */
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface ModelMetrics {
  rows: number;
  positives: number;
  roc_auc: number;
  pr_auc: number;
  threshold: number;
  accuracy: number;
  f1: number;
  accuracy_at_half: number;
  brier: number;
  log_loss: number;
  /** Churn rate among the top 10 % of scores over the overall churn rate. */
  lift_top_decile: number;
  /** Share of all churners found in the top 10 % of scores. */
  capture_top_decile: number;
  ece: number;
  calibration: CalibrationBin[];
}

/** ROC-AUC from ranks, ties counting half. */
export function rocAuc(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = sortedIndex(probabilities, true);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && probabilities[order[j]!] === probabilities[order[i]!]) j++;
    const meanRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        rankSum += meanRank;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Average precision: precision at each distinct threshold weighted by the recall it adds. */
export function prAuc(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = sortedIndex(probabilities, false);
  let total = 0;
  for (let i = 0; i < labels.length; i++) total += labels[i]!;
  if (total === 0) return NaN;
  let tp = 0;
  let ap = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    let added = 0;
    while (j < order.length && probabilities[order[j]!] === probabilities[order[i]!]) {
      added += labels[order[j]!]!;
      j++;
    }
    tp += added;
    ap += (added / total) * (tp / j);
    i = j;
  }
  return ap;
}

export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += (probabilities[i]! - labels[i]!) ** 2;
  return sum / labels.length;
}

export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probabilities[i]!));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}

/** Ten equal-width bins of predicted probability, with the observed churn rate in each. */
export function calibrationTable(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): CalibrationBin[] {
  const count = new Array<number>(bins).fill(0);
  const predicted = new Array<number>(bins).fill(0);
  const observed = new Array<number>(bins).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const b = Math.min(bins - 1, Math.floor(probabilities[i]! * bins));
    count[b]! += 1;
    predicted[b]! += probabilities[i]!;
    observed[b]! += labels[i]!;
  }
  return count.map((n, b) => ({
    from: b / bins,
    to: (b + 1) / bins,
    count: n,
    meanPredicted: n ? predicted[b]! / n : 0,
    observedRate: n ? observed[b]! / n : 0,
  }));
}

/** Expected calibration error: the count-weighted gap between predicted and observed per bin. */
export function expectedCalibrationError(table: CalibrationBin[]): number {
  const total = table.reduce((s, b) => s + b.count, 0);
  return table.reduce((s, b) => s + (b.count / total) * Math.abs(b.meanPredicted - b.observedRate), 0);
}

/** The threshold with the best F1 on these predictions (a churn-focused decision rule). */
export function bestF1Threshold(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = sortedIndex(probabilities, false);
  let total = 0;
  for (let i = 0; i < labels.length; i++) total += labels[i]!;
  let tp = 0;
  let best = -1;
  let threshold = 0.5;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && probabilities[order[j]!] === probabilities[order[i]!])
      tp += labels[order[j++]!]!;
    const f1 = (2 * tp) / (j + total);
    if (f1 > best) {
      best = f1;
      threshold = probabilities[order[i]!]!;
    }
    i = j;
  }
  return threshold;
}

export function evaluatePredictions(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold = 0.5,
): ModelMetrics {
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i]!;
  let tp = 0;
  let fp = 0;
  let correct = 0;
  let correctHalf = 0;
  for (let i = 0; i < n; i++) {
    const p = probabilities[i]!;
    const y = labels[i]!;
    const flagged = p >= threshold;
    if (flagged && y === 1) tp++;
    if (flagged && y === 0) fp++;
    if (flagged === (y === 1)) correct++;
    if (p >= 0.5 === (y === 1)) correctHalf++;
  }
  const top = Math.max(1, Math.round(n / 10));
  const order = sortedIndex(probabilities, false);
  let topPositives = 0;
  for (let k = 0; k < top; k++) topPositives += labels[order[k]!]!;
  const calibration = calibrationTable(probabilities, labels);
  const rate = positives / n;
  return {
    rows: n,
    positives,
    roc_auc: rocAuc(probabilities, labels),
    pr_auc: prAuc(probabilities, labels),
    threshold,
    accuracy: correct / n,
    f1: tp + fp + positives === 0 ? 0 : (2 * tp) / (tp + fp + positives),
    accuracy_at_half: correctHalf / n,
    brier: brierScore(probabilities, labels),
    log_loss: logLoss(probabilities, labels),
    lift_top_decile: rate > 0 ? topPositives / top / rate : NaN,
    capture_top_decile: positives > 0 ? topPositives / positives : NaN,
    ece: expectedCalibrationError(calibration),
    calibration,
  };
}

/** Row indices ordered by probability (ascending or descending), ties by index for stability. */
function sortedIndex(values: ArrayLike<number>, ascending: boolean): Uint32Array {
  const order = Uint32Array.from({ length: values.length }, (_, i) => i);
  const sign = ascending ? 1 : -1;
  return order.sort((a, b) => sign * (values[a]! - values[b]!) || a - b);
}

/**
 * The ECE a perfectly calibrated model would show on average with these bins: each bin's churn
 * count drawn as Binomial(count, meanPredicted). It is sampling noise, not miscalibration; with a
 * thousand-odd rows it is about 0.02, so an ECE near it means "as calibrated as can be told".
 */
export function eceNoiseFloor(table: CalibrationBin[]): number {
  const total = table.reduce((s, b) => s + b.count, 0);
  return table.reduce((s, b) => s + (b.count / total) * meanAbsoluteDeviation(b.count, b.meanPredicted), 0);
}

/** E|X/n − p| for X ~ Binomial(n, p), summed in log space so large n does not underflow. */
function meanAbsoluteDeviation(n: number, p: number): number {
  if (n === 0 || p <= 0 || p >= 1) return 0;
  let logPmf = n * Math.log1p(-p);
  const logOdds = Math.log(p) - Math.log1p(-p);
  let sum = 0;
  for (let x = 0; x <= n; x++) {
    sum += Math.exp(logPmf) * Math.abs(x / n - p);
    logPmf += Math.log(n - x) - Math.log(x + 1) + logOdds;
  }
  return sum;
}

/**
 * Rows counted with weights: each row's weight as a churner and as a stayer. A bootstrap gives a
 * row its group's draw count on the side of its label; a known churn probability q gives q and
 * 1 − q (the metric then is its expectation over the labels that probability would draw).
 */
export interface WeightedLabels {
  churner: ArrayLike<number>;
  stayer: ArrayLike<number>;
}

/** Row indices by probability, ascending: computed once for many weightings of the same rows. */
export function ascendingOrder(probabilities: ArrayLike<number>): Uint32Array {
  return sortedIndex(probabilities, true);
}

/** ROC-AUC of weighted rows, ties counting half; `order` from `ascendingOrder`. */
export function weightedRocAuc(
  probabilities: ArrayLike<number>,
  weights: WeightedLabels,
  order: Uint32Array = ascendingOrder(probabilities),
): number {
  let stayersBelow = 0;
  let churners = 0;
  let sum = 0;
  for (let i = 0; i < order.length;) {
    let blockChurners = 0;
    let blockStayers = 0;
    let j = i;
    for (; j < order.length && probabilities[order[j]!] === probabilities[order[i]!]; j++) {
      blockChurners += weights.churner[order[j]!]!;
      blockStayers += weights.stayer[order[j]!]!;
    }
    sum += blockChurners * (stayersBelow + blockStayers / 2);
    stayersBelow += blockStayers;
    churners += blockChurners;
    i = j;
  }
  return churners > 0 && stayersBelow > 0 ? sum / (churners * stayersBelow) : NaN;
}

/** Average precision of weighted rows (as `prAuc`); `order` from `ascendingOrder`. */
export function weightedPrAuc(
  probabilities: ArrayLike<number>,
  weights: WeightedLabels,
  order: Uint32Array = ascendingOrder(probabilities),
): number {
  let total = 0;
  for (let i = 0; i < order.length; i++) total += weights.churner[i]!;
  if (total === 0) return NaN;
  let found = 0;
  let taken = 0;
  let ap = 0;
  for (let i = order.length - 1; i >= 0;) {
    let added = 0;
    let j = i;
    for (; j >= 0 && probabilities[order[j]!] === probabilities[order[i]!]; j--) {
      added += weights.churner[order[j]!]!;
      taken += weights.churner[order[j]!]! + weights.stayer[order[j]!]!;
    }
    found += added;
    if (added > 0) ap += (added / total) * (found / taken);
    i = j;
  }
  return ap;
}

export function weightedBrier(probabilities: ArrayLike<number>, weights: WeightedLabels): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    sum += weights.churner[i]! * (1 - p) ** 2 + weights.stayer[i]! * p ** 2;
    total += weights.churner[i]! + weights.stayer[i]!;
  }
  return sum / total;
}

/** Expected calibration error of weighted rows over ten equal-width bins (as `calibrationTable`). */
export function weightedEce(probabilities: ArrayLike<number>, weights: WeightedLabels, bins = 10): number {
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  let total = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const w = weights.churner[i]! + weights.stayer[i]!;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    predicted[b]! += w * p;
    observed[b]! += weights.churner[i]!;
    total += w;
  }
  let gap = 0;
  for (let b = 0; b < bins; b++) gap += Math.abs(predicted[b]! - observed[b]!);
  return gap / total;
}

/**
 * Calibration slope and intercept: the logistic fit of the outcome on the predicted log-odds.
 * Slope 1 and intercept 0 is calibrated; a slope below 1 means the scores are too extreme, an
 * intercept above 0 that churn is under-predicted overall.
 */
export function calibrationFit(
  probabilities: ArrayLike<number>,
  weights: WeightedLabels,
): { slope: number; intercept: number } {
  const logits = Float64Array.from({ length: probabilities.length }, (_, i) => {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, probabilities[i]!));
    return Math.log(p / (1 - p));
  });
  let slope = 1;
  let intercept = 0;
  for (let step = 0; step < 50; step++) {
    // Newton's method on the weighted log-likelihood, with a whisper of ridge to stay finite.
    let gs = 1e-9 * (slope - 1);
    let gi = 0;
    let hss = 1e-9;
    let hsi = 0;
    let hii = 1e-9;
    for (let i = 0; i < logits.length; i++) {
      const z = logits[i]!;
      const p = 1 / (1 + Math.exp(-(slope * z + intercept)));
      const churner = weights.churner[i]!;
      const w = churner + weights.stayer[i]!;
      const r = w * p - churner;
      const h = w * Math.max(p * (1 - p), 1e-12);
      gs += r * z;
      gi += r;
      hss += h * z * z;
      hsi += h * z;
      hii += h;
    }
    const det = hss * hii - hsi * hsi;
    const ds = (hii * gs - hsi * gi) / det;
    const di = (hss * gi - hsi * gs) / det;
    slope -= ds;
    intercept -= di;
    if (Math.abs(ds) + Math.abs(di) < 1e-9) break;
  }
  return { slope, intercept };
}
