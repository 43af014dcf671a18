import { describe, expect, it } from '@jest/globals';
import { CsvFormatError, parseCsv } from '../../server/csv/read-csv.js';
import { datasetFromCsv } from '../../server/model/csv-dataset.js';
import { ModelDataError } from '../../server/model/errors.js';
import { syntheticCustomers, toCsv } from './synthetic.js';

function errorOf(fn: () => unknown): ModelDataError | CsvFormatError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ModelDataError || error instanceof CsvFormatError) return error;
    throw error;
  }
  throw new Error('expected a data error');
}

describe('reading CSV files', () => {
  it('reads quoted fields, doubled quotes, CRLF line ends and a byte-order mark', () => {
    const table = parseCsv('\ufeffname,note\r\n"Smith, J","said ""hi""\r\nthen left"\r\nLee,plain\r\n');
    expect(table.header).toEqual(['name', 'note']);
    expect(table.rows).toEqual([
      ['Smith, J', 'said "hi"\r\nthen left'],
      ['Lee', 'plain'],
    ]);
    expect(table.lines).toEqual([2, 4]);
    expect(table.source).toBe('the file');
  });

  it('names the line of a row with the wrong number of fields', () => {
    const error = errorOf(() => parseCsv('a,b,c\n1,2,3\n4,5\n', 'customers.csv'));
    expect(error.code).toBe('csv_ragged');
    expect(error.message).toBe('customers.csv, line 3: 2 fields, but the header has 3');
    expect(error.where.line).toBe(3);
  });

  it('refuses an empty file, a header without rows, and an unclosed quote', () => {
    expect(errorOf(() => parseCsv('', 'x.csv')).code).toBe('csv_empty');
    expect(errorOf(() => parseCsv('a,b\n', 'x.csv')).message).toBe('x.csv has a header but no data rows');
    const unclosed = errorOf(() => parseCsv('a,b\n1,"open\n2,3\n', 'x.csv'));
    expect(unclosed.code).toBe('csv_malformed');
    expect(unclosed.message).toContain('line 2');
  });

  it('infers numeric, categorical, boolean, date and id columns', () => {
    const rows = Array.from({ length: 30 }, (_, i) =>
      [
        `cust-${i}`,
        i % 7,
        i % 2 ? 'Yes' : 'No',
        ['gold', 'silver'][i % 2],
        `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
        i % 3 ? '12.5' : '',
        i % 4 === 0 ? 'Yes' : 'No',
      ].join(','),
    );
    const table = parseCsv(['id,visits,promo,tier,signup,spend,left', ...rows].join('\n'));
    const { dataset, decisions } = datasetFromCsv(table, { label: 'left' });
    expect(Object.fromEntries(decisions.map((d) => [d.name, d.role]))).toEqual({
      id: 'id',
      visits: 'numeric',
      promo: 'boolean',
      tier: 'categorical',
      signup: 'date',
      spend: 'constant',
      left: 'label',
    });
    const signup = dataset.columns.find((c) => c.name === 'signup')!;
    expect(signup.values[0]).toBe(Date.UTC(2024, 0, 1) / 86_400_000);
    expect(dataset.target).toEqual({ column: 'left', positive: 'Yes' });
    expect(Array.from(dataset.labels!.slice(0, 5))).toEqual([1, 0, 0, 0, 1]);
  });

  it('keeps blank numbers as missing values', () => {
    const csv = toCsv(syntheticCustomers(50, 1));
    const { dataset } = datasetFromCsv(parseCsv(csv), { label: 'churned', id: 'id' });
    const tenure = dataset.columns.find((c) => c.name === 'tenure_months')!;
    expect(tenure.kind).toBe('numeric');
    expect(Array.from(tenure.values as Float64Array).some(Number.isNaN)).toBe(true);
  });

  it('names the first stray word in a column of numbers instead of reading the column as text', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i === 41 ? 'n.a' : i * 1.5},${i % 2}`);
    const error = errorOf(() =>
      datasetFromCsv(parseCsv(['spend,left', ...rows].join('\n'), 'shop.csv'), { label: 'left' }),
    );
    expect(error.message).toBe(
      'shop.csv, line 43, column "spend": "n.a" is not one of the numbers the rest of the column holds ' +
        '(1 such cell); fix them, leave them blank, or --ignore the column',
    );
    expect(error.where).toEqual({ line: 43, column: 'spend' });
  });

  it('names a missing label column and lists the columns there are', () => {
    const error = errorOf(() => datasetFromCsv(parseCsv('a,b\n1,2\n'), { label: 'Churn' }));
    expect(error.code).toBe('column_missing');
    expect(error.message).toBe('the file has no label column "Churn" (columns: a, b)');
    expect(error.where.column).toBe('Churn');
  });

  it('refuses a label with one class only, and a row without a label', () => {
    const oneClass = errorOf(() => datasetFromCsv(parseCsv('x,Churn\n1,No\n2,No\n'), { label: 'Churn' }));
    expect(oneClass.code).toBe('label_one_class');
    expect(oneClass.message).toContain('holds one class only ("No" in all 2 rows)');
    const blank = errorOf(() => datasetFromCsv(parseCsv('x,Churn\n1,No\n2,\n', 'f.csv'), { label: 'Churn' }));
    expect(blank.message).toBe('f.csv, line 3: the label "Churn" is empty');
  });

  it('asks which value means churned when it cannot tell, and checks a given one', () => {
    const table = parseCsv('x,status\n1,active\n2,cancelled\n');
    expect(errorOf(() => datasetFromCsv(table, { label: 'status' })).message).toContain('--positive');
    expect(errorOf(() => datasetFromCsv(table, { label: 'status', positive: 'gone' })).message).toContain(
      'never takes the value "gone"',
    );
    const { dataset } = datasetFromCsv(table, { label: 'status', positive: 'cancelled' });
    expect(Array.from(dataset.labels!)).toEqual([0, 1]);
  });

  it('names the line and column of a value that does not fit the kind a model expects', () => {
    const table = parseCsv('visits,plan\n3,gold\nmany,silver\n', 'new.csv');
    const error = errorOf(() =>
      datasetFromCsv(table, {
        features: [
          { name: 'visits', kind: 'numeric', label: 'Visits' },
          { name: 'plan', kind: 'categorical', label: 'Plan' },
        ],
      }),
    );
    expect(error.message).toBe('new.csv, line 3, column "visits": "many" is not a valid numeric value');
    expect(error.where).toEqual({ line: 3, column: 'visits' });
  });
});
