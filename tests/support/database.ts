import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import pg from 'pg';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../server/db/index.js';
import { PGliteDialect } from '../../server/db/pglite-dialect.js';
import type { Database } from '../../server/db/schema.js';

/**
 * A fresh, migrated warehouse for one test file: PGlite in memory by default, or a new database on
 * the PostgreSQL server at DATABASE_URL when it is set (CI runs the DB tests both ways).
 */
export type TestDatabase = DatabaseHandle & { dispose(): Promise<void>; url?: string };

export async function openTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const handle = await openDatabase({ inMemory: true, initialData: await migratedTemplate() });
    return { ...handle, dispose: handle.close };
  }
  return openServerDatabase(serverUrl);
}

/** The migrated database the suite's PostgreSQL server copies for each file (suite-postgres.ts). */
export const SUITE_TEMPLATE = 'churn_suite_template';

/**
 * The warehouse of a test that runs the whole product: a new database on the server at
 * DATABASE_URL, else on the suite's PostgreSQL server (copied from its migrated template), else
 * (a test run without the suite's setup) PGlite in memory.
 */
export async function openProductTestDatabase(): Promise<TestDatabase> {
  const suiteServer = process.env.TEST_POSTGRES_URL;
  if (process.env.DATABASE_URL || !suiteServer) return openTestDatabase();
  return openServerDatabase(suiteServer, SUITE_TEMPLATE);
}

/** A new database on the server (a copy of `template` when given), dropped on dispose. */
async function openServerDatabase(serverUrl: string, template?: string): Promise<TestDatabase> {
  const name = `churn_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}${template ? ` template ${template}` : ''}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString() });
  return {
    ...handle,
    url: url.toString(),
    dispose: async () => {
      await handle.close();
      await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

export function testDatabaseKind(): 'postgres' | 'pglite' {
  return process.env.DATABASE_URL ? 'postgres' : 'pglite';
}

export async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const MIGRATIONS = fileURLToPath(new URL('../../server/db/migrations/', import.meta.url));
const PGLITE_PACKAGE = fileURLToPath(
  new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url),
);

/**
 * A new PGlite runs initdb (one to three CPU-seconds); every test file's warehouse starts instead
 * from one migrated copy, made by the first file that needs it and kept in the temp folder under
 * the hash of the migrations and PGlite's version, so a changed schema makes a new one. The
 * migrations still run on each warehouse opened from it, and find nothing to do.
 */
async function migratedTemplate(): Promise<Blob> {
  const hash = createHash('sha256');
  hash.update(readFileSync(PGLITE_PACKAGE));
  for (const name of readdirSync(MIGRATIONS).sort())
    hash.update(name).update(readFileSync(join(MIGRATIONS, name)));
  const folder = join(tmpdir(), 'churn-radar-test-pglite');
  const path = join(folder, `${hash.digest('hex').slice(0, 16)}.tar`);
  try {
    return new Blob([readFileSync(path)]);
  } catch {
    const pglite = await PGlite.create('memory://');
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    try {
      await migrateToLatest(db);
      const dump = await pglite.dumpDataDir('none');
      mkdirSync(folder, { recursive: true });
      // Files running side by side may each make one: a rename puts a whole copy in place.
      const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      renameSync(partial, path);
      return dump;
    } finally {
      await db.destroy();
    }
  }
}
