/**
 * Fold assignments that keep rows which belong together in one fold: a contact's rows from
 * several cutoffs, or an account's contacts, who share their outcome. Splitting them by row lets
 * a fold's model recognise a group it has already seen, and the held-out figure flatters it.
 */
import { ModelDataError } from './errors.js';
import { SeededRandom } from './random.js';

interface Group {
  rows: number[];
  churners: number;
}

/**
 * A stratified group k-fold: every group's rows go to one fold, and churners are spread as evenly
 * as whole groups allow. Groups are taken most churners first (then largest), in a seeded random
 * order among equals, each dealt to the fold with the fewest churners so far (groups without
 * churners: the fewest rows), ties to the fewest rows, then the lowest fold. Same seed, same folds.
 */
export function stratifiedGroupFolds(
  labels: Uint8Array,
  groups: readonly string[],
  k: number,
  seed: number,
): Uint8Array {
  if (groups.length !== labels.length) {
    throw new ModelDataError(
      'groups_invalid',
      `${groups.length} row groups were given for ${labels.length} rows: give one group per row`,
    );
  }
  const byId = new Map<string, Group>();
  labels.forEach((y, row) => {
    const id = groups[row]!;
    let group = byId.get(id);
    if (!group) byId.set(id, (group = { rows: [], churners: 0 }));
    group.rows.push(row);
    group.churners += y;
  });
  const order = new SeededRandom(seed).shuffle([...byId.values()]);
  // Array.prototype.sort is stable, so the shuffle decides among groups of equal churners and size.
  order.sort((a, b) => b.churners - a.churners || b.rows.length - a.rows.length);

  const foldChurners = new Array<number>(k).fill(0);
  const foldRows = new Array<number>(k).fill(0);
  const folds = new Uint8Array(labels.length);
  for (const group of order) {
    let best = 0;
    for (let f = 1; f < k; f++) {
      const byChurners = foldChurners[f]! - foldChurners[best]!;
      const byRows = foldRows[f]! - foldRows[best]!;
      if (group.churners > 0 ? byChurners < 0 || (byChurners === 0 && byRows < 0) : byRows < 0) best = f;
    }
    for (const row of group.rows) folds[row] = best;
    foldChurners[best]! += group.churners;
    foldRows[best]! += group.rows.length;
  }
  for (let f = 0; f < k; f++) {
    if (foldChurners[f] === 0 || foldChurners[f] === foldRows[f]) {
      throw new ModelDataError(
        'too_few_groups',
        `cross-validation over ${k} folds kept by group needs churners and stayers in every fold, ` +
          `but fold ${f} holds ${foldChurners[f] === 0 ? 'no churners' : 'only churners'} ` +
          `(${byId.size} groups in all)`,
      );
    }
  }
  return folds;
}
