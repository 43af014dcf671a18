/**
 * The data-quality report over any table of rows: for each column its completeness, distinct
 * values, type consistency, impossible values and distribution; duplicated emails; and numeric
 * columns that move together. Rows stream through `add` a chunk at a time and memory stays
 * bounded: distinct values are counted up to a cap, quantiles come from a fixed-size sample.
 */
import { CELL_TYPES, cellText, readCell, type Cell, type ReadCell } from './cells.js';
import { PairwiseCorrelation } from './correlations.js';
import { NumberReservoir, quantile } from './quantiles.js';
import { EARLIEST_DATE_MS, rangeRuleFor, type RangeRule } from './range-rules.js';
import type {
  CellType,
  ColumnQuality,
  CorrelationPair,
  DuplicateGroup,
  QualityIssue,
  QualityReport,
  RangeViolation,
  ReportSource,
  WarehouseCheck,
} from './types.js';

/** Distinct values are counted one by one up to this many per column. */
const DISTINCT_CAP = 10_000;
const EXAMPLES = 5;
const TOP_CATEGORIES = 8;
export const CORRELATION_FLAG = 0.9;
const CORRELATION_SHOWN = 0.7;
/** Below this share of rows with a value, a column is flagged as mostly missing. */
const MOSTLY_MISSING = 0.5;
const EMAIL_COLUMN = /^(e-?mail|email[ _-]?address)$/i;

interface Violations {
  rule: RangeRule | { issue: 'future_date' | 'impossible_date'; rule: string };
  count: number;
  examples: { row: string; value: string }[];
}

class ColumnProfile {
  missing = 0;
  readonly types: Record<CellType, number> = { number: 0, date: 0, text: 0 };
  readonly distinct = new Set<string>();
  distinctOverflow = false;
  readonly numbers = new NumberReservoir();
  readonly dates = new NumberReservoir(5_000);
  readonly categories = new Map<string, number>();
  categoriesOverflow = 0;
  sum = 0;
  sumSquares = 0;
  readonly firstOfType: Partial<Record<CellType, { row: string; value: string }[]>> = {};
  readonly violations = new Map<string, Violations>();
  readonly rangeRule: RangeRule | null;

  constructor(readonly name: string) {
    this.rangeRule = rangeRuleFor(name);
  }

  add(read: ReadCell, row: string, asOfMs: number): void {
    if (read.type === null) {
      this.missing++;
      return;
    }
    this.types[read.type]++;
    const text = cellText(read);
    const seen = (this.firstOfType[read.type] ??= []);
    if (seen.length < EXAMPLES) seen.push({ row, value: text });
    if (this.distinct.size < DISTINCT_CAP) this.distinct.add(text);
    else if (!this.distinct.has(text)) this.distinctOverflow = true;
    if (read.type === 'number') {
      this.numbers.add(read.value);
      this.sum += read.value;
      this.sumSquares += read.value * read.value;
      if (this.rangeRule?.violates(read.value)) this.violate(this.rangeRule, row, text);
    } else if (read.type === 'date') {
      this.dates.add(read.value);
      if (read.value > asOfMs)
        this.violate({ issue: 'future_date', rule: 'a date in the future' }, row, text);
      else if (read.value < EARLIEST_DATE_MS)
        this.violate({ issue: 'impossible_date', rule: 'a date before 1900' }, row, text);
    } else {
      const count = this.categories.get(read.value);
      if (count !== undefined) this.categories.set(read.value, count + 1);
      else if (this.categories.size < DISTINCT_CAP) this.categories.set(read.value, 1);
      else this.categoriesOverflow++;
    }
  }

  private violate(rule: Violations['rule'], row: string, value: string): void {
    let v = this.violations.get(rule.rule);
    if (!v) this.violations.set(rule.rule, (v = { rule, count: 0, examples: [] }));
    v.count++;
    if (v.examples.length < EXAMPLES) v.examples.push({ row, value });
  }

  get present(): number {
    return this.types.number + this.types.date + this.types.text;
  }

  dominantType(): CellType | null {
    if (this.present === 0) return null;
    return CELL_TYPES.reduce((best, t) => (this.types[t] > this.types[best] ? t : best));
  }

  finish(rows: number): ColumnQuality {
    const type = this.dominantType();
    const present = this.present;
    return {
      name: this.name,
      type,
      completeness: rows === 0 ? 0 : present / rows,
      missing: this.missing,
      distinct: this.distinct.size,
      distinctAtLeast: this.distinctOverflow,
      typeConsistency: present === 0 || type === null ? 1 : this.types[type] / present,
      types: { ...this.types },
      strayExamples: CELL_TYPES.filter((t) => t !== type).flatMap((t) => this.firstOfType[t] ?? []),
      outOfRange: [...this.violations.values()].map((v): RangeViolation => ({
        issue: v.rule.issue,
        rule: v.rule.rule,
        count: v.count,
        examples: v.examples,
      })),
      summary: this.summary(type),
    };
  }

  private summary(type: CellType | null): ColumnQuality['summary'] {
    if (type === 'number') {
      const s = this.numbers.sorted();
      const n = this.types.number;
      const mean = this.sum / n;
      const std = Math.sqrt(Math.max(0, this.sumSquares / n - mean * mean));
      const q = (p: number) => quantile(s, p);
      return {
        kind: 'number',
        min: s[0]!,
        p05: q(0.05),
        p25: q(0.25),
        median: q(0.5),
        p75: q(0.75),
        p95: q(0.95),
        max: s[s.length - 1]!,
        mean,
        std,
      };
    }
    if (type === 'date') {
      const s = this.dates.sorted();
      const iso = (ms: number) => new Date(ms).toISOString();
      return { kind: 'date', min: iso(s[0]!), median: iso(quantile(s, 0.5)), max: iso(s[s.length - 1]!) };
    }
    if (type === 'text') {
      const total = this.types.text;
      // Every value distinct (an identifier): no category stands out.
      if (this.categories.size === total) return { kind: 'text', top: [] };
      const top = [...this.categories.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, TOP_CATEGORIES)
        .map(([value, rows]) => ({ value, rows, share: rows / total }));
      return { kind: 'text', top };
    }
    return null;
  }
}

export interface QualityOptions {
  /** Dates after this are in the future (default: now). */
  asOf?: Date;
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
      issues: issuesOf(columns, duplicates, correlations, warehouse, this.rows),
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
    if (c.completeness < MOSTLY_MISSING)
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
