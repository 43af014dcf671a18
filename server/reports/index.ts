/**
 * The two analyses the consulting method starts with, over a portal's warehouse or any CSV file:
 * is the data sound (quality), and what do churners look like (exploration). Pure functions over
 * rows; the portal builders stream the warehouse through them a chunk at a time.
 */
export { readCell, type Cell } from './cells.js';
export { csvExploreReport, csvQualityReport, type CsvExploreOptions } from './csv-reports.js';
export { EarlyWarningCollector } from './early-warning.js';
export { exploreDataset, type ExploreOptions } from './explore.js';
export {
  duplicateEmails,
  monthlyCutoffs,
  NotEnoughHistoryError,
  PORTAL_SEGMENTS,
  portalExploreReport,
  portalQualityReport,
  type PortalExploreOptions,
  type PortalReportOptions,
} from './portal-reports.js';
export { CORRELATION_FLAG, QualityProfiler, qualityReport, type QualityOptions } from './quality.js';
export { rangeRuleFor } from './range-rules.js';
export { segmentsOf, type SegmentSpec } from './segments.js';
export { rankVariables } from './univariate.js';
export { checkWarehouse } from './warehouse-checks.js';
export type * from './types.js';
