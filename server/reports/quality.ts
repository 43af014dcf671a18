/**
 * The data-quality report over any table of rows: for each column its completeness, distinct
 * values, type consistency, impossible values and distribution; duplicated emails; and numeric
 * columns that move together. Rows stream through `add` a chunk at a time and memory stays
 * bounded: distinct values are counted up to a cap, quantiles come from a fixed-size sample.
 */
import { readCell, type Cell } from './cells.js';
import { ColumnProfile } from './column-profile.js';
import { PairwiseCorrelation } from './correlations.js';
import type {
  CellType,
  ColumnQuality,
  CorrelationPair,
  DuplicateGroup,
  QualityIssue,
  QualityReport,
  ReportSource,
  WarehouseCheck,
} from './types.js';

export const CORRELATION_FLAG = 0.9;
const CORRELATION_SHOWN = 0.7;
/** Below this share of rows with a value, a column is flagged as mostly missing. */
const MOSTLY_MISSING = 0.5;
const EMAIL_COLUMN = /^(e-?mail|email[ _-]?address)$/i;

export interface QualityOptions {
  /** Dates after this are in the future (default: now). */
  asOf?: Date;
  /**
   * Columns whose blanks mean "nothing to measure" (a rate without a denominator, days since
   * something that never happened): flagged only when empty in every row.
   */
  sparseByDesign?: readonly string[];
  /** The column that holds an email address (default: one named email, case-insensitive). */
  emailColumn?: string | null;
}

/**
 * Collects a table's rows a chunk at a time, then writes the report. Rows are cells in the order
 * of `columns`, each with a name for examples (a contact id, a file line).
 */
export class QualityProfiler {
  private rows = 0;
  private readonly profiles: ColumnProfile[];
  private readonly asOfMs: number;
  private readonly emailIndex: number;
  private readonly emails = new Map<string, string[]>();
  private readonly numericRow: Float64Array;
  /** Column values kept for correlations: numbers only; other cells count as missing. */
  private readonly correlation: PairwiseCorrelation;

  constructor(
    readonly columns: readonly string[],
    private readonly options: QualityOptions = {},
  ) {
    this.profiles = columns.map((name) => new ColumnProfile(name));
    this.asOfMs = (options.asOf ?? new Date()).getTime();
    const email =
      options.emailColumn === undefined
        ? columns.findIndex((c) => EMAIL_COLUMN.test(c.trim()))
        : options.emailColumn === null
          ? -1
          : columns.indexOf(options.emailColumn);
    this.emailIndex = email;
    this.numericRow = new Float64Array(columns.length);
    this.correlation = new PairwiseCorrelation(columns);
  }

  add(rowName: string, cells: readonly Cell[]): void {
    this.rows++;
    for (let i = 0; i < this.profiles.length; i++) {
      const read = readCell(cells[i]);
      this.profiles[i]!.add(read, rowName, this.asOfMs);
      this.numericRow[i] = read.type === 'number' ? read.value : NaN;
    }
    this.correlation.add(this.numericRow);
    if (this.emailIndex >= 0) {
      const email = String(cells[this.emailIndex] ?? '')
        .trim()
        .toLowerCase();
      if (email !== '') {
        const rows = this.emails.get(email);
        if (rows) rows.push(rowName);
        else this.emails.set(email, [rowName]);
      }
    }
  }

  finish(
    source: ReportSource,
    extra: { duplicates?: DuplicateGroup[]; warehouse?: WarehouseCheck[] } = {},
  ): QualityReport {
    const columns = this.profiles.map((p) => p.finish(this.rows));
    // Only columns that are numbers through and through: a mixed column is its own issue.
    const numeric = new Set(columns.filter((c) => c.type === 'number').map((c) => c.name));
    const correlations = this.correlation
      .pairs(CORRELATION_SHOWN)
      .filter((p) => numeric.has(p.a) && numeric.has(p.b));
    let duplicates: QualityReport['duplicates'] = null;
    if (extra.duplicates) {
      duplicates = summariseDuplicates('email', extra.duplicates);
    } else if (this.emailIndex >= 0) {
      const groups = [...this.emails.entries()]
        .filter(([, rows]) => rows.length > 1)
        .map(([key, rows]) => ({ key, rows }));
      duplicates = summariseDuplicates(this.columns[this.emailIndex]!, groups);
    }
    const warehouse = extra.warehouse ?? [];
    return {
      report: 'quality',
      source,
      generatedAt: new Date().toISOString(),
      asOf: new Date(this.asOfMs).toISOString(),
      rows: this.rows,
      columns,
      duplicates,
      correlations,
      warehouse,
      issues: issuesOf(
        columns,
        duplicates,
        correlations,
        warehouse,
        this.rows,
        new Set(this.options.sparseByDesign),
      ),
    };
  }
}

function summariseDuplicates(
  column: string,
  groups: DuplicateGroup[],
): NonNullable<QualityReport['duplicates']> {
  const sorted = [...groups].sort((a, b) => b.rows.length - a.rows.length || a.key.localeCompare(b.key));
  return { column, groups: sorted, duplicatedRows: sorted.reduce((s, g) => s + g.rows.length, 0) };
}

function issuesOf(
  columns: ColumnQuality[],
  duplicates: QualityReport['duplicates'],
  correlations: CorrelationPair[],
  warehouse: WarehouseCheck[],
  rows: number,
  sparseByDesign: ReadonlySet<string>,
): QualityIssue[] {
  const issues: QualityIssue[] = [];
  for (const c of columns) {
    if (c.type === null) {
      if (rows > 0)
        issues.push({
          kind: 'mostly_missing',
          columns: [c.name],
          count: rows,
          message: `${c.name} is empty in every row`,
        });
      continue;
    }
    if (c.completeness < MOSTLY_MISSING && !sparseByDesign.has(c.name))
      issues.push({
        kind: 'mostly_missing',
        columns: [c.name],
        count: c.missing,
        message: `${c.name} is missing in ${percent(1 - c.completeness)} of rows`,
      });
    if (c.distinct === 1 && rows > 1)
      issues.push({
        kind: 'constant',
        columns: [c.name],
        count: rows - c.missing,
        message: `${c.name} holds one value only`,
      });
    if (c.typeConsistency < 1) {
      const stray = rows - c.missing - c.types[c.type];
      const others = (Object.keys(c.types) as CellType[]).filter((t) => t !== c.type && c.types[t] > 0);
      issues.push({
        kind: 'mixed_types',
        columns: [c.name],
        count: stray,
        message:
          `${c.name} holds ${c.type}s but ${stray} cell${stray > 1 ? 's are' : ' is'} ${others.join(' or ')}` +
          ` (e.g. "${c.strayExamples[0]?.value}" at ${c.strayExamples[0]?.row})`,
      });
    }
    for (const v of c.outOfRange) {
      issues.push({
        kind: v.issue,
        columns: [c.name],
        count: v.count,
        message: `${c.name}: ${v.count} row${v.count > 1 ? 's hold' : ' holds'} ${v.rule} (e.g. ${v.examples[0]?.value} at ${v.examples[0]?.row})`,
      });
    }
  }
  if (duplicates && duplicates.groups.length > 0) {
    const first = duplicates.groups[0]!;
    issues.push({
      kind: 'duplicate_email',
      columns: [duplicates.column],
      count: duplicates.groups.length,
      message: `${duplicates.groups.length} email address${duplicates.groups.length > 1 ? 'es are' : ' is'} shared by several contacts (e.g. ${first.key}: ${first.rows.join(', ')})`,
    });
  }
  for (const p of correlations) {
    if (Math.abs(p.r) < CORRELATION_FLAG) continue;
    issues.push({
      kind: 'high_correlation',
      columns: [p.a, p.b],
      count: p.rows,
      message: `${p.a} and ${p.b} move together (r = ${p.r.toFixed(3)}): one of them adds little`,
    });
  }
  for (const w of warehouse) {
    if (w.count === 0) continue;
    issues.push({
      kind: w.issue,
      columns: [w.table],
      count: w.count,
      message: `${w.table}: ${w.count} row${w.count > 1 ? 's hold' : ' holds'} ${w.rule} (e.g. ${w.examples.slice(0, 3).join(', ')})`,
    });
  }
  return issues;
}

function percent(share: number): string {
  return `${(100 * share).toFixed(1)} %`;
}

/** The report of a whole in-memory table (a CSV file), in one call. */
export function qualityReport(
  source: ReportSource,
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
  rowNames: readonly string[],
  options: QualityOptions = {},
): QualityReport {
  const profiler = new QualityProfiler(header, options);
  rows.forEach((cells, i) => profiler.add(rowNames[i] ?? String(i + 1), cells));
  return profiler.finish(source);
}
