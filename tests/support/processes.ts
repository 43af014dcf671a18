import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable } from '../../server/jobs/find-executable.js';
import { testTempRoot } from './suite-temp.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHURN_BIN = join(ROOT, 'bin/churn.js');

/**
 * The job lock for tests that kill workers: a dead worker's job is taken over once its lock lapses,
 * so it is shorter than the product's 30 s, yet long enough that a live worker on a slow or shared
 * box, renewing it every half, never loses it between two of its statements.
 */
export const TEST_JOB_LOCK_MS = '10000';

/** A new folder in the test run's own (./suite-temp.ts), removed with it when the run ends. */
export function tempDir(prefix = 'churn-test-'): string {
  return mkdtempSync(join(testTempRoot(), prefix));
}

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr, or rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const SETPRIV = findExecutable('setpriv');

/**
 * Starts a process with piped output; its environment is the test's plus `env`. Where util-linux's
 * `setpriv` is installed, the process is killed when the test's process ends however it ends: a
 * test file that fails and is stopped leaves no worker running beside the files after it.
 */
export function spawnProcess(command: string, args: string[], env: Record<string, string> = {}): Spawned {
  const [file, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
  const child = spawn(file, argv, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited: () => exit,
    waitFor: (pattern, timeoutMs = HUNG_WAIT_MS) =>
      new Promise((resolveMatch, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            cleanup();
            resolveMatch(match);
          }
        };
        const timer = setTimeout(
          () => {
            cleanup();
            reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output}`));
          },
          Math.max(timeoutMs, HUNG_WAIT_MS),
        );
        const onExit = () => {
          check();
          cleanup();
          reject(new Error(`process exited before ${pattern}; output:\n${output}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.removeListener('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      }),
  };
}

export function spawnChurn(args: string[], env: Record<string, string> = {}): Spawned {
  return spawnProcess(process.execPath, [CHURN_BIN, ...args], env);
}

/** Runs a TypeScript fixture in its own Node process. */
export function spawnFixture(file: string, env: Record<string, string> = {}): Spawned {
  return spawnProcess(process.execPath, ['--import', 'tsx', join(ROOT, 'tests/fixtures', file)], env);
}

/** True while the process runs (a zombie, dead but not yet reaped, counts as gone). */
export function isRunning(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    const state = readFileSync(stat, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * The least time a wait gives before it calls a test hung. A wait is a bound for a hung test, never
 * a verdict on speed: a slower or shared box (one core) passes where a fast one does, so a shorter
 * limit a test names is raised to this (jest's own test timeout, 300 s, stays the outer bound).
 */
export const HUNG_WAIT_MS = 240_000;

/** Polls `read` until it gives a value (not undefined, null or false), then returns it. */
export async function waitForValue<T>(
  read: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what = 'a condition',
  options: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const limit = Math.max(options.timeoutMs ?? 0, HUNG_WAIT_MS);
  const deadline = Date.now() + limit;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${limit} ms`);
    await new Promise((r) => setTimeout(r, options.everyMs ?? 50));
  }
}

/** Polls `condition` until it holds; `timeoutMs` raised to HUNG_WAIT_MS. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs?: number,
): Promise<void> {
  await waitForValue(async () => (await condition()) || undefined, 'condition', {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}
