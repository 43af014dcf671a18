/**
 * The real services a fault test breaks on purpose: a redis-server that can be stopped and started
 * again on the same port and folder (with its append-only file, as a production Redis keeps its
 * data), and a PostgreSQL warehouse behind a TCP gate that can be closed (every connection cut,
 * new ones refused) and opened again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../../server/api/http-server.js';
import { findExecutable } from '../../server/jobs/find-executable.js';
import { startPostgresCluster } from '../support/postgres-cluster.js';
import { HUNG_WAIT_MS, tempDir } from '../support/processes.js';

export interface RestartableRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRestartableRedis(): Promise<RestartableRedis> {
  const executable = findExecutable('redis-server');
  if (!executable) throw new Error('redis-server is not installed');
  const port = await freePort();
  const dir = tempDir('churn-faults-redis-');
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
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
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
    '--loglevel',
    'warning',
  ];
  const start = async () => {
    const setpriv = findExecutable('setpriv');
    child = setpriv
      ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', executable, ...args], { stdio: 'ignore' })
      : spawn(executable, args, { stdio: 'ignore' });
    const deadline = Date.now() + HUNG_WAIT_MS;
    for (;;) {
      const client = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        // Loading the append-only file answers LOADING until done.
        if ((await client.ping()) === 'PONG') return;
      } catch {
        if (Date.now() > deadline) throw new Error('redis-server did not come up');
      } finally {
        client.disconnect();
      }
      await sleep(50);
    }
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    // SIGTERM: redis-server flushes its append-only file and exits.
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };
  await start();
  return {
    url,
    port,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Warehouse {
  /** The URL every process connects through (the gate). */
  url: string;
  kind: string;
  /** Cuts every connection and refuses new ones until `open`. */
  close(): Promise<void>;
  open(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A fresh PostgreSQL database: on the server at DATABASE_URL when set, else on the suite's
 * (tests/support/suite-postgres.ts), else on a throwaway cluster started here from Debian's
 * PostgreSQL (as the `postgres` user when run as root).
 */
export async function startWarehouse(): Promise<Warehouse> {
  const shared = process.env.DATABASE_URL ?? process.env.TEST_POSTGRES_URL;
  const server = shared ? externalServer(shared) : await ownCluster();
  const name = `churn_faults_${randomBytes(5).toString('hex')}`;
  await adminQuery(server.url, `create database ${name}`);
  const target = new URL(server.url);
  const gate = await startGate(target.hostname, Number(target.port || 5432));
  const url = new URL(server.url);
  url.hostname = '127.0.0.1';
  url.port = String(gate.port);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: server.kind,
    close: gate.close,
    open: gate.open,
    dispose: async () => {
      await gate.dispose();
      await adminQuery(server.url, `drop database if exists ${name} with (force)`).catch(() => {});
      await server.stop();
    },
  };
}

function externalServer(url: string) {
  return { url, kind: 'PostgreSQL (a shared server)', stop: async () => {} };
}

async function ownCluster() {
  const cluster = await startPostgresCluster('churn-faults-pg-');
  return { url: cluster.url, kind: 'PostgreSQL (a throwaway cluster)', stop: cluster.stop };
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A TCP pass-through that can cut every connection and refuse new ones for a while. */
async function startGate(host: string, targetPort: number) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const open = async () => {
    if (server) return;
    const listening = createServer((client) => {
      const upstream = connect(targetPort, host);
      sockets.add(client);
      sockets.add(upstream);
      const end = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => resolve());
    });
    server = listening;
  };
  const close = async () => {
    const listening = server;
    server = null;
    if (!listening) return;
    const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  };
  await open();
  return { port, open, close, dispose: close };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
