import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import {
  datasetFromCsv,
  ModelDataError,
  ModelFormatError,
  serializeModel,
  trainModel,
  type ColumnDecision,
  type CsvDatasetOptions,
  type Family,
  type TrainedModel,
} from '../../server/model/index.js';
import { CsvFormatError, readCsvFile, type CsvTable } from '../../server/csv/read-csv.js';
import { progressBar } from '../progress.js';

/** The column flags `train` and `evaluate` share. */
export interface ColumnFlags {
  csv: string;
  label: string;
  positive?: string;
  id?: string;
  ignore?: string[];
  family?: Family[];
  seed: number;
}

export function addColumnFlags(command: Command): Command {
  return command
    .requiredOption('--csv <file>', 'the table: one row per customer, with a header line')
    .requiredOption('--label <column>', 'the column that says whether the customer churned')
    .option('--positive <value>', 'the label value that means churned (guessed for Yes/No, 1/0, true/false)')
    .option('--id <column>', 'the column that identifies a customer (never used as a feature)')
    .option('--ignore <columns>', 'comma-separated columns to leave out', parseList)
    .option(
      '--family <families>',
      'model families to consider (logistic,mlp,gbdt; default all)',
      parseFamilies,
    )
    .option('--seed <n>', 'seed for every random choice (same seed, same model)', parseWhole, 42);
}

/** Reads the table the flags name and reports, on stderr, how each column was read. */
export async function loadLabelledCsv(flags: ColumnFlags): Promise<ReturnType<typeof datasetFromCsv>> {
  const options: CsvDatasetOptions = { label: flags.label };
  if (flags.positive !== undefined) options.positive = flags.positive;
  if (flags.id !== undefined) options.id = flags.id;
  if (flags.ignore) options.ignore = flags.ignore;
  const loaded = datasetFromCsv(await readCsvFile(flags.csv), options);
  process.stderr.write(describeColumns(loaded.decisions, loaded.dataset.size, loaded.dataset.labels!));
  return loaded;
}

export function readCsv(path: string): Promise<CsvTable> {
  return readCsvFile(path);
}

function describeColumns(decisions: ColumnDecision[], rows: number, labels: Uint8Array): string {
  const churners = labels.reduce((s, y) => s + y, 0);
  const width = Math.max(...decisions.map((d) => d.name.length));
  return (
    `${rows} rows, ${churners} churned (${((100 * churners) / rows).toFixed(1)} %)\n` +
    decisions.map((d) => `  ${d.name.padEnd(width)}  ${d.role.padEnd(11)}  ${d.why}\n`).join('')
  );
}

/** Errors about the input get one clear line and exit code 1; anything else its stack. */
export function exitOnError(error: unknown): never {
  if (
    error instanceof ModelDataError ||
    error instanceof ModelFormatError ||
    error instanceof CsvFormatError
  ) {
    process.stderr.write(`churn: ${error.message}\n`);
  } else {
    process.stderr.write(`churn: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
}

export function registerTrain(program: Command): void {
  addColumnFlags(program.command('train'))
    .description(
      'Train a churn model on a CSV file: the family and its settings are chosen by cross-validation',
    )
    .requiredOption('--out <file>', 'where to write the model (JSON)')
    .option('--inner-folds <n>', 'folds of the cross-validation that chooses the model', parseWhole, 5)
    .option('--json', 'print the summary as JSON')
    .action(async (flags: ColumnFlags & { out: string; innerFolds: number; json?: boolean }) => {
      try {
        const { dataset } = await loadLabelledCsv(flags);
        const bar = progressBar('Training');
        const model = await trainModel(dataset, {
          seed: flags.seed,
          innerFolds: flags.innerFolds,
          ...(flags.family ? { families: flags.family } : {}),
          ...(flags.id ? { idColumn: flags.id } : {}),
          onProgress: (done, total) => bar.update(done, total),
        });
        bar.stop();
        writeFileSync(flags.out, serializeModel(model));
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(trainingSummary(model, flags.out))}\n`
            : describeModel(model, flags.out),
        );
      } catch (error) {
        exitOnError(error);
      }
    });
}

function trainingSummary(model: TrainedModel, out: string) {
  const { calibration: _table, ...metrics } = model.metrics!;
  return {
    model: out,
    family: model.predictor.family,
    params: model.predictor.params,
    selection: model.selection,
    metrics,
    thresholds: model.thresholds,
  };
}

function describeModel(model: TrainedModel, out: string): string {
  const m = model.metrics!;
  const lines = [
    `Model written to ${out}: ${model.predictor.family} ${describeParams(model.predictor.params as unknown as Record<string, number>)}`,
    'Candidates (cross-validated inside the training data):',
    ...model.selection.map(
      (c) =>
        `  ${c.chosen ? '*' : ' '} ${c.family.padEnd(8)} ROC-AUC ${c.cvRocAuc.toFixed(4)}  log-loss ${c.cvLogLoss.toFixed(4)}` +
        `  ${describeParams(c.params, c.iterations)}`,
    ),
    `Cross-validated, calibrated: ROC-AUC ${m.roc_auc.toFixed(4)}  PR-AUC ${m.pr_auc.toFixed(4)}  Brier ${m.brier.toFixed(4)}  ` +
      `ECE ${m.ece.toFixed(4)}  lift@10% ${m.lift_top_decile.toFixed(2)}`,
    `Decision threshold ${model.thresholds.decision.toFixed(3)} (accuracy ${m.accuracy.toFixed(3)}, F1 ${m.f1.toFixed(3)}); ` +
      `tiers: high ≥ ${model.thresholds.high.toFixed(3)}, medium ≥ ${model.thresholds.medium.toFixed(3)}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Settings without the round/epoch cap; the count the loss curve chose instead. */
function describeParams(params: Record<string, number>, iterations?: number): string {
  const { rounds: _rounds, epochs: _epochs, ...rest } = params;
  const settings = Object.entries(rest).map(([k, v]) => `${k}=${v}`);
  if (iterations) settings.push('rounds' in params ? `${iterations} rounds` : `${iterations} epochs`);
  return settings.join(' ');
}

export function parseWhole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function parseFamilies(value: string): Family[] {
  const families = parseList(value);
  for (const f of families) {
    if (f !== 'logistic' && f !== 'mlp' && f !== 'gbdt') {
      throw new InvalidArgumentError(`unknown family "${f}" (choose from logistic, mlp, gbdt)`);
    }
  }
  return families as Family[];
}
