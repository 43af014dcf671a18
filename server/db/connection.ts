import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest, type MigrationSecrets } from './migrate.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * The planner's cost of a random page read, for every session. The default (4) prices a read off
 * a spinning disk; a warehouse's working set is in memory or on SSD, where 1.1 is the usual value.
 * At the default, a chunk's feature query (a thousand contacts' associations, then each record by
 * its key) was planned as a hash join over a whole table: 52 ms instead of 11 for the feedback of
 * 1,000 contacts in a 50,000-contact portal, and growing with the portal.
 */
const SESSION_SETTINGS = 'set random_page_cost = 1.1';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** Where the data lives, for logs: a folder or a URL without its password. */
  location: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL server; when absent, PGlite in `dataDir/pg` (or in memory). */
  databaseUrl?: string | undefined;
  dataDir?: string;
  inMemory?: boolean;
  /**
   * In memory only: start from this copy of a PGlite data folder (PGlite's `dumpDataDir`) instead
   * of creating a new cluster, which costs a second or two of CPU.
   */
  initialData?: Blob;
  /** Run pending migrations before returning (default true). */
  migrate?: boolean;
  /** The server's key, for migrations that take a secret out of the clear. */
  secrets?: MigrationSecrets | undefined;
}

export class DatabaseInUseError extends Error {
  readonly code = 'database_in_use';
}

/** Opens the warehouse and brings its schema up to date; the code above sees one Kysely type. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const handle = options.databaseUrl
    ? openPostgres(options.databaseUrl)
    : options.inMemory
      ? await openPglite(undefined, options.initialData)
      : await openPglite(join(options.dataDir ?? '.data', 'pg'));
  try {
    await sql`select 1`.execute(handle.db);
    if (options.migrate !== false) await migrateToLatest(handle.db, { secrets: options.secrets });
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

function openPostgres(url: string): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
        return format === 'binary'
          ? pg.types.getTypeParser(oid, 'binary')
          : pg.types.getTypeParser(oid, 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server drops (a restart, a network cut) fails the query on it, if any, and is
  // then discarded by the pool; the next query opens a new one. Without these listeners the
  // client's or the pool's 'error' event would end the process.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    // Queued before any query the pool hands this connection to.
    client.query(SESSION_SETTINGS).catch(() => {});
  });
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const location = url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  return { db, kind: 'postgres', location, close: () => db.destroy() };
}

async function openPglite(folder: string | undefined, initialData?: Blob): Promise<DatabaseHandle> {
  const releaseLock = folder ? lockFolder(folder) : () => {};
  try {
    const pglite = await PGlite.create(folder ?? 'memory://', {
      parsers: { [NUMERIC_OID]: (value: string) => Number(value) },
      ...(initialData ? { loadDataDir: initialData } : {}),
    });
    await pglite.exec(SESSION_SETTINGS);
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      kind: 'pglite',
      location: folder ?? 'memory',
      close: async () => {
        await db.destroy();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * PGlite is one process's database: a second process opening the same folder would corrupt it.
 * A lock file with the owner's pid refuses that, and a stale lock (owner gone) is taken over.
 */
function lockFolder(folder: string): () => void {
  mkdirSync(folder, { recursive: true });
  const lockPath = join(folder, 'churn-radar.lock');
  try {
    const owner = Number(readFileSync(lockPath, 'utf8').trim());
    if (owner && isAlive(owner)) {
      throw new DatabaseInUseError(
        `The embedded database in ${folder} is in use by process ${owner}. ` +
          'Stop that process, or set DATABASE_URL to a PostgreSQL server to share one database between processes.',
      );
    }
  } catch (error) {
    if (error instanceof DatabaseInUseError) throw error;
  }
  writeFileSync(lockPath, String(process.pid));
  return () => rmSync(lockPath, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
