/**
 * Data folders (DATA_DIR) whose embedded warehouse is already made and migrated, for the tests
 * whose subject is not a first start (the demo's tests keep an empty folder). PGlite's initdb in a
 * new folder costs 5 to 8 CPU-seconds; a copy of a made one, about 0.3, and opening it finds no
 * migration left to run. The copy comes from one folder made once per test run through the
 * product's own `openDatabase`, in the run's temp folder.
 */
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../server/db/index.js';
import { tempDir } from './processes.js';
import { testTempRoot } from './suite-temp.js';

/** A new data folder holding a migrated embedded warehouse, nothing else in it. */
export async function migratedDataDir(prefix = 'churn-data-'): Promise<string> {
  const template = await templateDataDir();
  const dataDir = tempDir(prefix);
  cpSync(join(template, 'pg'), join(dataDir, 'pg'), { recursive: true });
  return dataDir;
}

async function templateDataDir(): Promise<string> {
  const path = join(testTempRoot(), 'migrated-data-dir');
  if (existsSync(path)) return path;
  const partial = mkdtempSync(join(testTempRoot(), 'migrated-data-dir-'));
  const handle = await openDatabase({ dataDir: partial });
  await handle.close();
  try {
    // Files running side by side may each make one: a rename puts a whole one in place.
    renameSync(partial, path);
  } catch {
    rmSync(partial, { recursive: true, force: true });
  }
  return path;
}
