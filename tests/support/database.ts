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
 * A fresh, migrated warehouse for one test file: a new database on a PostgreSQL server
 * (`testDatabaseServer`), else PGlite in memory. `npm test` runs the database tests on PostgreSQL,
 * as production runs; CI runs them once more on PGlite, the embedded default (TEST_DATABASE=pglite).
 */
export type TestDatabase = DatabaseHandle & { dispose(): Promise<void>; url?: string };

/** The migrated database the suite's PostgreSQL server copies for each file (suite-postgres.ts). */
export const SUITE_TEMPLATE = 'churn_suite_template';

/**
 * The server the database tests make their databases on: the one at DATABASE_URL when set; else
 * the suite's own (suite-postgres.ts), copying its migrated template, unless TEST_DATABASE=pglite
 * asks for the embedded database; none (PGlite) in a run without the suite's setup.
 */
export function testDatabaseServer(): { url: string; template?: string } | undefined {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL };
  if (process.env.TEST_DATABASE === 'pglite') return undefined;
  const suiteServer = process.env.TEST_POSTGRES_URL;
  return suiteServer ? { url: suiteServer, template: SUITE_TEMPLATE } : undefined;
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const server = testDatabaseServer();
  if (!server) {
    const handle = await openDatabase({ inMemory: true, initialData: await migratedTemplate() });
    return { ...handle, dispose: handle.close };
  }
  return openServerDatabase(server.url, server.template);
}

/**
 * The warehouse of a test that runs the whole product: on a PostgreSQL server whatever
 * TEST_DATABASE says (production's database), else (a test run without the suite's setup) PGlite.
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
  return testDatabaseServer() ? 'postgres' : 'pglite';
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
