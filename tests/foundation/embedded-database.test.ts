import { writeFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { DatabaseInUseError, openDatabase } from '../../server/db/index.js';
import { migratedDataDir } from '../support/data-dir.js';
import { spawnChurn } from '../support/processes.js';

// These are about the embedded PGlite folder itself, so they ignore DATABASE_URL. Each starts from
// a folder already made and migrated (a first start is the demo's tests' subject).
const EMBEDDED = { DATABASE_URL: '', LOG_LEVEL: 'info' };

describe('the embedded database folder', () => {
  it('keeps data across a server restart', async () => {
    const dataDir = await migratedDataDir();
    const first = await openDatabase({ dataDir });
    await first.db
      .insertInto('portals')
      .values({ crm: 'hubspot', external_id: '4242', name: 'Kept' })
      .execute();
    await first.close();

    // A real server process opens the same folder, migrates, answers, and stops.
    const serve = spawnChurn(['serve'], { ...EMBEDDED, DATA_DIR: dataDir, PORT: '0', REDIS_URL: '' });
    await serve.waitFor(/"msg":"listening"/, 120_000);
    serve.child.kill('SIGTERM');
    expect((await serve.exited()).code).toBe(0);

    const again = await openDatabase({ dataDir });
    const portal = await again.db
      .selectFrom('portals')
      .select(['name'])
      .where('external_id', '=', '4242')
      .executeTakeFirst();
    await again.close();
    expect(portal?.name).toBe('Kept');
  }, 300_000);

  it('refuses a second process on the same folder with a message saying what to do', async () => {
    const dataDir = await migratedDataDir();
    const owner = await openDatabase({ dataDir });
    try {
      const serve = spawnChurn(['serve'], { ...EMBEDDED, DATA_DIR: dataDir, PORT: '0' });
      const { code } = await serve.exited();
      expect(code).toBe(1);
      expect(serve.output()).toMatch(/in use by process \d+.*set DATABASE_URL/);
    } finally {
      await owner.close();
    }
  }, 300_000);

  it('takes over the folder of a process that died without closing it', async () => {
    const dataDir = await migratedDataDir();
    const first = await openDatabase({ dataDir });
    await first.db.insertInto('portals').values({ crm: 'hubspot', external_id: '77' }).execute();
    await first.close();
    // A crashed owner leaves its lock behind, naming a pid that no longer runs.
    writeFileSync(`${dataDir}/pg/churn-radar.lock`, '999999');
    const second = await openDatabase({ dataDir });
    const rows = await second.db.selectFrom('portals').select('external_id').execute();
    await second.close();
    expect(rows).toEqual([{ external_id: '77' }]);
  });

  it('refuses a second open in the same process too, with an error type a caller can branch on', async () => {
    const dataDir = await migratedDataDir();
    const owner = await openDatabase({ dataDir });
    try {
      await expect(openDatabase({ dataDir })).rejects.toBeInstanceOf(DatabaseInUseError);
    } finally {
      await owner.close();
    }
  });
});
