/**
 * Scoring throughput: contacts scored per second on one core (one Node thread; TensorFlow.js on
 * single-threaded WASM) for feature vectors already built, for the model `train` chooses on the
 * Bank and Telco tables, and for each family forced. Probabilities alone (the bulk path), and
 * with every reason computed.
 *
 *   npx tsx bench/score.ts [rows=1000000]
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../server/csv/read-csv.js';
import {
  datasetFromCsv,
  predictProbabilities,
  scoreDataset,
  subsetDataset,
  trainModel,
  type Dataset,
  type Family,
} from '../server/model/index.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const datasets = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'datasets', 'tabular');
if (!existsSync(datasets)) {
  console.error(`The public data sets are not in ${datasets}: nothing to score.`);
  process.exit(2);
}

const TABLES = [
  {
    name: 'Bank',
    file: 'Churn_Modelling.csv',
    label: 'Exited',
    id: 'CustomerId',
    ignore: ['RowNumber', 'Surname'],
  },
  {
    name: 'Telco',
    file: 'WA_Fn-UseC_-Telco-Customer-Churn.csv',
    label: 'Churn',
    id: 'customerID',
    ignore: [],
  },
];

const results: string[] = [];
for (const table of TABLES) {
  const text = readFileSync(join(datasets, table.file), 'utf8');
  const { dataset } = datasetFromCsv(parseCsv(text, table.file), {
    label: table.label,
    id: table.id,
    ignore: table.ignore,
  });
  const big = repeatRows(dataset, rows);
  for (const families of [undefined, ['logistic'], ['mlp'], ['gbdt']] as (Family[] | undefined)[]) {
    const model = await trainModel(dataset, families ? { families } : {});
    const what = `${table.name}, ${families ? 'forced' : 'chosen'} ${model.predictor.family}`;
    await predictProbabilities(model, subsetDataset(big, range(10_000))); // warm-up
    let started = performance.now();
    await predictProbabilities(model, big);
    const bulk = rows / ((performance.now() - started) / 1000);
    const sample = subsetDataset(big, range(20_000));
    await scoreDataset(model, subsetDataset(big, range(2_000)));
    started = performance.now();
    await scoreDataset(model, sample);
    const explained = sample.size / ((performance.now() - started) / 1000);
    results.push(
      `${what.padEnd(26)} ${Math.round(bulk).toLocaleString('en').padStart(11)} contacts/s` +
        `   with all reasons ${Math.round(explained).toLocaleString('en').padStart(9)} contacts/s`,
    );
    console.error(results.at(-1));
  }
}
console.log(`Scoring ${rows.toLocaleString('en')} feature vectors on one core:`);
for (const line of results) console.log(line);

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A data set of `n` rows made by repeating the table's rows: feature vectors already built. */
function repeatRows(dataset: Dataset, n: number): Dataset {
  return subsetDataset(
    dataset,
    Array.from({ length: n }, (_, i) => i % dataset.size),
  );
}
