import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../api/http-server.js';
import { findExecutable } from './find-executable.js';

export interface EmbeddedRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export class RedisServerMissingError extends Error {
  readonly code = 'redis_server_missing';
  constructor() {
    super(
      'redis-server is not installed. Install it with `sudo apt-get install -y redis-server`, ' +
        'or set REDIS_URL to a Redis server.',
    );
  }
}

const READY_TIMEOUT_MS = 10_000;

/**
 * Starts Debian's redis-server as a child on a free loopback port, in its own scratch folder and
 * without persistence. It runs in its own process group, so Ctrl-C reaches only us and we stop it
 * after the workers have let go of their jobs; `setpriv --pdeathsig` makes the kernel stop it if we
 * die without cleaning up.
 */
export async function startEmbeddedRedis(options: { executable?: string } = {}): Promise<EmbeddedRedis> {
  const redisServer = options.executable
    ? findExecutable(options.executable)
    : findExecutable('redis-server');
  if (!redisServer) throw new RedisServerMissingError();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(redisServer, await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function launch(redisServer: string, port: number): Promise<EmbeddedRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'churn-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--maxmemory-policy',
    'noeviction',
    '--loglevel',
    'warning',
  ];
  const setpriv = findExecutable('setpriv');
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', redisServer, ...args], {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(redisServer, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));

  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const cleanup = () => {
    process.removeListener('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };

  const url = `redis://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    cleanup();
    throw error;
  }
  return {
    url,
    pid: child.pid!,
    stop: () => stopChild(child).finally(cleanup),
  };
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server exited at start: ${output().trim()}`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not listening yet
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer PING within ${READY_TIMEOUT_MS} ms: ${output().trim()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
