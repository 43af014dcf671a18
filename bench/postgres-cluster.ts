/**
 * A throwaway PostgreSQL cluster for a bench (tests/support/postgres-cluster.ts) with a database of
 * its own; it names its postmaster, so a bench counts the server's CPU apart from the worker's.
 */
import pg from 'pg';
import {
  startPostgresCluster as startCluster,
  type PostgresCluster,
} from '../tests/support/postgres-cluster.js';

export type { PostgresCluster };

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const cluster = await startCluster('churn-bench-pg-');
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query('create database churn_bench');
  await admin.end();
  return { ...cluster, url: cluster.url.replace(/\/postgres$/, '/churn_bench') };
}
