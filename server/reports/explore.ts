/**
 * The exploratory report over a labelled table: churn overall and by segment, and the variables
 * that tell churners apart, ranked. Portals add early-warning patterns (./early-warning.ts).
 */
import { requireLabels, type Dataset } from '../model/dataset.js';
import { segmentsOf, type SegmentSpec } from './segments.js';
import type { EarlyWarning, ExploreReport, ReportSource } from './types.js';
import { rankVariables } from './univariate.js';

export interface ExploreOptions {
  source: ReportSource;
  /** What a row is and what its label means, for the reader. */
  population: string;
  /** Segments to report (default: every column). */
  segments?: readonly SegmentSpec[];
  /** The rows seen before sampling, when the data set is a sample. */
  sampledFrom?: number | null;
  earlyWarning?: EarlyWarning[] | null;
  /**
   * Rows that share their outcome, one key per row (a contact's account), kept together when the
   * ranking judges categories out of fold; null or absent: each row on its own.
   */
  groups?: readonly (string | null)[];
}

export function exploreDataset(dataset: Dataset, options: ExploreOptions): ExploreReport {
  const labels = requireLabels(dataset);
  let churned = 0;
  for (const y of labels) churned += y;
  return {
    report: 'explore',
    source: options.source,
    generatedAt: new Date().toISOString(),
    population: options.population,
    rows: dataset.size,
    churned,
    churnRate: churned / dataset.size,
    sampledFrom: options.sampledFrom ?? null,
    segments: segmentsOf(dataset, labels, options.segments),
    ranking: rankVariables(dataset.columns, labels, { groups: options.groups }),
    earlyWarning: options.earlyWarning ?? null,
  };
}
