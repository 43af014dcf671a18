import { InvalidArgumentError, type Command } from 'commander';
import { foldCount } from '../../server/model/folds.js';
import {
  crossValidate,
  foldsFromCsv,
  stratifiedFolds,
  SUMMARY_KEYS,
  type Evaluation,
} from '../../server/model/index.js';
import { progressBar } from '../progress.js';
import {
  addColumnFlags,
  exitOnError,
  loadLabelledCsv,
  parseWhole,
  readCsv,
  type ColumnFlags,
} from './train.js';

export function registerEvaluate(program: Command): void {
  addColumnFlags(program.command('evaluate'))
    .description(
      'Cross-validate the whole training procedure on a CSV file and print per-fold and mean metrics',
    )
    .option(
      '--folds <file>',
      'fold of each data row: a CSV with columns row,fold (0-based rows, header excluded)',
    )
    .option('--k <n>', 'number of stratified folds when no folds file is given', parseWhole, 5)
    .option('--inner-folds <n>', 'folds of the cross-validation that chooses the model', parseWhole, 5)
    .option('--json', 'print one JSON object {folds, mean} instead of a table')
    .action(
      async (flags: ColumnFlags & { folds?: string; k: number; innerFolds: number; json?: boolean }) => {
        try {
          if (flags.k < 2) throw new InvalidArgumentError('--k must be at least 2');
          const { dataset } = await loadLabelledCsv(flags);
          const folds = flags.folds
            ? foldsFromCsv(await readCsv(flags.folds), dataset.labels!)
            : stratifiedFolds(dataset.labels!, flags.k, flags.seed);
          const k = foldCount(folds);
          const bar = progressBar('Evaluating');
          const evaluation = await crossValidate(dataset, folds, {
            seed: flags.seed,
            innerFolds: flags.innerFolds,
            ...(flags.family ? { families: flags.family } : {}),
            onProgress: (fold, done, total) => bar.update(fold * total + done, k * total),
          });
          bar.stop();
          process.stdout.write(flags.json ? `${JSON.stringify(evaluation)}\n` : formatTable(evaluation));
        } catch (error) {
          exitOnError(error);
        }
      },
    );
}

const COLUMNS: [key: (typeof SUMMARY_KEYS)[number], title: string][] = [
  ['roc_auc', 'ROC-AUC'],
  ['pr_auc', 'PR-AUC'],
  ['accuracy', 'acc@thr'],
  ['f1', 'F1@thr'],
  ['accuracy_at_half', 'acc@0.5'],
  ['brier', 'Brier'],
  ['log_loss', 'log-loss'],
  ['ece', 'ECE'],
  ['lift_top_decile', 'lift@10%'],
  ['capture_top_decile', 'capt@10%'],
];

export function formatTable(evaluation: Evaluation): string {
  const header = ['fold', 'model', ...COLUMNS.map(([, title]) => title), 'seconds'];
  const rows = evaluation.folds.map((f) => [
    String(f.fold),
    f.family,
    ...COLUMNS.map(([key]) => f[key].toFixed(4)),
    f.seconds.toFixed(1),
  ]);
  rows.push(['mean', '', ...COLUMNS.map(([key]) => evaluation.mean[key].toFixed(4)), '']);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
