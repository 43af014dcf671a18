/** CSV files for the fuzz tests: well-formed tables, tables of customer-like cells, and damaged text. */
import { expect } from '@jest/globals';
import fc from 'fast-check';
import { CsvFormatError } from '../../server/csv/read-csv.js';
import { ModelDataError } from '../../server/model/errors.js';
import { expectNoLeak } from './fuzz-support.js';

export interface Table {
  header: string[];
  rows: string[][];
}

/** A cell as RFC 4180 writes it: quoted when it holds a comma, quote or line end (or starts with a quote). */
export function csvCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function csvText(table: Table, eol = '\n'): string {
  return [table.header, ...table.rows].map((row) => row.map(csvCell).join(',')).join(eol) + eol;
}

const cellText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', '"', '""', ',', '\n', '\r\n', 'a,b', ' "q" ', '\ufeff', '\u0000'),
);

/** A table whose header names are distinct and not blank, and every row as long as the header. */
export const csvTable: fc.Arbitrary<Table> = fc
  .uniqueArray(
    cellText.filter((h) => h.trim() !== '' && !h.startsWith('\ufeff')),
    { minLength: 1, maxLength: 6, selector: (h) => h.trim() },
  )
  .chain((header) =>
    fc
      .array(fc.array(cellText, { minLength: header.length, maxLength: header.length }), {
        minLength: 1,
        maxLength: 8,
      })
      // A row of one empty cell is a blank line, which the reader skips.
      .filter((rows) => rows.every((row) => !(row.length === 1 && row[0] === '')))
      .map((rows) => ({ header, rows })),
  );

/** Cells a customer table holds, and the ones a hand-edited export gets wrong. */
const customerCell = fc.oneof(
  fc.integer({ min: -5, max: 400 }).map(String),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map(String),
  fc.constantFrom('yes', 'no', 'Yes', 'NO', 'true', 'false', '1', '0', 'basic', 'pro', 'team'),
  fc.constantFrom('', 'NA', 'n/a', 'null', '-', '?', '1e999', '-1e999', '1e-400', '0x1F', '1,5', ' 3 '),
  fc
    .date({ min: new Date('1990-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2026-02-31', '2026-13-01', '9999-99-99', '2026-01-01T25:00', '2026-1-1'),
  fc.string({ maxLength: 6 }),
);

const numberCell = fc.oneof(
  fc.integer({ min: 0, max: 400 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.constantFrom('1e999', '-1e999', '1e308', '', 'NA'),
);
const labelCell = fc.constantFrom('yes', 'no', 'yes', 'no', 'Yes', '1', '0', '');
const planCell = fc.constantFrom('basic', 'pro', 'team', '');
const dateCell = fc.oneof(
  fc
    .date({ min: new Date('1990-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2026-02-31', '9999-12-31', '0000-01-01', '2026-01-01T23:59:59+14:00'),
);

const COLUMNS = ['id', 'tenure', 'plan', 'last_login', 'churned'];

/** A customer table, sometimes with a ragged row, a duplicated or blank column, or no rows. */
export const csvCells: fc.Arbitrary<string> = fc
  .tuple(
    fc.subarray(COLUMNS, { minLength: 1 }),
    fc.integer({ min: 0, max: 40 }),
    fc.constantFrom('none', 'ragged', 'duplicate', 'blank-name', 'unclosed'),
    fc.constantFrom('\n', '\r\n'),
  )
  .chain(([header, count, damage, eol]) =>
    fc
      .tuple(
        ...header.map((name) => {
          // Mostly cells of the column's own kind, with the odd stray one.
          const own =
            name === 'churned'
              ? labelCell
              : name === 'last_login'
                ? dateCell
                : name === 'plan'
                  ? planCell
                  : numberCell;
          return fc.array(fc.oneof({ weight: 12, arbitrary: own }, customerCell), {
            minLength: count,
            maxLength: count,
          });
        }),
      )
      .map((columns) => Array.from({ length: count }, (_, r) => columns.map((column) => column[r]!)))
      .map((rows) => {
        const head = [...header];
        if (damage === 'duplicate') head.push(head[0]!);
        if (damage === 'blank-name') head.push(' ');
        const body = rows.map((row) =>
          damage === 'duplicate' || damage === 'blank-name' ? [...row, '1'] : row,
        );
        if (damage === 'ragged' && body.length > 0) body[body.length >> 1]!.push('extra');
        const text = csvText({ header: head, rows: body }, eol);
        return damage === 'unclosed' ? `${text}"open` : text;
      }),
  );

/** Text that is almost CSV: quotes in odd places, stray line ends, NULs, a lone header. */
export const messyCsv: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(fc.constantFrom('a', 'b', ',', '"', '\n', '\r', '\r\n', ' ', '1', '\u0000', '\ufeff'), {
      maxLength: 60,
    })
    .map((parts) => parts.join('')),
  csvTable
    .map((t) => csvText(t))
    .chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut))),
  fc.constantFrom('', '\ufeff', 'a,b', 'a,b\n', '"a', 'a,a\n1,2', ',\n1', 'a\n"x"y'),
);

/** A refusal of input data: a CSV or model data error with one line that says what to fix and where. */
export function expectDataError(error: unknown): void {
  if (!(error instanceof ModelDataError) && !(error instanceof CsvFormatError)) throw error;
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.message).not.toMatch(/\n\s+at\s/);
  expectNoLeak(error.message);
}
