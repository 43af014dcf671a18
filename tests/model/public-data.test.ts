import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseCsv } from '../../server/csv/read-csv.js';
import { datasetFromCsv, type CsvDatasetOptions } from '../../server/model/csv-dataset.js';
import { subsetDataset } from '../../server/model/dataset.js';
import { foldsFromCsv, splitFold } from '../../server/model/folds.js';
import { evaluatePredictions } from '../../server/model/metrics.js';
import { SeededRandom } from '../../server/model/random.js';
import { predictProbabilities } from '../../server/model/score.js';
import { trainModel } from '../../server/model/train.js';
import { ROOT } from '../support/processes.js';

const DATA = join(ROOT, '..', 'shared', 'datasets');
const present = existsSync(join(DATA, 'tabular')) && existsSync(join(DATA, 'folds'));
if (!present) console.warn(`Public data sets not found in ${DATA}: skipping the tests on real churn tables.`);
const d = present ? describe : describe.skip;

function load(file: string, folds: string, options: CsvDatasetOptions) {
  const { dataset, decisions } = datasetFromCsv(
    parseCsv(readFileSync(join(DATA, 'tabular', file), 'utf8'), file),
    options,
  );
  return {
    dataset,
    decisions,
    folds: foldsFromCsv(parseCsv(readFileSync(join(DATA, 'folds', folds), 'utf8')), dataset.labels!),
  };
}

/**
 * Trains on a sample of the other folds' rows and measures on fold 0. The network is left out
 * to keep the test fast; the benchmark (bench/model-quality.ts) runs every family on all rows.
 */
async function trainOnSample(loaded: ReturnType<typeof load>, rows: number) {
  const { train, test } = splitFold(loaded.folds, 0);
  const sample = new SeededRandom(1).shuffle(train).slice(0, rows);
  const model = await trainModel(subsetDataset(loaded.dataset, sample), {
    innerFolds: 3,
    seed: 42,
    families: ['logistic', 'gbdt'],
  });
  const testSet = subsetDataset(loaded.dataset, test);
  return { model, metrics: evaluatePredictions(await predictProbabilities(model, testSet), testSet.labels!) };
}

d('real churn tables (samples, fold 0 of the shared folds)', () => {
  it('reads the Telco table as a person would: ids, yes/no flags, numbers with blanks, categories', () => {
    const { dataset, decisions } = load('WA_Fn-UseC_-Telco-Customer-Churn.csv', 'telco_folds.csv', {
      label: 'Churn',
    });
    const role = Object.fromEntries(decisions.map((c) => [c.name, c.role]));
    expect(role).toMatchObject({
      customerID: 'id',
      SeniorCitizen: 'boolean',
      Partner: 'boolean',
      tenure: 'numeric',
      Contract: 'categorical',
      TotalCharges: 'numeric',
      Churn: 'label',
    });
    const total = dataset.columns.find((c) => c.name === 'TotalCharges')!.values as Float64Array;
    expect(total.filter(Number.isNaN)).toHaveLength(11);
    expect(dataset.labels!.reduce((s, y) => s + y, 0)).toBe(1869);
  });

  it('Telco: a model trained on 2,500 rows ranks and calibrates held-out customers well', async () => {
    const telco = load('WA_Fn-UseC_-Telco-Customer-Churn.csv', 'telco_folds.csv', {
      label: 'Churn',
      id: 'customerID',
    });
    const { metrics } = await trainOnSample(telco, 2500);
    expect(metrics.roc_auc).toBeGreaterThan(0.82);
    expect(metrics.brier).toBeLessThan(0.145);
    expect(metrics.ece).toBeLessThan(0.05);
  });

  it('Bank: cross-validation picks trees, which see the interactions a linear model misses', async () => {
    const bank = load('Churn_Modelling.csv', 'bank_folds.csv', {
      label: 'Exited',
      id: 'CustomerId',
      ignore: ['RowNumber', 'Surname'],
    });
    const { model, metrics } = await trainOnSample(bank, 3000);
    expect(model.predictor.family).toBe('gbdt');
    const linear = model.selection.filter((c) => c.family === 'logistic').map((c) => c.cvRocAuc);
    expect(Math.max(...linear)).toBeLessThan(model.selection.find((c) => c.chosen)!.cvRocAuc - 0.03);
    expect(metrics.roc_auc).toBeGreaterThan(0.83);
  });
});
