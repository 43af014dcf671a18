/**
 * A contact with several companies, one of them primary, as real portals hold them: the warehouse
 * keeps every association with its types, the contact's account is its primary company and follows
 * it when the primary moves, and an association removed in the CRM leaves the warehouse at the
 * next sync. Against the sandbox over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { accountOfContacts } from '../../server/scoring/portal-model.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { installedPortal, type InstalledPortal } from '../support/installed-portal.js';
import type { TestProduct } from '../support/product-server.js';

const HUB = 612;

let portal: InstalledPortal;
let sandbox: RunningSandbox;
let product: TestProduct;
let crm: PortalData;
let portalId: number;

beforeAll(async () => {
  portal = await installedPortal({ hub: HUB, contacts: 60, seed: 29, now: new Date('2026-11-01T00:00:00Z') });
  ({ sandbox, product, crm, portalId } = portal);
}, 300_000);

afterAll(async () => {
  await portal?.close();
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
        { to_id: second, type_id: 1, type_ids: [1, 279], is_primary: true },
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
