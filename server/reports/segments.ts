/**
 * Churn rate by segment: each category of a categorical column, and numbers cut into bands (fixed
 * edges for named bands such as tenure, quartiles otherwise).
 */
import type { Dataset, FeatureColumn } from '../model/index.js';
import { quantile } from './quantiles.js';
import type { Segment, SegmentBand } from './types.js';
import {
  bandLabel,
  booleanValues,
  categoryOf,
  edgeFormatOf,
  MISSING_BAND,
  OTHER_BAND,
  type EdgeFormat,
} from './bands.js';

/** A segment to report: a column, and for a number the edges of its bands. */
export interface SegmentSpec {
  column: string;
  /** Shown instead of the column name, e.g. "tenure band". */
  title?: string;
  /** Band edges, ascending: bands are < e0, e0–e1, ..., ≥ eN. */
  edges?: number[];
}

/** At most this many categories per segment, the largest; smaller ones join "(other)". */
const MAX_BANDS = 20;
/** A number with this few distinct values is shown value by value. */
const FEW_VALUES = 6;

function bandOf(edges: readonly number[], v: number): number {
  let k = 0;
  while (k < edges.length && v >= edges[k]!) k++;
  return k;
}

function rate(counts: Map<string, { rows: number; churned: number }>, order?: string[]): SegmentBand[] {
  const keys = order ?? [...counts.keys()].sort((a, b) => counts.get(b)!.rows - counts.get(a)!.rows);
  return keys
    .filter((k) => counts.has(k))
    .map((value) => {
      const c = counts.get(value)!;
      return { value, rows: c.rows, churned: c.churned, rate: c.churned / c.rows };
    });
}

function categoricalSegment(values: readonly (string | null)[], labels: Uint8Array): SegmentBand[] {
  const category = categoryOf(values, values.length);
  const counts = new Map<string, { rows: number; churned: number }>();
  values.forEach((v, i) => {
    const c = category(v);
    const entry = counts.get(c) ?? { rows: 0, churned: 0 };
    entry.rows++;
    entry.churned += labels[i]!;
    counts.set(c, entry);
  });
  const bands = rate(counts);
  if (bands.length <= MAX_BANDS) return bands;
  const kept = bands.slice(0, MAX_BANDS - 1);
  const rest = bands
    .slice(MAX_BANDS - 1)
    .reduce((s, b) => ({ rows: s.rows + b.rows, churned: s.churned + b.churned }), {
      rows: 0,
      churned: 0,
    });
  return [...kept, { value: OTHER_BAND, ...rest, rate: rest.churned / rest.rows }];
}

function quartileEdges(values: Float64Array): number[] {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort();
  const distinct = new Set(sorted);
  if (distinct.size <= FEW_VALUES) return [...distinct].sort((a, b) => a - b).slice(1);
  const edges: number[] = [];
  for (const q of [0.25, 0.5, 0.75]) {
    const e = quantile(sorted, q);
    if (e > sorted[0]! && (edges.length === 0 || e > edges[edges.length - 1]!)) edges.push(e);
  }
  return edges;
}

function numericSegment(
  values: Float64Array,
  labels: Uint8Array,
  edges: readonly number[],
  format: EdgeFormat,
): SegmentBand[] {
  const counts = new Map<string, { rows: number; churned: number }>();
  const order = [
    ...Array.from({ length: edges.length + 1 }, (_, k) => bandLabel(edges, k, format)),
    MISSING_BAND,
  ];
  values.forEach((v, i) => {
    const key = Number.isNaN(v) ? MISSING_BAND : bandLabel(edges, bandOf(edges, v), format);
    const entry = counts.get(key) ?? { rows: 0, churned: 0 };
    entry.rows++;
    entry.churned += labels[i]!;
    counts.set(key, entry);
  });
  return rate(counts, order);
}

function segmentOf(column: FeatureColumn, labels: Uint8Array, spec: SegmentSpec): Segment {
  const variable = spec.title ?? column.name;
  if (column.kind === 'categorical') return { variable, bands: categoricalSegment(column.values, labels) };
  if (column.kind === 'boolean')
    return { variable, bands: categoricalSegment(booleanValues(column.values), labels) };
  const edges = spec.edges ?? quartileEdges(column.values);
  return { variable, bands: numericSegment(column.values, labels, edges, edgeFormatOf(column.kind)) };
}

/** Segments as specified, or (without a spec) one per column: categories, or numbers in quartiles. */
export function segmentsOf(dataset: Dataset, labels: Uint8Array, specs?: readonly SegmentSpec[]): Segment[] {
  const byName = new Map(dataset.columns.map((c) => [c.name, c]));
  const wanted = specs ?? dataset.columns.map((c) => ({ column: c.name }));
  return wanted.flatMap((spec) => {
    const column = byName.get(spec.column);
    return column ? [segmentOf(column, labels, spec)] : [];
  });
}
