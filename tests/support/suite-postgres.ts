/**
 * One PostgreSQL server for the whole test run (jest's globalSetup and globalTeardown), for the
 * tests that run the whole product: each file gets a database of its own on it, copied from a
 * migrated template. Production runs on PostgreSQL; PGlite, the embedded default, stays under the
 * database tests, the demo's and the embedded database's. On a throwaway cluster from Debian's
 * PostgreSQL, unless DATABASE_URL names a server (then the tests use that one, as before).
 */
import { migrateToLatest, openDatabase } from '../../server/db/index.js';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { adminQuery, SUITE_TEMPLATE } from './database.js';

const CLUSTER = Symbol.for('churn-radar.suite-postgres');
type WithCluster = typeof globalThis & { [CLUSTER]?: PostgresCluster };

export default async function startSuitePostgres(): Promise<void> {
  if (process.env.DATABASE_URL || process.env.TEST_POSTGRES_URL) return;
  const cluster = await startPostgresCluster('churn-suite-pg-');
  (globalThis as WithCluster)[CLUSTER] = cluster;
  await adminQuery(cluster.url, `create database ${SUITE_TEMPLATE}`);
  const url = new URL(cluster.url);
  url.pathname = `/${SUITE_TEMPLATE}`;
  const template = await openDatabase({ databaseUrl: url.toString(), migrate: false });
  try {
    await migrateToLatest(template.db);
  } finally {
    await template.close();
  }
  // Test workers start after this and inherit the environment.
  process.env.TEST_POSTGRES_URL = cluster.url;
}

export async function stopSuitePostgres(): Promise<void> {
  await (globalThis as WithCluster)[CLUSTER]?.stop();
}
