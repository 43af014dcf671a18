/** Fold assignments for cross-validation: stratified and seeded, or read from a `row,fold` file. */
import type { CsvTable } from '../csv/read-csv.js';
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

/**
 * Reads a folds file (columns `row,fold`, 0-based data rows) for a labelled data set: every data
 * row gets exactly one fold, folds are numbered 0…k−1 with none empty, and each fold holds both
 * churners and stayers (its ROC-AUC could not be measured otherwise). Errors name the line.
 */
export function foldsFromCsv(table: CsvTable, labels: Uint8Array): Uint8Array {
  const source = table.source;
  const size = labels.length;
  const rowAt = table.header.indexOf('row');
  const foldAt = table.header.indexOf('fold');
  if (rowAt < 0 || foldAt < 0) {
    throw new ModelDataError('folds_invalid', `${source} needs the columns "row" and "fold"`, {
      column: rowAt < 0 ? 'row' : 'fold',
    });
  }
  const folds = new Uint8Array(size).fill(255);
  /** The file line that gave each data row its fold (0: none yet). */
  const givenOn = new Uint32Array(size);
  table.rows.forEach((cells, r) => {
    const line = table.lines[r]!;
    const row = Number(cells[rowAt]);
    const fold = Number(cells[foldAt]);
    if (
      cells[rowAt]!.trim() === '' ||
      cells[foldAt]!.trim() === '' ||
      !Number.isInteger(row) ||
      row < 0 ||
      row >= size ||
      !Number.isInteger(fold) ||
      fold < 0 ||
      fold > 254
    ) {
      throw new ModelDataError(
        'folds_invalid',
        `${source}, line ${line}: expected a data row in 0…${size - 1} and a fold number in 0…254, got "${cells[rowAt]},${cells[foldAt]}"`,
        { line },
      );
    }
    if (givenOn[row] !== 0) {
      throw new ModelDataError(
        'folds_invalid',
        `${source}, line ${line}: data row ${row} already has a fold (line ${givenOn[row]})`,
        { line },
      );
    }
    folds[row] = fold;
    givenOn[row] = line;
  });
  const unassigned = folds.indexOf(255);
  if (unassigned >= 0) {
    throw new ModelDataError('folds_invalid', `${source} gives no fold for data row ${unassigned}`, {
      column: 'row',
    });
  }
  const k = foldCount(folds);
  const rows = new Array<number>(k).fill(0);
  const churners = new Array<number>(k).fill(0);
  for (let i = 0; i < size; i++) {
    rows[folds[i]!]! += 1;
    churners[folds[i]!]! += labels[i]!;
  }
  const empty = rows.indexOf(0);
  if (empty >= 0) {
    const fromOne = empty === 0 && rows.slice(1).every((n) => n > 0);
    throw new ModelDataError(
      'folds_invalid',
      fromOne
        ? `${source}: fold numbers start at 0, but no row is in fold 0 (folds 1…${k - 1} given)`
        : `${source}: fold numbers must run 0…${k - 1} with none missing, but no row is in fold ${empty}`,
      { column: 'fold' },
    );
  }
  if (k < 2) {
    throw new ModelDataError('folds_invalid', `${source} puts every row in one fold: give at least two`, {
      column: 'fold',
    });
  }
  for (let f = 0; f < k; f++) {
    if (churners[f] === 0 || churners[f] === rows[f]) {
      throw new ModelDataError(
        'folds_invalid',
        `${source}: fold ${f} holds ${churners[f] === 0 ? 'no churners' : 'only churners'} (${rows[f]} rows), so its ROC-AUC cannot be measured`,
        { column: 'fold' },
      );
    }
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

/** The number of folds: one more than the highest fold number (a loop: folds can be millions long). */
export function foldCount(folds: Uint8Array): number {
  let highest = 0;
  for (let i = 0; i < folds.length; i++) if (folds[i]! > highest) highest = folds[i]!;
  return highest + 1;
}
