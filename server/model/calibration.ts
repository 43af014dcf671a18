/**
 * Platt scaling: p = σ(a·z + b) fitted on held-out logits z. It keeps the model additive in the
 * logit, so reasons scaled by `a` still add up to the calibrated logit; isotonic regression would
 * not.
 */
import { solveSymmetric } from './logistic.js';

export interface Calibration {
  slope: number;
  intercept: number;
}

export const IDENTITY_CALIBRATION: Calibration = { slope: 1, intercept: 0 };

export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>): Calibration {
  let a = 1;
  let b = 0;
  // A whisper of L2 towards the identity keeps the fit finite on separable held-out sets.
  const penalty = 1e-6 * logits.length;
  for (let step = 0; step < 100; step++) {
    let ga = penalty * (a - 1);
    let gb = 0;
    let haa = penalty;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < logits.length; i++) {
      const z = logits[i]!;
      const p = 1 / (1 + Math.exp(-(a * z + b)));
      const r = p - labels[i]!;
      const w = Math.max(p * (1 - p), 1e-12);
      ga += r * z;
      gb += r;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const [da, db] = solveSymmetric(Float64Array.of(haa, hab, hab, hbb), Float64Array.of(ga, gb), 2);
    a -= da!;
    b -= db!;
    if (Math.abs(da!) + Math.abs(db!) < 1e-10) break;
  }
  return { slope: a, intercept: b };
}

export function calibrate(calibration: Calibration, logit: number): number {
  return calibration.slope * logit + calibration.intercept;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
