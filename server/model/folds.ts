/** Fold assignments for cross-validation: stratified and seeded, or read from a `row,fold` file. */
import type { CsvTable } from './csv.js';
import { ModelDataError } from './errors.js';
import { SeededRandom } from './random.js';

/**
 * Assigns each row to one of k folds so that every fold holds the same share of churners (to
 * within one row): the rows of each class are shuffled, then dealt out in turn.
 */
export function stratifiedFolds(labels: Uint8Array, k: number, seed: number): Uint8Array {
  const random = new SeededRandom(seed);
  const folds = new Uint8Array(labels.length);
  let dealt = 0;
  for (const cls of [1, 0]) {
    const rows: number[] = [];
    labels.forEach((y, i) => {
      if (y === cls) rows.push(i);
    });
    random.shuffle(rows);
    for (const row of rows) folds[row] = dealt++ % k;
  }
  return folds;
}

/** Reads a folds file (columns `row,fold`, 0-based data rows) for a data set of `size` rows. */
export function foldsFromCsv(table: CsvTable, size: number): Uint8Array {
  const source = table.source;
  const rowAt = table.header.indexOf('row');
  const foldAt = table.header.indexOf('fold');
  if (rowAt < 0 || foldAt < 0) {
    throw new ModelDataError('folds_invalid', `${source} needs the columns "row" and "fold"`, {
      column: rowAt < 0 ? 'row' : 'fold',
    });
  }
  const folds = new Uint8Array(size).fill(255);
  table.rows.forEach((cells, r) => {
    const row = Number(cells[rowAt]);
    const fold = Number(cells[foldAt]);
    if (
      !Number.isInteger(row) ||
      row < 0 ||
      row >= size ||
      !Number.isInteger(fold) ||
      fold < 0 ||
      fold > 254
    ) {
      throw new ModelDataError(
        'folds_invalid',
        `${source}, line ${table.lines[r]}: expected a data row in 0…${size - 1} and a fold number, got "${cells[rowAt]},${cells[foldAt]}"`,
        { line: table.lines[r]! },
      );
    }
    folds[row] = fold;
  });
  const unassigned = folds.indexOf(255);
  if (unassigned >= 0) {
    throw new ModelDataError('folds_invalid', `${source} gives no fold for data row ${unassigned}`, {
      column: 'row',
    });
  }
  return folds;
}

/** The rows in fold `k` and the rows in every other fold. */
export function splitFold(folds: Uint8Array, k: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  folds.forEach((f, i) => (f === k ? test : train).push(i));
  return { train, test };
}

export function foldCount(folds: Uint8Array): number {
  return Math.max(...folds) + 1;
}
