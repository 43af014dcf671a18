import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { NO_LIMITS } from '../support/sandbox-server.js';

const HUB = 630;
/** Contacts the first (full) sync copies. */
const KNOWN = 2000;
/** Changes between the two syncs: new contacts, and every known contact edited. */
const CREATED = 10_000;
const CHANGES = CREATED + KNOWN;
/** Changes stamped at one instant (an import), more than two search pages of them. */
const IMPORT = 450;
const SEARCH_PAGE = 200;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let proxy: CountingProxy;
let product: TestProduct;
let crm: PortalData;
let portalId: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  // Search shows each change at once: this file is about the cap, not the index lag.
  sandbox = await startSandbox({ portals: [HUB], rateLimits: NO_LIMITS, searchIndexLagMs: 0 });
  crm = sandbox.store.portal(HUB)!;
  proxy = await startCountingProxy(sandbox.url);
  product = await startTestProduct({
    crmUrl: proxy.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 100_000, searchPerSecond: 100_000 },
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  crm.emitChanges = false;
  const long = new Date('2026-01-01T00:00:00Z').getTime();
  for (let i = 0; i < KNOWN; i += 1)
    crm.createRecord(
      'contacts',
      { email: `known${i}@cap.example`, lifecyclestage: 'customer', jobtitle: 'Buyer' },
      new Date(long + i * 1000),
    );
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
}, 300_000);
afterAll(async () => {
  await product.close();
  await proxy.close();
  await sandbox.close();
  await redis.stop();
});

const deps = () => ({ db: product.ctx.db.db, connector: product.ctx.services.crms.connectorFor('hubspot') });

/** When change `i` is stamped, in ms after the first: three to a millisecond, and one import. */
function stampOf(i: number): number {
  const importAt = 5000;
  if (i < importAt) return Math.floor(i / 3);
  if (i < importAt + IMPORT) return Math.floor(importAt / 3) + 1;
  return Math.floor(importAt / 3) + 2 + Math.floor((i - importAt - IMPORT) / 3);
}

describe('an incremental sync past the 10,000 results a search pages through', () => {
  it('fetches all 12,000 contacts changed since the last sync, writes each once, one search a page', async () => {
    await syncPortal(deps(), portalId, 'full');
    const known = [...crm.recordsOf('contacts').keys()];

    const first = sandbox.store.now().getTime();
    for (let i = 0; i < CHANGES; i += 1) {
      const at = new Date(first + stampOf(i));
      if (i % 6 === 5) {
        crm.updateRecord('contacts', known[Math.floor(i / 6)]!, { jobtitle: `Changed ${i}` }, at);
      } else {
        crm.createRecord('contacts', { email: `new${i}@cap.example`, lifecyclestage: 'lead' }, at);
      }
    }
    sandbox.store.advanceClock(10_000);
    const changed = [...crm.recordsOf('contacts').values()].filter((r) => r.updatedAt.getTime() >= first);
    expect(changed).toHaveLength(CHANGES);

    const mark = proxy.requests.length;
    const results = await syncPortal(deps(), portalId, 'incremental');
    const contacts = results.find((r) => r.type === 'contacts')!;
    expect(contacts).toMatchObject({ fetched: CHANGES, written: CHANGES });

    const rows = await product.ctx.db.db
      .selectFrom('contacts')
      .select(['id', 'updated_at', 'properties'])
      .where('portal_id', '=', portalId)
      .execute();
    expect(rows).toHaveLength(KNOWN + CREATED);
    const stored = new Map(rows.map((row) => [row.id, row]));
    const wrong = [...crm.recordsOf('contacts').values()].filter((record) => {
      const row = stored.get(record.id);
      return (
        row?.updated_at?.getTime() !== record.updatedAt.getTime() ||
        row.properties.jobtitle !== (record.properties.jobtitle ?? null)
      );
    });
    expect(wrong.map((r) => r.id)).toEqual([]);

    const calls = proxy.requests.slice(mark);
    const searches = calls.filter((c) => c.path.endsWith('/contacts/search'));
    const associationReads = calls.filter((c) => c.path.includes('/associations/'));
    const floor = Math.ceil(CHANGES / SEARCH_PAGE);
    console.log(
      `${CHANGES.toLocaleString('en')} changed contacts: ${searches.length} searches (the page floor is ${floor}), ` +
        `${associationReads.length} association reads, ${calls.length} CRM calls in all (six object types)`,
    );
    // Never an offset past the cap, and nothing asked twice but the few records at each page's
    // last instant and the import's instant read again in id order.
    expect(searches.every((c) => c.status === 200)).toBe(true);
    expect(searches.length).toBeLessThanOrEqual(floor + 5);
    // Associations are read for up to 1,000 changed records a call.
    expect(associationReads.length).toBeLessThanOrEqual(Math.ceil(CHANGES / 1000) + 1);
  }, 300_000);
});
