/**
 * Both reports for a CSV file: quality reads the raw cells (so a stray word in a column of
 * numbers is reported, not refused); exploration reads the table as training would, with the
 * column types inferred and the label read the same way.
 */
import type { CsvTable } from '../csv/read-csv.js';
import { datasetFromCsv } from '../model/index.js';
import { exploreDataset } from './explore.js';
import { qualityReport, type QualityOptions } from './quality.js';
import type { ExploreReport, QualityReport } from './types.js';

export function csvQualityReport(table: CsvTable, options: QualityOptions = {}): QualityReport {
  return qualityReport(
    { kind: 'csv', name: table.source },
    table.header,
    table.rows,
    table.lines.map((line) => `line ${line}`),
    options,
  );
}

export interface CsvExploreOptions {
  label: string;
  /** The label value that means churned (guessed for yes/no, true/false, 1/0). */
  positive?: string;
}

export function csvExploreReport(table: CsvTable, options: CsvExploreOptions): ExploreReport {
  const { dataset } = datasetFromCsv(table, {
    label: options.label,
    ...(options.positive !== undefined ? { positive: options.positive } : {}),
  });
  return exploreDataset(dataset, {
    source: { kind: 'csv', name: table.source },
    population: `rows of ${table.source}; churned: ${options.label} = ${dataset.target!.positive}`,
  });
}
