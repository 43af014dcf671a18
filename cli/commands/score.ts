import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  datasetFromCsv,
  ModelFormatError,
  parseModel,
  scoreDataset,
  subsetDataset,
  topReasons,
  type Reason,
  type Score,
  type TrainedModel,
} from '../../server/model/index.js';
import { csvLine } from '../../server/csv-cell.js';
import { progressBar } from '../progress.js';
import { exitOnError, parseWhole, readCsv } from './train.js';

/** Rows scored per step, so the progress bar moves on big files. */
const CHUNK = 20_000;

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('Score a CSV file with a trained model: id, churn probability, tier and the top reasons')
    .requiredOption('--csv <file>', 'customers to score (the columns the model was trained on)')
    .requiredOption('--model <file>', 'a model written by `churn train`')
    .option(
      '--id <column>',
      'the column that identifies a customer (default: the one the model was trained with)',
    )
    .option('--reasons <n>', 'reasons to give each way (raising and lowering the risk)', parseWhole, 3)
    .option('--json', 'print a JSON array instead of CSV')
    .option('--out <file>', 'write the scores here instead of to stdout')
    .action(
      async (flags: {
        csv: string;
        model: string;
        id?: string;
        reasons: number;
        json?: boolean;
        out?: string;
      }) => {
        // `churn score … | head` closes the pipe early: that is the reader's choice, not an error.
        process.stdout.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'EPIPE') process.exit(0);
        });
        try {
          const model = readModel(flags.model);
          const table = await readCsv(flags.csv);
          const idColumn =
            flags.id ??
            (model.idColumn && table.header.includes(model.idColumn) ? model.idColumn : undefined);
          const { dataset } = datasetFromCsv(table, {
            features: model.encoder.features,
            ...(idColumn ? { id: idColumn } : {}),
          });
          if (!dataset.ids) dataset.ids = Array.from({ length: dataset.size }, (_, i) => String(i));
          const bar = progressBar('Scoring');
          const scores: Score[] = [];
          for (let start = 0; start < dataset.size; start += CHUNK) {
            const rows = Array.from({ length: Math.min(CHUNK, dataset.size - start) }, (_, i) => start + i);
            scores.push(...(await scoreDataset(model, subsetDataset(dataset, rows))));
            bar.update(scores.length, dataset.size);
          }
          bar.stop();
          const text = flags.json ? formatJson(scores, flags.reasons) : formatCsv(scores, flags.reasons);
          if (flags.out) writeFileSync(flags.out, text);
          else process.stdout.write(text);
          if (model.isStarter)
            process.stderr.write('Scored by the starter model (weights set by hand, not learned).\n');
        } catch (error) {
          exitOnError(error);
        }
      },
    );
}

function readModel(path: string): TrainedModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelFormatError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return parseModel(text);
}

function describeReason(reason: Reason): string {
  const sign = reason.contribution >= 0 ? '+' : '−';
  return `${reason.label} = ${reason.value ?? 'missing'} (${sign}${Math.abs(reason.contribution).toFixed(2)})`;
}

function formatCsv(scores: Score[], count: number): string {
  const header = [
    'id',
    'probability',
    'tier',
    ...Array.from({ length: count }, (_, i) => `reason_up_${i + 1}`),
    ...Array.from({ length: count }, (_, i) => `reason_down_${i + 1}`),
  ];
  const lines = scores.map((score) => {
    const { up, down } = topReasons(score, count);
    const pad = (reasons: Reason[]) =>
      Array.from({ length: count }, (_, i) => (reasons[i] ? describeReason(reasons[i]) : ''));
    return csvLine([score.id ?? '', score.probability.toFixed(4), score.tier, ...pad(up), ...pad(down)]);
  });
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

function formatJson(scores: Score[], count: number): string {
  return `${JSON.stringify(
    scores.map((score) => ({
      id: score.id,
      probability: score.probability,
      tier: score.tier,
      logit: score.logit,
      baseLogit: score.baseLogit,
      reasons: topReasons(score, count),
    })),
  )}\n`;
}
