/**
 * The Model page's answer (GET /api/v1/portals/:portalId/model), declared once: the server's route
 * builds it and the dashboard's page reads it (a type-only import, nothing of the server reaches
 * the browser).
 */
import type { CalibrationBin } from '../../model/metrics.js';
import type { OutOfTimeCheck } from '../../model/out-of-time.js';

export type { CalibrationBin };

/** The figures a model was stored with (`metrics`), as the page reads them. */
export interface ModelMetrics {
  roc_auc?: number;
  pr_auc?: number;
  brier?: number;
  ece?: number;
  lift_top_decile?: number;
  capture_top_decile?: number;
  calibration?: CalibrationBin[];
  cv_split?: 'groups' | 'rows';
  out_of_time?: OutOfTimeCheck;
  out_of_time_alternative?: { family: string; roc_auc: number };
  chosen_by?: 'cross_validation' | 'out_of_time';
}

/** A stored model version of the portal. */
export interface ModelVersion {
  id: number;
  version: number;
  family: string;
  status: string;
  isStarter: boolean;
  trainedAt: string;
  activatedAt: string | null;
  metrics: ModelMetrics;
}

/**
 * A feature that often raises the current scores: `contacts`, the active customers with the
 * feature among the (up to three) reasons raising their risk; `meanContribution`, its mean push
 * among them on the calibrated log-odds of churn (0.69 doubles the odds). `identity`: who the
 * customer is (country, industry, size), counted where it ranks among the three strongest but never
 * shown as a reason, so it is no choice for the at-risk list's reason filter.
 */
export interface ModelDriver {
  feature: string;
  label: string;
  contacts: number;
  meanContribution: number;
  identity: boolean;
}

/** Drift measured by a finished scoring run. */
export interface ModelDrift {
  measuredAt: string;
  scorePsi: number | null;
  threshold: number;
  flagged: boolean;
  features: { name: string; label: string; psi: number }[];
}

export interface ModelReport {
  /** The model that scores, with its cumulative gains curve (share of contacts, share of churners). */
  active: (ModelVersion & { gains: { contacts: number; churners: number }[] }) | null;
  history: ModelVersion[];
  /** The features that most often raise the current scores, most often first. */
  drivers: ModelDriver[];
  /** Active customers with a current score: what the drivers' counts are out of. */
  scoredContacts: number;
  /** Drift measured by the last finished scoring run; null before the first. */
  drift: ModelDrift | null;
}
