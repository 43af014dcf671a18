/**
 * One folder for everything a test run writes to disk (data folders, generated projects, keys),
 * made by jest's globalSetup and removed by its globalTeardown, failed run or not: `tempDir`
 * (./processes.ts) makes its folders in it. Test workers and the processes they start inherit the
 * environment variable. Outside jest (a bench), the first folder asked for makes such a root for the
 * process and the processes it starts, removed when the process exits.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SUITE_TEMP_VARIABLE = 'CHURN_TEST_TMPDIR';

export function makeSuiteTempRoot(): void {
  if (process.env[SUITE_TEMP_VARIABLE]) return;
  const root = mkdtempSync(join(tmpdir(), 'churn-suite-'));
  // Others may pass through, as through the system's: a PostgreSQL cluster runs as its own user in
  // a folder of its own here. Each folder made in it stays its maker's alone.
  chmodSync(root, 0o755);
  process.env[SUITE_TEMP_VARIABLE] = root;
}

export function removeSuiteTempRoot(): void {
  const root = process.env[SUITE_TEMP_VARIABLE];
  if (!root) return;
  rmSync(root, { recursive: true, force: true });
  delete process.env[SUITE_TEMP_VARIABLE];
}

/** Where a test's (or a bench's) temporary folders go. */
export function testTempRoot(): string {
  if (!process.env[SUITE_TEMP_VARIABLE]) {
    makeSuiteTempRoot();
    process.once('exit', removeSuiteTempRoot);
  }
  return process.env[SUITE_TEMP_VARIABLE]!;
}
