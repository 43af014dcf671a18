/**
 * How a raw cell reads, whatever its source: CSV text, or a value the warehouse built. A column
 * is judged by the types of its cells, so a number among words (or a word among numbers) shows.
 */
import type { CellType } from './types.js';

export type Cell = string | number | boolean | Date | null | undefined;

export type ReadCell =
  | { type: null }
  | { type: 'number'; value: number }
  | { type: 'date'; value: number }
  | { type: 'text'; value: string };

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none']);
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EMPTY: ReadCell = { type: null };

export function readCell(cell: Cell): ReadCell {
  if (cell === null || cell === undefined) return EMPTY;
  if (typeof cell === 'number') return Number.isFinite(cell) ? { type: 'number', value: cell } : EMPTY;
  if (typeof cell === 'boolean') return { type: 'text', value: String(cell) };
  if (cell instanceof Date) {
    const ms = cell.getTime();
    return Number.isFinite(ms) ? { type: 'date', value: ms } : EMPTY;
  }
  const text = cell.trim();
  if (MISSING.has(text.toLowerCase())) return EMPTY;
  if (NUMBER.test(text)) return { type: 'number', value: Number(text) };
  if (DATE.test(text)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(text) || text.length === 10 ? text : `${text}Z`;
    const ms = Date.parse(zoned);
    if (Number.isFinite(ms)) return { type: 'date', value: ms };
  }
  return { type: 'text', value: text };
}

export function cellText(read: ReadCell): string {
  if (read.type === 'date') return new Date(read.value).toISOString();
  return read.type === null ? '' : String(read.value);
}

export const CELL_TYPES: readonly CellType[] = ['number', 'date', 'text'];
