import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { CHURN_BIN, HUNG_WAIT_MS, ROOT, tempDir } from '../support/processes.js';
import { syntheticCustomers, toCsv } from './synthetic.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/churn.js …args` as a user would type it, with stdout and stderr apart. */
function churn(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CHURN_BIN, ...args],
      { cwd: ROOT, timeout: HUNG_WAIT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const dir = tempDir('churn-model-cli-');
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const customers = syntheticCustomers(400, 51);
const trainCsv = file('customers.csv', toCsv(customers, '\r\n'));
const modelPath = join(dir, 'model.json');
const columns = ['--csv', trainCsv, '--label', 'churned', '--id', 'id'];
/** A folds file giving data row i the fold `foldOf(i)`. */
const foldsFile = (name: string, foldOf: (i: number) => number) =>
  file(name, ['row,fold', ...customers.map((_, i) => `${i},${foldOf(i)}`)].join('\n'));

describe('churn train, evaluate and score', () => {
  let trained: Run;

  beforeAll(async () => {
    trained = await churn([
      'train',
      ...columns,
      '--out',
      modelPath,
      '--family',
      'logistic,gbdt',
      '--inner-folds',
      '3',
    ]);
  });

  it('train reports how it read each column, the candidates it compared, and writes the model', () => {
    expect(trained.code).toBe(0);
    expect(trained.stderr).toContain('400 rows');
    expect(trained.stderr).toMatch(/plan\s+categorical/);
    expect(trained.stderr).toMatch(/newsletter\s+boolean/);
    expect(trained.stderr).toMatch(/id\s+id\s+named with --id/);
    expect(trained.stdout).toContain(`Model written to ${modelPath}`);
    expect(trained.stdout).toMatch(/\* (logistic|gbdt) +ROC-AUC 0\.\d{4}/);
    const model = JSON.parse(readFileSync(modelPath, 'utf8')) as { format: string; idColumn: string };
    expect(model).toMatchObject({ format: 'churn-radar-model', idColumn: 'id' });
  });

  it('score writes id, probability, tier and the top reasons for each customer', async () => {
    const fresh = syntheticCustomers(50, 52).map(({ churned: _, ...rest }) => rest);
    const run = await churn(['score', '--csv', file('new.csv', toCsv(fresh as never)), '--model', modelPath]);
    expect(run.code).toBe(0);
    const [header, ...lines] = run.stdout.trim().split('\n');
    expect(header).toBe(
      'id,probability,tier,reason_up_1,reason_up_2,reason_up_3,reason_down_1,reason_down_2,reason_down_3',
    );
    expect(lines).toHaveLength(50);
    const [id, probability, tier] = lines[0]!.split(',');
    expect(id).toBe('c0');
    expect(Number(probability)).toBeGreaterThan(0);
    expect(['low', 'medium', 'high']).toContain(tier);
    expect(run.stdout).toMatch(/Days since last login|days_inactive = \d+ \([+−]\d\.\d\d\)/);
  });

  it('evaluate --json prints per-fold and mean metrics as one JSON object', async () => {
    const run = await churn([
      'evaluate',
      ...columns,
      '--k',
      '3',
      '--seed',
      '7',
      '--family',
      'logistic',
      '--inner-folds',
      '3',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      folds: Record<string, unknown>[];
      mean: Record<string, number>;
    };
    expect(result.folds.map((f) => f.fold)).toEqual([0, 1, 2]);
    for (const key of [
      'roc_auc',
      'pr_auc',
      'brier',
      'log_loss',
      'ece',
      'accuracy',
      'f1',
      'lift_top_decile',
    ]) {
      expect(typeof result.folds[0]![key]).toBe('number');
      expect(result.mean[key]).toBeCloseTo(result.folds.reduce((s, f) => s + (f[key] as number), 0) / 3, 10);
    }
    expect(result.mean.roc_auc).toBeGreaterThan(0.7);
  });

  it('evaluate follows a folds file and prints a table', async () => {
    const folds = file('folds.csv', ['row,fold', ...customers.map((_, i) => `${i},${i % 2}`)].join('\n'));
    const run = await churn([
      'evaluate',
      ...columns,
      '--folds',
      folds,
      '--family',
      'logistic',
      '--inner-folds',
      '3',
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^fold\s+model\s+ROC-AUC\s+PR-AUC/);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['fold', '0', '1', 'mean']);
  });

  describe('bad input', () => {
    const train = (csv: string) => [
      'train',
      '--csv',
      csv,
      '--label',
      'churned',
      '--out',
      join(dir, 'x.json'),
    ];
    const cases: [what: string, args: () => string[], message: RegExp][] = [
      [
        'a missing label column',
        () => ['train', '--csv', trainCsv, '--label', 'Churn', '--out', join(dir, 'x.json')],
        /has no label column "Churn" \(columns: id, days_inactive/,
      ],
      [
        'a label with one class',
        () => train(file('one.csv', 'a,churned\n1,0\n2,0\n')),
        /label "churned" holds one class only/,
      ],
      [
        'a ragged row',
        () => train(file('ragged.csv', 'a,b,churned\n1,2,1\n3,0\n')),
        /ragged\.csv, line 3: 2 fields, but the header has 3/,
      ],
      [
        'an empty file',
        () => ['evaluate', '--csv', file('empty.csv', ''), '--label', 'churned'],
        /empty\.csv is empty/,
      ],
      [
        'a folds file that misses rows',
        () => ['evaluate', ...columns, '--folds', file('short.csv', 'row,fold\n0,0\n1,1\n')],
        /short\.csv gives no fold for data row 2/,
      ],
      [
        'a folds file numbered from 1',
        () => ['evaluate', ...columns, '--folds', foldsFile('one-based.csv', (i) => (i % 2) + 1)],
        /one-based\.csv: fold numbers start at 0, but no row is in fold 0 \(folds 1…2 given\)/,
      ],
      [
        'a folds file with a gap',
        () => ['evaluate', ...columns, '--folds', foldsFile('gap.csv', (i) => (i % 2) * 2)],
        /gap\.csv: fold numbers must run 0…2 with none missing, but no row is in fold 1/,
      ],
      [
        'a folds file naming a row twice',
        () => [
          'evaluate',
          ...columns,
          '--folds',
          file('twice.csv', ['row,fold', '0,1', ...customers.map((_, i) => `${i},${i % 2}`)].join('\n')),
        ],
        /twice\.csv, line 3: data row 0 already has a fold \(line 2\)/,
      ],
      [
        'a folds file with a fold of stayers only',
        () => [
          'evaluate',
          ...columns,
          '--folds',
          foldsFile('stayers.csv', (i) => (customers[i]!.churned ? 0 : i % 2)),
        ],
        /stayers\.csv: fold 1 holds no churners \(\d+ rows\), so its ROC-AUC cannot be measured/,
      ],
      [
        'a folds file with one fold',
        () => ['evaluate', ...columns, '--folds', foldsFile('single.csv', () => 0)],
        /single\.csv puts every row in one fold: give at least two/,
      ],
      [
        'a file with no column to learn from',
        () => [
          'evaluate',
          '--csv',
          file(
            'labels.csv',
            ['account,region,churned', ...customers.map((c, i) => `a${i},north,${c.churned}`)].join('\n'),
          ),
          '--label',
          'churned',
        ],
        /labels\.csv has no column to learn from \(account: id, region: constant, churned: label\)/,
      ],
      [
        'a scoring file without a feature',
        () => ['score', '--csv', file('nofeat.csv', 'id,plan\nx,basic\n'), '--model', modelPath],
        /nofeat\.csv has no feature column "days_inactive"/,
      ],
      [
        'a file that is not a model',
        () => ['score', '--csv', trainCsv, '--model', trainCsv],
        /not a model file/,
      ],
    ];
    const runs = new Map<string, Run>();

    beforeAll(async () => {
      // Independent runs: start them together rather than one after another.
      const results = await Promise.all(cases.map(([, args]) => churn(args())));
      cases.forEach(([what], i) => runs.set(what, results[i]!));
    }, 300_000);

    it.each(cases)('refuses %s with a clear message and a non-zero exit', (what, _args, message) => {
      const run = runs.get(what)!;
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toContain('    at ');
    });
  });
});
