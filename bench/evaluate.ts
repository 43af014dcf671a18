/**
 * `churn evaluate` on a large generated CSV: writes N rows of customers whose churn follows a known
 * rule (tests/model/synthetic.ts) to a scratch file, runs the CLI on it as a user would, and prints
 * its wall time, CPU seconds and peak RSS, with the mean ROC-AUC it reported. The file is read as a
 * stream, so memory follows the parsed table (a few numbers a row), not the file's text.
 *
 *   npx tsx bench/evaluate.ts [--rows 1000000] [--family logistic] [--k 3] [--inner-folds 2]
 *
 * All three families on a million rows take hours on two cores; the default measures the reading,
 * encoding and cross-validation path with the linear model, which every run fits.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { syntheticCustomers } from '../tests/model/synthetic.js';
import { CHURN_BIN } from '../tests/support/processes.js';
import { processTreeCpuSeconds } from './process-cpu.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    family: { type: 'string', default: 'logistic' },
    k: { type: 'string', default: '3' },
    'inner-folds': { type: 'string', default: '2' },
  },
});
const rows = Number(values.rows);
if (!(Number.isInteger(rows) && rows >= 1000))
  throw new Error(`--rows takes a whole number ≥ 1000, not ${values.rows}`);

const dir = mkdtempSync(join(tmpdir(), 'churn-evaluate-'));
const csv = join(dir, 'customers.csv');
const BATCH = 50_000;
const out = createWriteStream(csv);
let header = false;
for (let start = 0; start < rows; start += BATCH) {
  // Each batch its own seed: the rows stay reproducible without holding a million objects.
  const batch = syntheticCustomers(Math.min(BATCH, rows - start), 1000 + start / BATCH);
  let text = '';
  if (!header) {
    text += Object.keys(batch[0]!).join(',') + '\n';
    header = true;
  }
  for (const [i, row] of batch.entries())
    text +=
      Object.values({ ...row, id: `c${start + i}` })
        .map((v) => (v === null ? '' : String(v)))
        .join(',') + '\n';
  if (!out.write(text)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
const megabytes = statSync(csv).size / 1e6;

const started = performance.now();
const child = spawn(
  process.execPath,
  [
    CHURN_BIN,
    'evaluate',
    '--csv',
    csv,
    '--label',
    'churned',
    '--id',
    'id',
    '--family',
    values.family,
    '--k',
    values.k,
    '--inner-folds',
    values['inner-folds'],
    '--json',
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let stdout = '';
let stderr = '';
child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
let peakKb = 0;
let cpu = 0;
const sample = setInterval(() => {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
    cpu = Math.max(cpu, processTreeCpuSeconds(child.pid!));
  } catch {
    // the process has just ended
  }
}, 200);
const [code] = (await once(child, 'exit')) as [number | null];
clearInterval(sample);
const seconds = (performance.now() - started) / 1000;
rmSync(dir, { recursive: true, force: true });

if (code !== 0) {
  console.log(
    `churn evaluate exited ${code} after ${seconds.toFixed(1)} s: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
  );
  process.exit(1);
}
const report = JSON.parse(stdout) as { mean: { roc_auc: number } };
console.log(
  `churn evaluate on ${rows.toLocaleString('en-US')} rows (${megabytes.toFixed(0)} MB of CSV), --family ${values.family}, ` +
    `${values.k} folds, ${values['inner-folds']} inner: ${seconds.toFixed(1)} s wall, ${cpu.toFixed(1)} CPU-s, ` +
    `peak RSS ${(peakKb / 1024).toFixed(0)} MB; mean ROC-AUC ${report.mean.roc_auc.toFixed(4)}`,
);
