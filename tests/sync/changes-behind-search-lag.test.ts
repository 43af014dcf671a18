import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { seededRandom } from '../../sandbox/seeded-chance.js';
import type { PortalData } from '../../sandbox/store.js';
import type { CrmConnector } from '../../server/crm/connector.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { readCursor } from '../../server/sync/cursors.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { NO_LIMITS } from '../support/sandbox-server.js';

const HUB = 640;
const CONTACTS = 1500;
/** The longest search takes to show a change (each shows between half of it and all of it after). */
const LAG_MS = 5000;
/** What users do in the CRM between two pages the sync reads: the sandbox's clock moves on this much… */
const TICK_MS = 250;
/** …while they edit this many contacts and add this many. */
const EDITS_PER_TICK = 40;
const NEW_PER_TICK = 5;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let crm: PortalData;
let portalId: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB], rateLimits: NO_LIMITS, searchIndexLagMs: LAG_MS });
  crm = sandbox.store.portal(HUB)!;
  product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 100_000, searchPerSecond: 100_000 },
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  const long = new Date('2026-01-01T00:00:00Z').getTime();
  for (let i = 0; i < CONTACTS; i += 1)
    crm.createRecord(
      'contacts',
      { email: `c${i}@lag.example`, lifecyclestage: 'customer', jobtitle: 'Buyer' },
      new Date(long + i * 1000),
    );
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
}, 300_000);
afterAll(async () => {
  await product.close();
  await sandbox.close();
  await redis.stop();
});

const hubspot = () => product.ctx.services.crms.connectorFor('hubspot');

/** Users at work: each tick, the clock moves on and contacts (drawn from a seeded generator) change. */
function usersAtWork() {
  const random = seededRandom(640);
  let tick = 0;
  return () => {
    sandbox.store.advanceClock(TICK_MS);
    const at = sandbox.store.now();
    const ids = [...crm.recordsOf('contacts').keys()];
    for (let i = 0; i < EDITS_PER_TICK; i += 1) {
      const id = ids[Math.floor(random() * ids.length)]!;
      crm.updateRecord('contacts', id, { jobtitle: `Title ${tick}.${i}` }, at);
    }
    for (let i = 0; i < NEW_PER_TICK; i += 1)
      crm.createRecord('contacts', { email: `new${tick}.${i}@lag.example`, lifecyclestage: 'lead' }, at);
    tick += 1;
  };
}

/** The connector, with the users changing the CRM before each page of changed contacts it reads. */
function whileUsersWork(connector: CrmConnector, work: () => void): CrmConnector {
  return Object.assign(Object.create(connector) as CrmConnector, {
    modifiedSincePage: (...args: Parameters<CrmConnector['modifiedSincePage']>) => {
      if (args[1] === 'contacts') work();
      return connector.modifiedSincePage(...args);
    },
  });
}

/** Contacts whose warehouse row is missing or holds another version than the CRM's. */
async function differing(): Promise<{ id: string; updatedAt: Date }[]> {
  const rows = await product.ctx.db.db
    .selectFrom('contacts')
    .select(['id', 'updated_at', 'properties'])
    .where('portal_id', '=', portalId)
    .execute();
  const stored = new Map(rows.map((row) => [row.id, row]));
  return [...crm.recordsOf('contacts').values()].filter((record) => {
    const row = stored.get(record.id);
    return (
      row?.updated_at?.getTime() !== record.updatedAt.getTime() ||
      row.properties.jobtitle !== (record.properties.jobtitle ?? null) ||
      row.properties.email !== (record.properties.email ?? null)
    );
  });
}

describe('an incremental sync while the search index lags and users keep changing records', () => {
  it('leaves the warehouse equal to the CRM after the next run, each change written once', async () => {
    await syncPortal({ db: product.ctx.db.db, connector: hubspot() }, portalId, 'full');
    const work = usersAtWork();
    // Changes from the last seconds, some of which search shows already; then more as the sync reads.
    for (let i = 0; i < 24; i += 1) work();

    await syncPortal(
      { db: product.ctx.db.db, connector: whileUsersWork(hubspot(), work) },
      portalId,
      'incremental',
    );
    const cursor = (await readCursor(product.ctx.db.db, portalId, 'contacts')).modifiedSince!;
    const left = await differing();
    // The scene this test is for: changes search did not show yet when the sync read past their time.
    const passed = left.filter((record) => record.updatedAt < cursor);
    expect(passed.length).toBeGreaterThan(0);

    // The users stop; the index catches up; the next run reads again from before the cursor.
    sandbox.store.advanceClock(LAG_MS);
    expect(crm.searchIndex.waitingCount()).toBe(0);
    const results = await syncPortal(
      { db: product.ctx.db.db, connector: hubspot() },
      portalId,
      'incremental',
    );
    const contacts = results.find((r) => r.type === 'contacts')!;
    console.log(
      `index lag ${LAG_MS} ms: the first run left ${left.length} contacts behind, ${passed.length} of them ` +
        `older than its newest change; the next run read ${contacts.fetched} and wrote ${contacts.written}`,
    );
    expect(await differing()).toEqual([]);
    expect(contacts.written).toBe(left.length);
    expect(contacts.fetched).toBeGreaterThan(contacts.written);
  }, 300_000);
});
