/**
 * A small logistic regression for tests: inputs standardised with the training set's mean and
 * spread, full-batch gradient descent on the mean log-loss with an L2 penalty (the intercept is
 * not penalised).
 */
export interface LogisticModel {
  predict(row: readonly number[]): number;
  weights: number[];
  intercept: number;
}

export interface LogisticOptions {
  l2?: number;
  learningRate?: number;
  iterations?: number;
}

export function trainLogistic(
  rows: readonly (readonly number[])[],
  labels: readonly boolean[],
  { l2 = 0.01, learningRate = 0.5, iterations = 500 }: LogisticOptions = {},
): LogisticModel {
  const n = rows.length;
  const width = rows[0]?.length ?? 0;
  if (n === 0 || n !== labels.length) throw new Error('need as many labels as rows, and at least one');
  const mean = new Array<number>(width).fill(0);
  const spread = new Array<number>(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j++) mean[j]! += row[j]! / n;
  for (const row of rows) for (let j = 0; j < width; j++) spread[j]! += (row[j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < width; j++) spread[j] = Math.sqrt(spread[j]!) || 1;
  const x = rows.map((row) => row.map((v, j) => (v - mean[j]!) / spread[j]!));
  const y = labels.map((label) => (label ? 1 : 0));

  const weights = new Array<number>(width).fill(0);
  let intercept = 0;
  const gradient = new Array<number>(width);
  for (let step = 0; step < iterations; step++) {
    gradient.fill(0);
    let interceptGradient = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      let z = intercept;
      for (let j = 0; j < width; j++) z += weights[j]! * xi[j]!;
      const error = 1 / (1 + Math.exp(-z)) - y[i]!;
      interceptGradient += error / n;
      for (let j = 0; j < width; j++) gradient[j]! += (error * xi[j]!) / n;
    }
    intercept -= learningRate * interceptGradient;
    for (let j = 0; j < width; j++) weights[j]! -= learningRate * (gradient[j]! + l2 * weights[j]!);
  }

  const standardWeights = weights.map((w, j) => w / spread[j]!);
  const standardIntercept = intercept - standardWeights.reduce((sum, w, j) => sum + w * mean[j]!, 0);
  return {
    weights: standardWeights,
    intercept: standardIntercept,
    predict(row) {
      let z = standardIntercept;
      for (let j = 0; j < width; j++) z += standardWeights[j]! * row[j]!;
      return 1 / (1 + Math.exp(-z));
    },
  };
}
