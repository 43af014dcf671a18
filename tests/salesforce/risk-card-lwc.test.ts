/**
 * The Salesforce risk card's LWC tests (app/salesforce/…/lwc/churnRiskCard/__tests__), counted in
 * this run. They need sfdx-lwc-jest's own jest 29 (jsdom, the LWC compiler, the `lightning/*` stubs
 * and the `@salesforce/*` import transforms), so they run once in a child process from
 * app/salesforce, and each of their results becomes a test here: jest's totals count them one by one.
 */
import { describe, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from '../support/processes.js';

const SALESFORCE_DIR = join(ROOT, 'app/salesforce');
const LWC_JEST_BIN = join(
  dirname(createRequire(import.meta.url).resolve('@salesforce/sfdx-lwc-jest/package.json')),
  'bin/sfdx-lwc-jest',
);
const RUN_TIMEOUT_MS = 5 * 60_000;

/** The parts of jest's `--json` report read here. */
interface AssertionResult {
  fullName: string;
  status: 'passed' | 'failed' | 'pending' | 'skipped' | 'todo' | 'disabled' | 'focused';
  failureMessages: string[];
}
interface JestReport {
  numTotalTests: number;
  numFailedTests: number;
  testResults: { name: string; status: string; message: string; assertionResults: AssertionResult[] }[];
}
interface LwcRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  report: JestReport | null;
  problem: string | null;
}

/** `sfdx-lwc-jest -- --json --outputFile …`, from app/salesforce (where its resolver finds `c/` modules). */
function runLwcTests(): Promise<LwcRun> {
  const dir = mkdtempSync(join(tmpdir(), 'churn-lwc-jest-'));
  const outputFile = join(dir, 'results.json');
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', CI: 'true' };
  delete env.JEST_WORKER_ID;
  const args = [
    LWC_JEST_BIN,
    '--',
    '--config=jest.config.cjs',
    '--ci',
    '--runInBand',
    '--no-watchman',
    '--json',
    `--outputFile=${outputFile}`,
  ];
  return new Promise((resolve) => {
    let output = '';
    let problem: string | null = null;
    const child = spawn(process.execPath, args, {
      cwd: SALESFORCE_DIR,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      problem = `the LWC test run took longer than ${RUN_TIMEOUT_MS / 1000} s and was stopped`;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      let report: JestReport | null = null;
      try {
        if (existsSync(outputFile)) report = JSON.parse(readFileSync(outputFile, 'utf8')) as JestReport;
        else problem ??= `no JSON report at ${outputFile}`;
      } catch (error) {
        problem ??= `unreadable JSON report: ${error instanceof Error ? error.message : String(error)}`;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      resolve({ code, signal, output, report, problem });
    };
    child.once('error', (error) => {
      problem = `could not start sfdx-lwc-jest: ${error.message}`;
      finish(null, null);
    });
    child.once('close', finish);
  });
}

const run = await runLwcTests();
const results = run.report?.testResults.flatMap((file) => file.assertionResults) ?? [];

/** Why the run as a whole cannot be trusted (beyond its own failing tests), or nothing. */
function runProblems(): string[] {
  const problems: string[] = [];
  if (run.problem) problems.push(run.problem);
  if (run.signal) problems.push(`sfdx-lwc-jest was killed by ${run.signal}`);
  if (run.report && results.length === 0) problems.push('the LWC test run reported no tests');
  // A suite that failed to load (syntax error, bad import) has a message and no failing test.
  for (const file of run.report?.testResults ?? []) {
    const failedTests = file.assertionResults.some((result) => result.status === 'failed');
    if (file.status === 'failed' && !failedTests)
      problems.push(`${file.name} failed to run:\n${file.message}`);
  }
  const failedTests = results.filter((result) => result.status === 'failed').length;
  if (run.code !== 0 && failedTests === 0) problems.push(`sfdx-lwc-jest exited with code ${run.code}`);
  return problems;
}

describe('Salesforce risk card (LWC tests under sfdx-lwc-jest)', () => {
  test('the LWC test run finished and reported its tests', () => {
    const problems = runProblems();
    if (problems.length > 0) {
      throw new Error(`${problems.join('\n')}\n\nsfdx-lwc-jest's output:\n${run.output.slice(-8000)}`);
    }
  });

  for (const result of results) {
    if (result.status === 'todo') {
      test.todo(result.fullName);
    } else if (result.status === 'pending' || result.status === 'skipped' || result.status === 'disabled') {
      test.skip(result.fullName, () => {});
    } else {
      test(result.fullName, () => {
        if (result.status !== 'passed') {
          throw new Error(result.failureMessages.join('\n\n') || `the LWC test ended "${result.status}"`);
        }
      });
    }
  }
});
