/**
 * How well one variable alone tells churners from the rest: its ROC-AUC (numbers as they are,
 * categories scored by their churn rate) and its information value over weight-of-evidence bins.
 */
import type { FeatureColumn } from '../model/index.js';
import { rocAuc } from '../model/index.js';
import { bandLabel, booleanValues, categoryOf, edgeFormatOf, MISSING_BAND } from './bands.js';
import type { RankedVariable, WoeBin } from './types.js';

const NUMERIC_BINS = 10;

interface Bin {
  bin: string;
  rows: number;
  churned: number;
}

/** Weight of evidence per bin and the information value, with half a count added to empty cells. */
function woeBins(bins: Bin[], churned: number, retained: number): { bins: WoeBin[]; iv: number } {
  let iv = 0;
  const out = bins.map((b) => {
    const bad = (b.churned + 0.5) / (churned + 0.5 * bins.length);
    const good = (b.rows - b.churned + 0.5) / (retained + 0.5 * bins.length);
    const woe = Math.log(good / bad);
    iv += (good - bad) * woe;
    return { ...b, rate: b.rows === 0 ? 0 : b.churned / b.rows, woe };
  });
  return { bins: out, iv };
}

/** Edges at the deciles of the sorted values, duplicates removed: bins hold whole tied values. */
function decileEdges(sorted: Float64Array): number[] {
  const edges: number[] = [];
  for (let k = 1; k < NUMERIC_BINS; k++) {
    const v = sorted[Math.floor((k * sorted.length) / NUMERIC_BINS)]!;
    if (v > sorted[0]! && (edges.length === 0 || v > edges[edges.length - 1]!)) edges.push(v);
  }
  return edges;
}

function binIndex(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v >= edges[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function rankNumeric(
  column: FeatureColumn & { values: Float64Array },
  labels: Uint8Array,
  totals: Totals,
): RankedVariable | null {
  const { name, values } = column;
  const format = edgeFormatOf(column.kind);
  const present: number[] = [];
  let missingRows = 0;
  let missingChurned = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i]!)) {
      missingRows++;
      missingChurned += labels[i]!;
    } else present.push(i);
  }
  if (present.length === 0) return null;
  const v = Float64Array.from(present, (i) => values[i]!);
  const y = Uint8Array.from(present, (i) => labels[i]!);
  const auc = rocAuc(v, y);
  if (Number.isNaN(auc)) return null;
  const edges = decileEdges(v.slice().sort());
  const bins: Bin[] = Array.from({ length: edges.length + 1 }, (_, k) => ({
    bin: bandLabel(edges, k, format),
    rows: 0,
    churned: 0,
  }));
  for (let k = 0; k < v.length; k++) {
    const bin = bins[binIndex(edges, v[k]!)]!;
    bin.rows++;
    bin.churned += y[k]!;
  }
  if (missingRows > 0) bins.push({ bin: MISSING_BAND, rows: missingRows, churned: missingChurned });
  const woe = woeBins(bins, totals.churned, totals.retained);
  return {
    variable: name,
    kind: 'numeric',
    auc,
    strength: Math.abs(auc - 0.5),
    informationValue: woe.iv,
    direction:
      column.kind === 'date'
        ? auc >= 0.5
          ? 'later dates, more churn'
          : 'earlier dates, more churn'
        : auc >= 0.5
          ? 'higher values, more churn'
          : 'lower values, more churn',
    coverage: present.length / values.length,
    bins: woe.bins,
  };
}

function rankCategorical(
  name: string,
  values: readonly (string | null)[],
  labels: Uint8Array,
  totals: Totals,
): RankedVariable | null {
  const category = categoryOf(values, values.length);
  const bins = new Map<string, Bin>();
  const assigned = values.map((v) => {
    const c = category(v);
    let bin = bins.get(c);
    if (!bin) bins.set(c, (bin = { bin: c, rows: 0, churned: 0 }));
    return bin;
  });
  labels.forEach((y, i) => {
    assigned[i]!.rows++;
    assigned[i]!.churned += y;
  });
  if (bins.size < 2) return null;
  const scores = Float64Array.from(assigned, (b) => b.churned / b.rows);
  const auc = rocAuc(scores, labels);
  const ordered = [...bins.values()].sort((a, b) => b.churned / b.rows - a.churned / a.rows);
  const woe = woeBins(ordered, totals.churned, totals.retained);
  const riskiest = ordered[0]!;
  const present = values.filter((v) => v !== null).length;
  return {
    variable: name,
    kind: 'categorical',
    auc,
    strength: Math.abs(auc - 0.5),
    informationValue: woe.iv,
    direction: `riskiest: ${riskiest.bin} (${(100 * (riskiest.churned / riskiest.rows)).toFixed(1)} % churn)`,
    coverage: present / values.length,
    bins: woe.bins,
  };
}

interface Totals {
  churned: number;
  retained: number;
}

/** Every column ranked by |AUC − 0.5|, the strongest first; a column without both classes is left out. */
export function rankVariables(columns: readonly FeatureColumn[], labels: Uint8Array): RankedVariable[] {
  let churned = 0;
  for (const y of labels) churned += y;
  const totals = { churned, retained: labels.length - churned };
  const ranked: RankedVariable[] = [];
  for (const column of columns) {
    const r =
      column.kind === 'categorical'
        ? rankCategorical(column.name, column.values, labels, totals)
        : column.kind === 'boolean'
          ? rankCategorical(column.name, booleanValues(column.values), labels, totals)
          : rankNumeric(column, labels, totals);
    if (r) ranked.push(r);
  }
  return ranked.sort((a, b) => b.strength - a.strength || b.informationValue - a.informationValue);
}
