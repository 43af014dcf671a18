import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { datasetFromCsv } from '../../server/model/csv-dataset.js';
import { CsvFormatError, parseCsv } from '../../server/csv/read-csv.js';
import { csvCells, csvTable, csvText, expectDataError, messyCsv } from './csv-fuzz.js';
import { AnswerTally, fuzzParameters, fuzzRuns, printTallies } from './fuzz-support.js';

const OUTCOMES = { 0: 'read', 1: 'refused' };
const tallies = {
  roundTrip: new AnswerTally('well-formed tables read back cell for cell', OUTCOMES),
  anyText: new AnswerTally('any text read or refused', OUTCOMES),
  datasets: new AnswerTally('tables that parse, read as datasets or refused', OUTCOMES),
};

afterAll(() => printTallies('CSV reading (in-process)', Object.values(tallies)));

/** The outcome as a tally key: 0 read, 1 refused with a data error. */
const outcome = (read: () => unknown): number => {
  try {
    read();
    return 0;
  } catch (error) {
    expectDataError(error);
    return 1;
  }
};

describe('parseCsv', () => {
  it('reads every well-formed table back cell for cell, whatever the quoting and line ends', () => {
    fc.assert(
      fc.property(csvTable, fc.constantFrom('\n', '\r\n'), fc.boolean(), (table, eol, bom) => {
        const text = `${bom ? '\ufeff' : ''}${csvText(table, eol)}`;
        const parsed = parseCsv(text, 'fuzz.csv');
        tallies.roundTrip.note(0);
        expect(parsed.header).toEqual(table.header.map((h) => h.trim()));
        expect(parsed.rows).toEqual(table.rows);
        expect(parsed.lines).toHaveLength(table.rows.length);
      }),
      fuzzParameters(fuzzRuns(1000)),
    );
  });

  it('reads any text or refuses it with a one-line data error naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(messyCsv, fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
        tallies.anyText.note(outcome(() => parseCsv(text, 'fuzz.csv')));
      }),
      fuzzParameters(fuzzRuns(2000)),
    );
  });
});

describe('datasetFromCsv', () => {
  it('reads a table as a labelled dataset, or refuses it with a data error', () => {
    const options = fc.record(
      {
        label: fc.constantFrom('churned', 'plan', 'missing_column'),
        positive: fc.constantFrom('yes', 'no', '1', 'maybe'),
        id: fc.constantFrom('id', 'tenure'),
        ignore: fc.subarray(['plan', 'tenure', 'nope']),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(csvCells, options, (text, opts) => {
        let table: ReturnType<typeof parseCsv>;
        try {
          table = parseCsv(text, 'fuzz.csv');
        } catch (error) {
          expect(error).toBeInstanceOf(CsvFormatError);
          return;
        }
        tallies.datasets.note(
          outcome(() => {
            const { dataset } = datasetFromCsv(table, opts);
            expect(dataset.size).toBe(table.rows.length);
            for (const column of dataset.columns) {
              if (column.kind !== 'categorical') {
                for (const v of column.values) expect(Number.isNaN(v) || Number.isFinite(v)).toBe(true);
              }
            }
          }),
        );
      }),
      fuzzParameters(fuzzRuns(3000)),
    );
  });
});
