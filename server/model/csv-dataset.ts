/**
 * Turns a parsed CSV file into a Dataset: infers each column's kind (numeric, categorical,
 * boolean, date, id), reads the label, and reports what it decided so a person can check it.
 */
import type { CsvTable } from '../csv/read-csv.js';
import type { ColumnKind, Dataset, FeatureColumn, FeatureSpec } from './dataset.js';
import { ModelDataError } from './errors.js';

export interface CsvDatasetOptions {
  source?: string;
  label?: string;
  /** The label value that means "churned"; guessed for yes/no, true/false, 1/0 labels. */
  positive?: string;
  id?: string;
  ignore?: readonly string[];
  /** The features a trained model expects: kinds come from here instead of being inferred. */
  features?: readonly FeatureSpec[];
}

export interface ColumnDecision {
  name: string;
  role: ColumnKind | 'label' | 'ignored' | 'constant';
  why: string;
}

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none']);
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const TRUE_WORDS = new Set(['true', 'yes', 'y', 't', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'f', '0']);
const POSITIVE_WORDS = ['yes', 'true', '1', 'y', 't', 'churned', 'churn', 'exited', 'left', 'lost'];
/** Below this many rows, "every value distinct" says little about a column being an identifier. */
const MIN_ROWS_FOR_ID = 20;
const MS_PER_DAY = 86_400_000;
/** At most this share of stray cells in a column of numbers or dates is taken for typos. */
const STRAY_SHARE = 0.02;

export function isMissing(cell: string): boolean {
  return MISSING.has(cell.trim().toLowerCase());
}

export function datasetFromCsv(
  table: CsvTable,
  options: CsvDatasetOptions = {},
): { dataset: Dataset; decisions: ColumnDecision[] } {
  const source = options.source ?? table.source;
  const index = new Map(table.header.map((name, i) => [name, i]));
  const requireColumn = (name: string, what: string): number => {
    const i = index.get(name);
    if (i === undefined) {
      throw new ModelDataError(
        'column_missing',
        `${source} has no ${what} column "${name}" (columns: ${table.header.join(', ')})`,
        { column: name },
      );
    }
    return i;
  };
  const labelIndex = options.label !== undefined ? requireColumn(options.label, 'label') : undefined;
  const idIndex = options.id !== undefined ? requireColumn(options.id, 'id') : undefined;
  const ignored = new Set(options.ignore ?? []);
  for (const name of ignored) requireColumn(name, 'ignored');

  const cellsOf = (i: number) => table.rows.map((row) => row[i]!.trim());
  const decisions: ColumnDecision[] = [];
  const columns: FeatureColumn[] = [];
  if (options.features) {
    for (const feature of options.features) {
      const i = requireColumn(feature.name, 'feature');
      columns.push(readColumn(feature, cellsOf(i), table.lines, source));
      decisions.push({ name: feature.name, role: feature.kind, why: 'as the model expects' });
    }
  } else {
    table.header.forEach((name, i) => {
      if (i === labelIndex) return decisions.push({ name, role: 'label', why: 'the label' });
      if (i === idIndex) return decisions.push({ name, role: 'id', why: 'named with --id' });
      if (ignored.has(name)) return decisions.push({ name, role: 'ignored', why: 'named with --ignore' });
      const inferred = inferKind(cellsOf(i), name, table.lines, source);
      decisions.push({ name, role: inferred.role, why: inferred.why });
      if (inferred.role === 'id' || inferred.role === 'constant') return;
      const feature: FeatureSpec = { name, kind: inferred.role, label: name };
      columns.push(readColumn(feature, cellsOf(i), table.lines, source));
    });
    if (columns.length === 0) {
      const roles = decisions.map((d) => `${d.name}: ${d.role}`).join(', ');
      throw new ModelDataError(
        'no_features',
        `${source} has no column to learn from (${roles}): add columns that describe the customers`,
      );
    }
  }

  const dataset: Dataset = { columns, size: table.rows.length };
  if (idIndex !== undefined) dataset.ids = cellsOf(idIndex);
  if (labelIndex !== undefined) {
    const read = readLabel(options.label!, cellsOf(labelIndex), table.lines, source, options.positive);
    dataset.labels = read.labels;
    dataset.target = { column: options.label!, positive: read.positive };
  }
  return { dataset, decisions };
}

function inferKind(
  cells: string[],
  name: string,
  lines: number[],
  source: string,
): { role: FeatureSpec['kind'] | 'id' | 'constant'; why: string } {
  const present = cells.filter((c) => !isMissing(c));
  const distinct = new Set(present);
  if (distinct.size <= 1) return { role: 'constant', why: 'one value only: carries no signal' };
  const lower = new Set(present.map((c) => c.toLowerCase()));
  if (lower.size === 2 && [...lower].every((v) => TRUE_WORDS.has(v) || FALSE_WORDS.has(v))) {
    const [a, b] = [...lower];
    if (TRUE_WORDS.has(a!) !== TRUE_WORDS.has(b!))
      return { role: 'boolean', why: `values ${[...distinct].join('/')}` };
  }
  const allDistinct = distinct.size === present.length && present.length >= MIN_ROWS_FOR_ID;
  if (present.every((c) => NUMBER.test(c))) {
    const integers = present.every((c) => Number.isInteger(Number(c)));
    if (allDistinct && integers) return { role: 'id', why: 'whole numbers, every one distinct' };
    return { role: 'numeric', why: 'numbers' };
  }
  if (present.every((c) => DATE.test(c) && !Number.isNaN(parseDate(c)))) {
    return { role: 'date', why: 'ISO dates' };
  }
  rejectStrayText(cells, (c) => NUMBER.test(c), 'numbers', name, lines, source);
  // An impossible date (2026-02-31) is as stray as a word in a column of dates.
  rejectStrayText(cells, (c) => DATE.test(c) && !Number.isNaN(parseDate(c)), 'dates', name, lines, source);
  if (allDistinct) return { role: 'id', why: 'text, every value distinct' };
  return { role: 'categorical', why: `${distinct.size} distinct values` };
}

/**
 * A column of numbers (or dates) with a few stray words is a data error, not a category: reading
 * it as text would silently throw its values away, so the first stray cell is named instead.
 */
function rejectStrayText(
  cells: string[],
  fits: (cell: string) => boolean,
  what: string,
  name: string,
  lines: number[],
  source: string,
): void {
  const present = cells.map((c, r) => [c, r] as const).filter(([c]) => !isMissing(c));
  const stray = present.filter(([c]) => !fits(c));
  if (stray.length === 0 || present.length < MIN_ROWS_FOR_ID || stray.length > present.length * STRAY_SHARE)
    return;
  const [cell, row] = stray[0]!;
  throw new ModelDataError(
    'value_invalid',
    `${source}, line ${lines[row]}, column "${name}": "${cell}" is not one of the ${what} the rest of the ` +
      `column holds (${stray.length} such cell${stray.length > 1 ? 's' : ''}); fix them, leave them blank, or --ignore the column`,
    { line: lines[row]!, column: name },
  );
}

function parseDate(cell: string): number {
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(cell) || cell.length === 10 ? cell : `${cell}Z`;
  return Date.parse(zoned);
}

function readColumn(feature: FeatureSpec, cells: string[], lines: number[], source: string): FeatureColumn {
  if (feature.kind === 'categorical') {
    return { ...feature, kind: 'categorical', values: cells.map((c) => (isMissing(c) ? null : c)) };
  }
  const values = new Float64Array(cells.length);
  cells.forEach((cell, r) => {
    if (isMissing(cell)) {
      values[r] = NaN;
      return;
    }
    const v = parseCell(feature.kind, cell);
    if (Number.isNaN(v)) {
      throw new ModelDataError(
        'value_invalid',
        `${source}, line ${lines[r]}, column "${feature.name}": "${cell}" is not a valid ${feature.kind} value`,
        { line: lines[r]!, column: feature.name },
      );
    }
    values[r] = v;
  });
  return { ...feature, kind: feature.kind, values };
}

function parseCell(kind: FeatureSpec['kind'], cell: string): number {
  // A number past what a double holds (1e999) reads as Infinity: refused like any other bad cell.
  if (kind === 'numeric') return NUMBER.test(cell) && Number.isFinite(Number(cell)) ? Number(cell) : NaN;
  if (kind === 'date') return DATE.test(cell) ? parseDate(cell) / MS_PER_DAY : NaN;
  const word = cell.toLowerCase();
  return TRUE_WORDS.has(word) ? 1 : FALSE_WORDS.has(word) ? 0 : NaN;
}

function readLabel(
  column: string,
  cells: string[],
  lines: number[],
  source: string,
  positive: string | undefined,
): { labels: Uint8Array; positive: string } {
  const missingAt = cells.findIndex((c) => isMissing(c));
  if (missingAt >= 0) {
    throw new ModelDataError(
      'label_missing_value',
      `${source}, line ${lines[missingAt]}: the label "${column}" is empty`,
      { line: lines[missingAt]!, column },
    );
  }
  const distinct = [...new Set(cells)];
  if (distinct.length < 2) {
    throw new ModelDataError(
      'label_one_class',
      `label "${column}" holds one class only ("${distinct[0]}" in all ${cells.length} rows): ` +
        'training needs both churned and retained rows',
      { column },
    );
  }
  let chosen = positive;
  if (chosen !== undefined && !distinct.includes(chosen)) {
    throw new ModelDataError(
      'label_positive_unknown',
      `label "${column}" never takes the value "${chosen}" (it holds ${distinct.slice(0, 10).join(', ')})`,
      { column },
    );
  }
  if (chosen === undefined) {
    chosen = POSITIVE_WORDS.map((w) => distinct.find((d) => d.toLowerCase() === w)).find(
      (d) => d !== undefined,
    );
    if (chosen === undefined || distinct.length > 2) {
      throw new ModelDataError(
        'label_positive_unknown',
        `say which value of "${column}" means churned with --positive (it holds ${distinct.slice(0, 10).join(', ')})`,
        { column },
      );
    }
  }
  const labels = Uint8Array.from(cells, (c) => (c === chosen ? 1 : 0));
  return { labels, positive: chosen };
}
