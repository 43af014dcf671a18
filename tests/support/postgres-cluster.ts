/**
 * A throwaway PostgreSQL cluster on loopback in a scratch folder, from Debian's PostgreSQL (initdb
 * and pg_ctl, run as the `postgres` user when this process is root), made for speed over safety
 * (fsync off): for fault tests and benches that need a real server of their own.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../server/api/http-server.js';
import { findExecutable } from '../../server/jobs/find-executable.js';
import { tempDir } from './processes.js';

export interface PostgresCluster {
  /** The cluster's `postgres` database, as its superuser. */
  url: string;
  /** The postmaster's process id (its backends are its children). */
  postmasterPid(): number;
  stop(): Promise<void>;
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(root, v, 'bin/pg_ctl'))) return join(root, v, 'bin');
  }
  const pgCtl = findExecutable('pg_ctl');
  if (!pgCtl)
    throw new Error('PostgreSQL is not installed (apt-get install postgresql), and DATABASE_URL is not set');
  return join(pgCtl, '..');
}

export async function startPostgresCluster(prefix = 'churn-pg-'): Promise<PostgresCluster> {
  const bin = postgresBin();
  const dir = tempDir(prefix);
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const run = (command: string) => {
    const result = asRoot
      ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', command], { encoding: 'utf8' })
      : spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command}: ${result.stderr || result.stdout}`);
  };
  if (asRoot) {
    const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim();
    const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim();
    chownSync(dir, Number(owner), Number(group));
  }
  run(`'${bin}/initdb' -D '${dir}/data' -A trust -U postgres >/dev/null`);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  run(`'${bin}/pg_ctl' -D '${dir}/data' -l '${dir}/log' -o '${options}' -w start >/dev/null`);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    postmasterPid: () => Number(readFileSync(join(dir, 'data/postmaster.pid'), 'utf8').split('\n')[0]),
    stop: async () => {
      try {
        run(`'${bin}/pg_ctl' -D '${dir}/data' -m immediate -w stop >/dev/null`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
