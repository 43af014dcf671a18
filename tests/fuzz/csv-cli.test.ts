import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CHURN_BIN, HUNG_WAIT_MS, ROOT, tempDir } from '../support/processes.js';
import { csvCells, csvText } from './csv-fuzz.js';
import { AnswerTally, expectNoLeak, fuzzParameters, fuzzRuns, printTallies } from './fuzz-support.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/churn.js …args`, as a person types it. */
function churn(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CHURN_BIN, ...args],
      { cwd: ROOT, timeout: HUNG_WAIT_MS },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

const dir = tempDir('churn-fuzz-cli-');
let files = 0;
const file = (content: string) => {
  const path = join(dir, `input-${++files}.csv`);
  writeFileSync(path, content);
  return path;
};
const modelPath = join(dir, 'model.json');

const tally = new AnswerTally('CLI runs on fuzzed CSV files', { 0: 'exit 0', 1: 'exit 1' });

/** A small table a model can learn from: tenure and plan, churned when short and basic. */
function learnableCsv(rows: number): string {
  const lines = Array.from({ length: rows }, (_, i) => {
    const tenure = (i * 37) % 100;
    const plan = ['basic', 'pro', 'team'][i % 3]!;
    const churned = tenure < 40 && plan !== 'team' ? 'yes' : 'no';
    return [String(i), String(tenure), plan, churned];
  });
  return csvText({ header: ['id', 'tenure', 'plan', 'churned'], rows: lines });
}

beforeAll(async () => {
  const trained = await churn([
    'train',
    '--csv',
    file(learnableCsv(60)),
    '--label',
    'churned',
    '--id',
    'id',
    '--family',
    'logistic',
    '--inner-folds',
    '2',
    '--out',
    modelPath,
  ]);
  expect(trained.stderr).not.toMatch(/\n\s+at\s/);
  expect(trained.code).toBe(0);
}, 300_000);
afterAll(() => printTallies('CSV input to the CLI', [tally]));

/** Either it worked, or it said in one line, starting `churn:`, what is wrong: never a stack. */
function expectCleanExit(run: Run, command: string): void {
  expect([0, 1]).toContain(run.code);
  expectNoLeak(run.stderr);
  if (run.code === 0) {
    expect(run.stdout.length).toBeGreaterThan(0);
    return;
  }
  const lines = run.stderr.trimEnd().split('\n');
  const errors = lines.filter((line) => line.startsWith('churn: '));
  if (errors.length !== 1 || lines[lines.length - 1] !== errors[0]) {
    throw new Error(`churn ${command} did not end with one error line:\n${run.stderr}`);
  }
  expect(errors[0]!.length).toBeGreaterThan('churn: '.length + 10);
}

describe('churn score, train and evaluate on fuzzed CSV files', () => {
  it('score, train and evaluate each finish, or say in one line what is wrong with the file', async () => {
    const command = fc.constantFrom('score', 'train', 'evaluate');
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            command,
            fc.oneof({ weight: 2, arbitrary: csvCells }, fc.integer({ min: 8, max: 60 }).map(learnableCsv)),
          ),
          { minLength: 2, maxLength: 2 },
        ),
        async (cases) => {
          // Two at a time: the CLI's start-up dominates, and the box has two cores.
          const runs = await Promise.all(
            cases.map(([name, text]) => {
              const csv = file(text);
              const args =
                name === 'score'
                  ? ['score', '--csv', csv, '--model', modelPath]
                  : name === 'train'
                    ? [
                        name,
                        '--csv',
                        csv,
                        '--label',
                        'churned',
                        '--family',
                        'logistic',
                        '--inner-folds',
                        '2',
                        '--out',
                        join(dir, `out-${files}.json`),
                      ]
                    : [
                        name,
                        '--csv',
                        csv,
                        '--label',
                        'churned',
                        '--family',
                        'logistic',
                        '--inner-folds',
                        '2',
                        '--k',
                        '2',
                      ];
              return churn(args);
            }),
          );
          runs.forEach((run, i) => {
            tally.note(run.code);
            expectCleanExit(run, cases[i]![0]);
          });
        },
      ),
      // Each run starts two CLI processes: a wide search still stops at 30.
      fuzzParameters(Math.min(fuzzRuns(4), 30)),
    );
  }, 300_000);
});
