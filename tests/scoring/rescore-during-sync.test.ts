import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CrmConnector } from '../../server/crm/connector.js';
import { json } from '../../server/db/json.js';
import { upsertInstalledPortal } from '../../server/db/portals.js';
import { saveModel } from '../../server/model/registry.js';
import { starterModel } from '../../server/model/starter.js';
import { rescoreContacts } from '../../server/scoring/rescore.js';
import { restartFullSync } from '../../server/sync/cursors.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';

/** A CRM the code under test must not reach: any call fails the test. */
const unreachableCrm = new Proxy({} as CrmConnector, {
  get: (_target, name) => () => {
    throw new Error(`the CRM was called (${String(name)}) while its records were still arriving`);
  },
});

describe('rescoring while the records a status rests on are still arriving', () => {
  let handle: TestDatabase;
  let portalId: number;

  beforeAll(async () => {
    handle = await openTestDatabase();
    portalId = (
      await upsertInstalledPortal(handle.db, { crm: 'hubspot', externalId: '955', name: 'S', domain: null })
    ).id;
    await saveModel(handle.db, portalId, starterModel(), { activate: true });
    // A customer whose deals (a lost renewal, say) the sync has not brought yet.
    await handle.db
      .insertInto('contacts')
      .values({ portal_id: portalId, id: 'c1', properties: json({}), stage_kind: 'customer' })
      .execute();
  });
  afterAll(async () => {
    await handle.dispose();
  });

  it('neither stores a status nor writes to the CRM before the first full sync', async () => {
    const result = await rescoreContacts({ db: handle.db, connector: unreachableCrm }, portalId, ['c1'], {
      trigger: 'webhook',
    });
    expect(result.scored).toBe(0);
    const statuses = await handle.db.selectFrom('customer_status').selectAll().execute();
    expect(statuses).toEqual([]);
  });

  it('waits again while a full sync runs over (after an upgrade)', async () => {
    for (const type of ['contacts', 'companies', 'deals'] as const) {
      await handle.db
        .insertInto('sync_cursors')
        .values({
          portal_id: portalId,
          object_type: type,
          full_sync_completed_at: new Date(),
          last_modified_at: new Date(),
        })
        .execute();
    }
    await restartFullSync(handle.db, portalId, 'deals');
    const result = await rescoreContacts({ db: handle.db, connector: unreachableCrm }, portalId, ['c1'], {
      trigger: 'webhook',
    });
    expect(result.scored).toBe(0);
    expect(await handle.db.selectFrom('customer_status').selectAll().execute()).toEqual([]);
  });
});
