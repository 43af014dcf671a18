/** How rows fall into bands and categories, shared by the segments and the ranking. */

export const MISSING_BAND = '(missing)';
export const OTHER_BAND = '(other)';
/** A category with fewer rows than this, or than 1 % of all rows if that is less, joins "(other)". */
const MIN_CATEGORY_ROWS = 30;

export type EdgeFormat = (value: number) => string;

const formatNumber: EdgeFormat = (v) =>
  Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, '');
/** Date columns hold days since 1970-01-01. */
const formatDay: EdgeFormat = (v) => new Date(Math.round(v * 86_400_000)).toISOString().slice(0, 10);

/** How a column's band edges read: dates as dates, numbers as numbers. */
export function edgeFormatOf(kind: string): EdgeFormat {
  return kind === 'date' ? formatDay : formatNumber;
}

/** "< 10", "10–20", "≥ 20" for band k of the edges. */
export function bandLabel(edges: readonly number[], k: number, format: EdgeFormat = formatNumber): string {
  if (edges.length === 0) return 'all';
  if (k === 0) return `< ${format(edges[0]!)}`;
  if (k === edges.length) return `≥ ${format(edges[k - 1]!)}`;
  return `${format(edges[k - 1]!)}–${format(edges[k]!)}`;
}

/** Categories of at least the minimum size; the rest (and blanks) in their own bins. */
export function categoryOf(
  values: readonly (string | null)[],
  size: number,
): (value: string | null) => string {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const min = Math.min(MIN_CATEGORY_ROWS, Math.max(2, Math.ceil(size * 0.01)));
  return (v) => (v === null ? MISSING_BAND : (counts.get(v) ?? 0) >= min ? v : OTHER_BAND);
}

export function booleanValues(values: Float64Array): (string | null)[] {
  return Array.from(values, (v) => (Number.isNaN(v) ? null : v === 1 ? 'yes' : 'no'));
}
