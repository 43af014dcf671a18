/**
 * A contact with several companies, one of them primary, as real portals hold them: the warehouse
 * keeps every association with its types, the contact's account is its primary company and follows
 * it when the primary moves, and an association removed in the CRM leaves the warehouse at the
 * next sync. Against the sandbox over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { accountOfContacts } from '../../server/scoring/portal-model.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

const HUB = 612;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let crm: PortalData;
let portalId: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    searchIndexLagMs: 0,
  });
  crm = sandbox.store.portal(HUB)!;
  generatePortal(crm, { contacts: 60, seed: 29, now: new Date('2026-11-01T00:00:00Z') });
  product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 1000, searchPerSecond: 1000 },
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
}, 300_000);

afterAll(async () => {
  await product.close();
  await sandbox.close();
  await redis.stop();
});

const db = () => product.ctx.db.db;
const deps = () => ({ db: db(), connector: product.ctx.services.crms.connectorFor('hubspot') });

const companiesOf = (contactId: string) =>
  db()
    .selectFrom('associations')
    .select(['to_id', 'type_id', 'type_ids', 'is_primary'])
    .where('portal_id', '=', portalId)
    .where('from_type', '=', 'contacts')
    .where('from_id', '=', contactId)
    .where('to_type', '=', 'companies')
    .orderBy('to_id')
    .execute();

const accountOf = async (contactId: string) => {
  const row = await db()
    .selectFrom('contacts')
    .select('company_id')
    .where('portal_id', '=', portalId)
    .where('id', '=', contactId)
    .executeTakeFirstOrThrow();
  const grouped = await accountOfContacts(db(), portalId, [contactId]);
  expect(grouped.get(contactId)).toBe(`company:${row.company_id}`);
  return row.company_id;
};

const typesNamed = (typeId: number) =>
  crm.associationTypesBetween('contacts', 'companies').filter((type) => type.typeId === typeId);

describe('association types at sync', () => {
  let contactId: string;
  let first: string;
  let second: string;

  it('stores both companies of a contact with their types; the primary one is its account', async () => {
    contactId = [...crm.recordsOf('contacts').keys()].find(
      (id) => crm.associationsOf('contacts', id, 'companies').length === 1,
    )!;
    first = crm.associationsOf('contacts', contactId, 'companies')[0]!.toId;
    second = crm.createRecord('companies', { name: 'Second Co' }, sandbox.store.now()).id;
    crm.addAssociationTypes('contacts', contactId, 'companies', second, typesNamed(1), sandbox.store.now());

    await syncPortal(deps(), portalId, 'full');
    const stored = await companiesOf(contactId);
    expect(stored).toEqual(
      [
        { to_id: first, type_id: 279, type_ids: [279], is_primary: false },
        { to_id: second, type_id: 1, type_ids: [279, 1], is_primary: true },
      ].sort((a, b) => a.to_id.localeCompare(b.to_id)),
    );
    expect(await accountOf(contactId)).toBe(second);
  }, 300_000);

  it('moves the account when the primary company changes in the CRM', async () => {
    crm.addAssociationTypes('contacts', contactId, 'companies', first, typesNamed(1), sandbox.store.now());
    await syncPortal(deps(), portalId, 'incremental');
    const stored = await companiesOf(contactId);
    expect(stored.filter((row) => row.is_primary).map((row) => row.to_id)).toEqual([first]);
    expect(await accountOf(contactId)).toBe(first);
  }, 300_000);

  it('drops an association removed in the CRM at the next sync', async () => {
    crm.removeAssociationTypes('contacts', contactId, 'companies', second, 'all', sandbox.store.now());
    await syncPortal(deps(), portalId, 'incremental');
    expect((await companiesOf(contactId)).map((row) => row.to_id)).toEqual([first]);
    expect(await accountOf(contactId)).toBe(first);
  }, 300_000);
});
