/**
 * Model quality on public churn tables: runs `churn evaluate` on the Telco and Bank sets with the
 * shared fold files and prints our mean metrics over the 5 folds beside the reference figures in
 * ../shared/datasets/README.md, with the targets checked.
 *
 *   npx tsx bench/model-quality.ts [telco|bank ...]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eceNoiseFloor, expectedCalibrationError, type CalibrationBin } from '../server/model/metrics.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const datasets = join(root, '..', 'shared', 'datasets');

/** Each table with the flags its documentation gives (label, id, columns that are not features). */
const TABLES = {
  telco: {
    name: 'Telco',
    csv: 'tabular/WA_Fn-UseC_-Telco-Customer-Churn.csv',
    folds: 'folds/telco_folds.csv',
    flags: ['--label', 'Churn', '--id', 'customerID'],
    targetAuc: 0.843,
  },
  bank: {
    name: 'Bank',
    csv: 'tabular/Churn_Modelling.csv',
    folds: 'folds/bank_folds.csv',
    flags: ['--label', 'Exited', '--id', 'CustomerId', '--ignore', 'RowNumber,Surname'],
    targetAuc: 0.863,
  },
} as const;

interface Fold {
  family: string;
  roc_auc: number;
  pr_auc: number;
  accuracy_at_half: number;
  brier: number;
  lift_top_decile: number;
  ece: number;
  calibration: CalibrationBin[];
}

if (!existsSync(join(datasets, 'tabular'))) {
  console.error(`The public data sets are not in ${datasets}: nothing to measure.`);
  process.exit(2);
}
const references = readReferences(readFileSync(join(datasets, 'README.md'), 'utf8'));
const chosen = (
  process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(TABLES)
) as (keyof typeof TABLES)[];
const lines: string[] = [];
const verdicts: string[] = [];
for (const key of chosen) {
  const table = TABLES[key];
  const started = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'bin', 'churn.js'),
      'evaluate',
      '--csv',
      join(datasets, table.csv),
      ...table.flags,
      '--folds',
      join(datasets, table.folds),
      '--json',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0) {
    console.error(`churn evaluate failed on ${table.name} (exit ${run.status})`);
    process.exit(1);
  }
  const seconds = (performance.now() - started) / 1000;
  const folds = (JSON.parse(run.stdout) as { folds: Fold[] }).folds;
  const mean = (pick: (f: Fold) => number) => folds.reduce((s, f) => s + pick(f), 0) / folds.length;
  const ours = {
    auc: mean((f) => f.roc_auc),
    pr: mean((f) => f.pr_auc),
    acc: mean((f) => f.accuracy_at_half),
    brier: mean((f) => f.brier),
    lift: mean((f) => f.lift_top_decile),
    ece: mean((f) => f.ece),
    floor: mean((f) => eceNoiseFloor(f.calibration)),
  };
  const families = [...new Set(folds.map((f) => f.family))].join('/');
  // All held-out rows together: the folds' bins share their edges, so their tables add up.
  const pooled = pool(folds.map((f) => f.calibration));
  lines.push(
    row(
      table.name,
      `Churn Radar (${families}; ${seconds.toFixed(0)} s)`,
      ours.auc,
      ours.pr,
      ours.acc,
      ours.brier,
      ours.lift,
      `${ours.ece.toFixed(4)} (noise ${ours.floor.toFixed(4)})`,
    ),
  );
  const refs = references.filter((r) => r.data === table.name);
  for (const r of refs) lines.push(row(r.data, r.model, r.auc, r.pr, r.acc, r.brier, r.lift, ''));
  const bestBrier = Math.min(...refs.map((r) => r.brier));
  verdicts.push(
    `${table.name}: ROC-AUC ${ours.auc.toFixed(4)} ${ours.auc >= table.targetAuc ? '≥' : '<'} ${table.targetAuc}; ` +
      `Brier ${ours.brier.toFixed(4)} ${ours.brier <= bestBrier + 0.003 ? '≤' : '>'} ${(bestBrier + 0.003).toFixed(3)}; ` +
      `ECE ${ours.ece.toFixed(4)} ${ours.ece <= 0.02 ? '≤' : '>'} 0.02 (a perfectly calibrated model would measure ${ours.floor.toFixed(4)} on these folds); ` +
      `wall time ${seconds.toFixed(0)} s`,
    `${table.name}: ECE over all ${pooled.reduce((n, b) => n + b.count, 0)} held-out rows together ` +
      `${expectedCalibrationError(pooled).toFixed(4)} (noise ${eceNoiseFloor(pooled).toFixed(4)})`,
  );
}
console.log(row('data', 'model', 'ROC-AUC', 'PR-AUC', 'acc@0.5', 'Brier', 'lift@10%', 'ECE'));
for (const line of lines) console.log(line);
console.log('');
for (const verdict of verdicts) console.log(verdict);

function pool(tables: CalibrationBin[][]): CalibrationBin[] {
  return tables[0]!.map((bin, b) => {
    const count = tables.reduce((n, t) => n + t[b]!.count, 0);
    const weighted = (pick: (x: CalibrationBin) => number) =>
      count ? tables.reduce((s, t) => s + t[b]!.count * pick(t[b]!), 0) / count : 0;
    return {
      from: bin.from,
      to: bin.to,
      count,
      meanPredicted: weighted((x) => x.meanPredicted),
      observedRate: weighted((x) => x.observedRate),
    };
  });
}

function row(data: string, model: string, ...cells: (number | string)[]): string {
  const shown = cells.map((c) => (typeof c === 'number' ? c.toFixed(c > 2 ? 2 : 4) : c));
  return [
    data.padEnd(6),
    model.padEnd(62),
    ...shown.map((c, i) => (i === shown.length - 1 ? c : c.padStart(8))),
  ].join(' ');
}

/** The reference table of the data sets' README: | data | model | ROC-AUC | PR-AUC | acc | Brier | lift |. */
function readReferences(readme: string) {
  return readme
    .split('\n')
    .map((line) => line.split('|').map((c) => c.trim()))
    .filter((c) => (c[1] === 'Telco' || c[1] === 'Bank') && /^\d/.test(c[3] ?? ''))
    .map((c) => ({
      data: c[1]!,
      model: `${c[2]!} (reference)`,
      auc: Number(c[3]),
      pr: Number(c[4]),
      acc: Number(c[5]),
      brier: Number(c[6]),
      lift: Number(c[7]),
    }));
}
