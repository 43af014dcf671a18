/** Raw logits and per-column attributions for each model family, behind one interface. */
import type { Matrix } from './encoder.js';
import type { GbdtState } from './gbdt.js';
import { GbdtScorer } from './gbdt-scorer.js';
import { logisticContributions, logisticLogits } from './logistic.js';
import { mlpContributions, mlpLogits } from './mlp.js';
import type { Predictor } from './model.js';
import type { TfBackend } from './tf-runtime.js';
import { TreeExplainer } from './tree-shap.js';

/** Writes each encoded column's share of the row's logit into `out`; returns the base logit. */
export type Attribution = (row: Float64Array, out: Float64Array) => number;

const scorers = new WeakMap<GbdtState, GbdtScorer>();
const explainers = new WeakMap<GbdtState, TreeExplainer>();

export async function predictorLogits(
  predictor: Predictor,
  x: Matrix,
  backend?: TfBackend,
): Promise<Float64Array> {
  switch (predictor.family) {
    case 'logistic':
      return logisticLogits(predictor.state, x);
    case 'mlp':
      return mlpLogits(predictor.state, x, backend);
    case 'gbdt':
      return gbdtScorer(predictor.state).logits(x);
  }
}

/**
 * Attributions that add up to the logit: exact for the linear model, exact integrated gradients
 * for the network, exact TreeSHAP for the trees. Linear and network attributions are measured
 * from `baseline` (the mean training row); TreeSHAP from the trees' expected output.
 */
export function attribution(predictor: Predictor, baseline: readonly number[]): Attribution {
  switch (predictor.family) {
    case 'logistic':
      return (row, out) => logisticContributions(predictor.state, baseline, row, out);
    case 'mlp': {
      const scratch = new Float64Array(predictor.state.hidden);
      return (row, out) => mlpContributions(predictor.state, baseline, row, out, scratch);
    }
    case 'gbdt': {
      const explainer = treeExplainer(predictor.state);
      return (row, out) => {
        out.fill(0);
        return explainer.explain(row, 0, out);
      };
    }
  }
}

function gbdtScorer(state: GbdtState): GbdtScorer {
  let scorer = scorers.get(state);
  if (!scorer) scorers.set(state, (scorer = new GbdtScorer(state)));
  return scorer;
}

function treeExplainer(state: GbdtState): TreeExplainer {
  let explainer = explainers.get(state);
  if (!explainer) explainers.set(state, (explainer = new TreeExplainer(state)));
  return explainer;
}
