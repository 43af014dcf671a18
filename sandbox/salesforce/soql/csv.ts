/**
 * Query results as Bulk API 2.0 serves them: CSV after RFC 4180 (a field holding a comma, a
 * quote or a line break is quoted, quotes doubled), a header row naming the columns (`Id`,
 * `Account.Name`), empty fields for nulls, `true`/`false`, and datetimes ending in `Z`.
 */
import type { SoqlResult, WireRecord } from './wire.js';

/** A datetime in REST's wire form, recognised when a result carries no column types. */
const WIRE_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function cell(value: unknown, datetime: boolean | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') {
    const isDateTime = datetime ?? WIRE_DATETIME.test(value);
    return csvField(isDateTime && value.endsWith('+0000') ? `${value.slice(0, -5)}Z` : value);
  }
  return csvField(String(value));
}

/**
 * Rows `from` (inclusive) to `to` (exclusive) of a result as CSV lines, each ending in `\n`,
 * preceded by the header line when `withHeader`; Bulk API 2.0 serves a job's results in such pages.
 */
export function toCsv(result: SoqlResult, from: number, to: number, withHeader: boolean): string {
  const paths = result.columns.map((column) => column.split('.'));
  const datetimes = result.columns.map((_, i) =>
    result.columnTypes ? result.columnTypes[i] === 'datetime' : undefined,
  );
  const lines: string[] = [];
  if (withHeader) lines.push(result.columns.map(csvField).join(','));
  const end = Math.min(to, result.records.length);
  for (let row = Math.max(0, from); row < end; row++) {
    const record = result.records[row] as WireRecord;
    const cells = paths.map((path, i) => {
      let value: unknown = record;
      for (const segment of path) {
        value =
          value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : null;
      }
      return cell(value, datetimes[i]);
    });
    lines.push(cells.join(','));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
