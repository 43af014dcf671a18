/**
 * How well one variable alone tells churners from the rest: its ROC-AUC and its information value
 * over weight-of-evidence bins. Numbers are ranked as they are. Categories are ranked out of fold:
 * each row is scored by its category's churn rate among rows in other folds, so a variable whose
 * many small categories merely memorise who churned (an industry or a country held by a few
 * accounts, all of whose contacts leave together) does not pass for a driver. The bins shown stay
 * descriptive: every category's churn rate over all rows.
 */
import type { FeatureColumn } from '../model/index.js';
import { rocAuc } from '../model/index.js';
import { SeededRandom } from '../model/random.js';
import { bandLabel, booleanValues, categoryOf, edgeFormatOf, MISSING_BAND } from './bands.js';
import type { RankedVariable, WoeBin } from './types.js';

const NUMERIC_BINS = 10;
/** Folds for the categories' out-of-fold churn rates; the same seed gives the same folds every run. */
const FOLDS = 5;
const FOLD_SEED = 24;
/**
 * The m-estimate's weight of the overall churn rate, in rows: a category seen on n rows of the other
 * folds is scored (churned + 20 × overall rate) / (n + 20), so a handful of rows that happened to
 * churn cannot outrank a large category with a well-measured rate. A category at the size where
 * bands.ts stops pooling small ones into "(other)" (30 rows in a large table) has about 24 rows in
 * the other folds and counts a little over half its own rate; one of a few hundred rows counts
 * almost only its own. A category of one account that lies wholly in the row's own fold gets the
 * overall rate.
 */
const PRIOR_ROWS = 20;

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
  // Numbers are judged on the rows they are measured on: ranking the values as they are fits
  // nothing but the direction, so unlike a category's churn rate it cannot memorise who churned.
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

/** Each row's fold, and the rows (their count and which) and churners in each fold. */
interface Folds {
  of: Uint8Array;
  members: number[][];
  rows: number[];
  churned: number[];
}

interface FoldUnit {
  rows: number[];
  churned: number;
}

/**
 * Rows dealt to folds a group at a time, churners spread as evenly as whole groups allow (as the
 * model's grouped cross-validation deals them, see model/grouped-folds.ts, but with no need for
 * both classes in every fold): groups with most churners first, then largest, in a seeded random
 * order among equals, each to the fold with the fewest churners so far (groups without churners:
 * the fewest rows). A row without a group is a group of its own.
 */
function foldsOf(labels: Uint8Array, groups: readonly (string | null)[] | undefined): Folds {
  if (groups && groups.length !== labels.length)
    throw new RangeError(
      `${groups.length} row groups were given for ${labels.length} rows: give one per row`,
    );
  const units: FoldUnit[] = [];
  const byGroup = new Map<string, FoldUnit>();
  labels.forEach((y, row) => {
    const key = groups?.[row] ?? null;
    let unit = key === null ? undefined : byGroup.get(key);
    if (!unit) {
      unit = { rows: [], churned: 0 };
      units.push(unit);
      if (key !== null) byGroup.set(key, unit);
    }
    unit.rows.push(row);
    unit.churned += y;
  });
  // Array.prototype.sort is stable, so the shuffle decides among groups of equal churners and size.
  new SeededRandom(FOLD_SEED).shuffle(units);
  units.sort((a, b) => b.churned - a.churned || b.rows.length - a.rows.length);
  const folds: Folds = {
    of: new Uint8Array(labels.length),
    members: Array.from({ length: FOLDS }, () => []),
    rows: new Array<number>(FOLDS).fill(0),
    churned: new Array<number>(FOLDS).fill(0),
  };
  for (const unit of units) {
    let best = 0;
    for (let f = 1; f < FOLDS; f++) {
      const byChurned = folds.churned[f]! - folds.churned[best]!;
      const byRows = folds.rows[f]! - folds.rows[best]!;
      if (unit.churned > 0 ? byChurned < 0 || (byChurned === 0 && byRows < 0) : byRows < 0) best = f;
    }
    for (const row of unit.rows) {
      folds.of[row] = best;
      folds.members[best]!.push(row);
    }
    folds.rows[best]! += unit.rows.length;
    folds.churned[best]! += unit.churned;
  }
  return folds;
}

/**
 * Each row scored by its category's churn rate in the other folds, drawn toward the churn rate of
 * those folds by PRIOR_ROWS rows (a category absent from them gets that rate), and the ROC-AUC of
 * each fold's rows averaged over the folds, weighted by their churner–stayer pairs. Pairs across
 * folds are left out: their scores come from different rates, and the fold that holds more of a
 * category's churners gets a lower rate for it from the others, so across folds that category's
 * churners would rank below its stayers and even a strong variable would lose part of its AUC.
 * Should no fold hold both churners and stayers, all rows are ranked together.
 */
function outOfFoldAuc(category: Int32Array, categories: number, labels: Uint8Array, folds: Folds): number {
  const rows = new Float64Array(categories * FOLDS);
  const churned = new Float64Array(categories * FOLDS);
  const categoryRows = new Float64Array(categories);
  const categoryChurned = new Float64Array(categories);
  for (let i = 0; i < labels.length; i++) {
    const cell = category[i]! * FOLDS + folds.of[i]!;
    rows[cell]!++;
    churned[cell]! += labels[i]!;
    categoryRows[category[i]!]!++;
    categoryChurned[category[i]!]! += labels[i]!;
  }
  const allChurned = folds.churned.reduce((a, b) => a + b, 0);
  const prior = folds.rows.map((n, f) => {
    const outside = labels.length - n;
    return outside > 0 ? (allChurned - folds.churned[f]!) / outside : allChurned / labels.length;
  });
  const scores = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const c = category[i]!;
    const f = folds.of[i]!;
    const n = categoryRows[c]! - rows[c * FOLDS + f]!;
    const y = categoryChurned[c]! - churned[c * FOLDS + f]!;
    scores[i] = (y + PRIOR_ROWS * prior[f]!) / (n + PRIOR_ROWS);
  }
  let weighted = 0;
  let pairs = 0;
  for (let f = 0; f < FOLDS; f++) {
    const foldPairs = folds.churned[f]! * (folds.rows[f]! - folds.churned[f]!);
    if (foldPairs === 0) continue;
    const rowsOfFold = folds.members[f]!;
    const auc = rocAuc(
      Float64Array.from(rowsOfFold, (i) => scores[i]!),
      Uint8Array.from(rowsOfFold, (i) => labels[i]!),
    );
    weighted += foldPairs * auc;
    pairs += foldPairs;
  }
  return pairs > 0 ? weighted / pairs : rocAuc(scores, labels);
}

function rankCategorical(
  name: string,
  values: readonly (string | null)[],
  labels: Uint8Array,
  totals: Totals,
  folds: Folds,
): RankedVariable | null {
  const categoryName = categoryOf(values, values.length);
  const bins: Bin[] = [];
  const indexOf = new Map<string, number>();
  const category = Int32Array.from(values, (v) => {
    const c = categoryName(v);
    let k = indexOf.get(c);
    if (k === undefined) {
      indexOf.set(c, (k = bins.length));
      bins.push({ bin: c, rows: 0, churned: 0 });
    }
    return k;
  });
  labels.forEach((y, i) => {
    const bin = bins[category[i]!]!;
    bin.rows++;
    bin.churned += y;
  });
  if (bins.length < 2) return null;
  const auc = outOfFoldAuc(category, bins.length, labels, folds);
  if (Number.isNaN(auc)) return null;
  // The bins describe the rows as they are: each category's churn rate over all of them.
  const ordered = [...bins].sort((a, b) => b.churned / b.rows - a.churned / a.rows);
  const woe = woeBins(ordered, totals.churned, totals.retained);
  const riskiest = ordered[0]!;
  const present = values.filter((v) => v !== null).length;
  return {
    variable: name,
    kind: 'categorical',
    auc,
    // Out of fold, an AUC under 0.5 is not a signal the other way round: the rates learnt on the
    // other folds simply fail to carry over, which is no separation at all.
    strength: Math.max(0, auc - 0.5),
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

export interface RankOptions {
  /**
   * One key per row for rows that share their outcome (a contact's account: its contacts leave
   * together); a category's out-of-fold churn rate then never sees a row's own group. Null: the row
   * is a group of its own, as every row is without groups.
   */
  groups?: readonly (string | null)[];
}

/**
 * Every column ranked by how well it alone separates churners: |AUC − 0.5| for numbers, AUC − 0.5
 * out of fold for categories; the strongest first. A column without both classes is left out.
 */
export function rankVariables(
  columns: readonly FeatureColumn[],
  labels: Uint8Array,
  options: RankOptions = {},
): RankedVariable[] {
  let churned = 0;
  for (const y of labels) churned += y;
  const totals = { churned, retained: labels.length - churned };
  const folds = foldsOf(labels, options.groups);
  const ranked: RankedVariable[] = [];
  for (const column of columns) {
    const r =
      column.kind === 'categorical'
        ? rankCategorical(column.name, column.values, labels, totals, folds)
        : column.kind === 'boolean'
          ? rankCategorical(column.name, booleanValues(column.values), labels, totals, folds)
          : rankNumeric(column, labels, totals);
    if (r) ranked.push(r);
  }
  return ranked.sort((a, b) => b.strength - a.strength || b.informationValue - a.informationValue);
}
