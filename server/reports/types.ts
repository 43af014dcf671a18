/**
 * The two reports as JSON: what the dashboard reads from the API and what `churn report --json`
 * prints. Both describe a table of rows (a portal's contacts as feature vectors, or a CSV file).
 */

export interface ReportSource {
  kind: 'portal' | 'csv';
  /** The portal's id, or the CSV file as given. */
  name: string;
}

/** How a cell reads: a number, an ISO date, or text. */
export type CellType = 'number' | 'date' | 'text';

export interface NumericSummary {
  kind: 'number';
  min: number;
  p05: number;
  p25: number;
  median: number;
  p75: number;
  p95: number;
  max: number;
  mean: number;
  std: number;
}

export interface DateSummary {
  kind: 'date';
  min: string;
  median: string;
  max: string;
}

export interface CategorySummary {
  kind: 'text';
  top: { value: string; rows: number; share: number }[];
}

export interface RangeViolation {
  issue: QualityIssueKind;
  /** What the rule forbids, e.g. "a date in the future", "a negative amount". */
  rule: string;
  count: number;
  /** A few offending rows: the contact id or the file line, and the value as read. */
  examples: { row: string; value: string }[];
}

export interface ColumnQuality {
  name: string;
  /** The type most of its cells have; null when every cell is empty. */
  type: CellType | null;
  /** Share of rows with a value. */
  completeness: number;
  missing: number;
  distinct: number;
  /** True when there were more distinct values than were counted one by one. */
  distinctAtLeast: boolean;
  /** Share of present cells that have the column's type. */
  typeConsistency: number;
  types: Record<CellType, number>;
  /** Cells of another type than the column's, as read. */
  strayExamples: { row: string; value: string }[];
  outOfRange: RangeViolation[];
  summary: NumericSummary | DateSummary | CategorySummary | null;
}

export interface DuplicateGroup {
  /** The shared value, lower-cased (an email address). */
  key: string;
  rows: string[];
}

export interface CorrelationPair {
  a: string;
  b: string;
  r: number;
  /** Rows where both have a value. */
  rows: number;
}

export type QualityIssueKind =
  | 'future_date'
  | 'impossible_date'
  | 'negative_amount'
  | 'out_of_range'
  | 'mixed_types'
  | 'duplicate_email'
  | 'high_correlation'
  | 'mostly_missing'
  | 'constant';

export interface QualityIssue {
  kind: QualityIssueKind;
  /** The column (or the pair of columns) concerned; the warehouse table for warehouse checks. */
  columns: string[];
  count: number;
  message: string;
}

/** An impossible value in the warehouse itself, outside the features (portal reports only). */
export interface WarehouseCheck {
  issue: QualityIssueKind;
  table: string;
  rule: string;
  count: number;
  examples: string[];
}

export interface QualityReport {
  report: 'quality';
  source: ReportSource;
  generatedAt: string;
  /** Dates after this are in the future. */
  asOf: string;
  rows: number;
  columns: ColumnQuality[];
  duplicates: { column: string; groups: DuplicateGroup[]; duplicatedRows: number } | null;
  /** Pairs of numeric columns with |r| ≥ 0.7, strongest first; those ≥ 0.9 are issues. */
  correlations: CorrelationPair[];
  warehouse: WarehouseCheck[];
  /** Everything worth fixing, in one list. */
  issues: QualityIssue[];
  /** Portals only: each column's readable name, from the feature catalogue. */
  labels?: Record<string, string>;
}

export interface SegmentBand {
  value: string;
  rows: number;
  churned: number;
  rate: number;
}

export interface Segment {
  variable: string;
  bands: SegmentBand[];
}

export interface WoeBin {
  bin: string;
  rows: number;
  churned: number;
  rate: number;
  woe: number;
}

export interface RankedVariable {
  variable: string;
  kind: 'numeric' | 'categorical';
  /**
   * Univariate ROC-AUC: numbers as they are; categories by their churn rate out of fold (each row
   * scored by its category's rate among other rows, the rows of its account kept apart).
   */
  auc: number;
  /**
   * How well the variable alone separates churners from the rest: |AUC − 0.5| for numbers, AUC − 0.5
   * for categories (0 when their out-of-fold AUC falls below 0.5).
   */
  strength: number;
  informationValue: number;
  /** Numbers: whether higher values go with more churn; categories: the riskiest value. */
  direction: string;
  /** Share of rows with a value. */
  coverage: number;
  bins: WoeBin[];
}

export interface EarlyWarning {
  feature: string;
  label: string;
  /**
   * Days before the last monthly cutoff ahead of the churn, which falls in the 30 days after 0;
   * for retained customers, days before the last cutoff.
   */
  offsets: number[];
  churned: (number | null)[];
  retained: (number | null)[];
  /** (churned − retained) at the last offset, in retained standard deviations. */
  gap: number;
}

export interface ExploreReport {
  report: 'explore';
  source: ReportSource;
  generatedAt: string;
  /** What a row is and what its label means. */
  population: string;
  rows: number;
  churned: number;
  churnRate: number;
  /** Present when the rows were sampled to bound memory: the rows seen in all. */
  sampledFrom: number | null;
  segments: Segment[];
  /** Most discriminating first. */
  ranking: RankedVariable[];
  /** Portals only: how behaviour moves in the 90 days before churn, against retained customers. */
  earlyWarning: EarlyWarning[] | null;
  /** Portals only: what each row is, in words ("customer-month"), for the page's counts. */
  rowUnit?: string;
  /** Portals only: each variable's readable name, from the feature catalogue. */
  labels?: Record<string, string>;
}
