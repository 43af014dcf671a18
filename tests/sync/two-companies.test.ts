/**
 * A contact linked to two companies, the unlabeled one listed first: the warehouse takes the
 * primary company as the contact's account, whatever the order the CRM lists them in, through the
 * full sync's pages and an incremental sync's reads alike. The features (company size, industry
 * and the account's signals) and the account grouping read the primary company, never the other.
 * Against the sandbox over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PortalData } from '../../sandbox/store.js';
import { featuresOfContacts } from '../../server/features/build/build-features.js';
import { loadContacts } from '../../server/features/build/contact-chunks.js';
import { accountOfContacts } from '../../server/scoring/portal-model.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { installedPortal, type InstalledPortal } from '../support/installed-portal.js';
import type { TestProduct } from '../support/product-server.js';

const HUB = 615;
const NOW = new Date('2026-11-01T00:00:00Z');
const DAY_MS = 86_400_000;

let portal: InstalledPortal;
let product: TestProduct;
let crm: PortalData;
let portalId: number;
let contactId: string;
let primaryId: string;
let otherId: string;

const db = () => product.ctx.db.db;
const deps = () => ({ db: db(), connector: product.ctx.services.crms.connectorFor('hubspot') });
const ACCOUNT_FEATURES = [
  'company_size',
  'company_industry',
  'account_contacts_left_180d',
  'account_contacts_active',
  'account_tickets_90d',
  'account_usage_trend',
  'account_usage_per_colleague',
];

/** Companies with at least two contacts. */
function companiesWithContacts(): string[] {
  return [...crm.recordsOf('companies').keys()].filter(
    (id) => crm.associationsOf('companies', id, 'contacts').length >= 2,
  );
}

beforeAll(async () => {
  portal = await installedPortal({ hub: HUB, contacts: 200, seed: 47, now: NOW });
  ({ product, crm, portalId } = portal);
  const companies = companiesWithContacts();
  const props = (id: string) => crm.recordsOf('companies').get(id)!.properties;
  primaryId = companies[0]!;
  otherId = companies.find(
    (id) =>
      props(id).industry !== props(primaryId).industry &&
      props(id).numberofemployees !== props(primaryId).numberofemployees,
  )!;
  const at = portal.sandbox.store.now();
  const contact = crm.createRecord(
    'contacts',
    {
      firstname: 'Dana',
      lastname: 'Twofold',
      email: 'dana@twofold.example',
      lifecyclestage: 'customer',
      hs_lifecyclestage_customer_date: new Date(NOW.getTime() - 400 * DAY_MS).toISOString(),
      createdate: new Date(NOW.getTime() - 400 * DAY_MS).toISOString(),
    },
    at,
  );
  contactId = contact.id;
  const primaryType = crm
    .associationTypesBetween('contacts', 'companies')
    .filter((type) => type.category === 'HUBSPOT_DEFINED' && type.typeId === 1);
  // The other company first, unlabeled; then the primary one.
  crm.addAssociationTypes('contacts', contactId, 'companies', otherId, [], at);
  crm.addAssociationTypes('contacts', contactId, 'companies', primaryId, primaryType, at);
  await syncPortal(deps(), portalId, 'full');
}, 300_000);

afterAll(async () => {
  await portal?.close();
});

async function storedAccount(): Promise<string | null> {
  const row = await db()
    .selectFrom('contacts')
    .select('company_id')
    .where('portal_id', '=', portalId)
    .where('id', '=', contactId)
    .executeTakeFirstOrThrow();
  return row.company_id;
}

/** The contact's company and account features as of `NOW`, with its account as stored. */
async function accountFeatures(): Promise<Record<string, unknown>> {
  const [features] = await featuresOfContacts(
    db(),
    portalId,
    NOW,
    await loadContacts(db(), portalId, { ids: [contactId] }),
  );
  return Object.fromEntries(ACCOUNT_FEATURES.map((name) => [name, features!.values[name]]));
}

describe('a contact with two companies, the unlabeled one listed first', () => {
  it('is listed by the CRM with the other company first', () => {
    const listed = crm.associationsOf('contacts', contactId, 'companies');
    expect(listed[0]).toMatchObject({ toId: otherId, typeId: 279 });
    expect(listed.filter((a) => a.typeId === 1).map((a) => a.toId)).toEqual([primaryId]);
  });

  it('has the primary company as its account after a full sync, with both companies linked', async () => {
    expect(await storedAccount()).toBe(primaryId);
    const linked = await db()
      .selectFrom('associations')
      .select(['to_id', 'is_primary'])
      .where('portal_id', '=', portalId)
      .where('from_type', '=', 'contacts')
      .where('from_id', '=', contactId)
      .where('to_type', '=', 'companies')
      .orderBy('to_id')
      .execute();
    expect(linked).toEqual(
      [
        { to_id: primaryId, is_primary: true },
        { to_id: otherId, is_primary: false },
      ].sort((a, b) => a.to_id.localeCompare(b.to_id)),
    );
    expect((await accountOfContacts(db(), portalId, [contactId])).get(contactId)).toBe(
      `company:${primaryId}`,
    );
  }, 300_000);

  it("reads the primary company's size, industry and signals, never the other's", async () => {
    const primary = crm.recordsOf('companies').get(primaryId)!.properties;
    const features = await accountFeatures();
    expect(features.company_size).toBe(Number(primary.numberofemployees));
    expect(features.company_industry).toBe(primary.industry);
    // The same contact seen through the other company would read otherwise.
    await db()
      .updateTable('contacts')
      .set({ company_id: otherId })
      .where('portal_id', '=', portalId)
      .where('id', '=', contactId)
      .execute();
    const throughOther = await accountFeatures();
    await db()
      .updateTable('contacts')
      .set({ company_id: primaryId })
      .where('portal_id', '=', portalId)
      .where('id', '=', contactId)
      .execute();
    expect(throughOther.company_size).not.toBe(features.company_size);
    expect(throughOther.company_industry).not.toBe(features.company_industry);
  }, 300_000);

  it('keeps the primary company after an incremental sync reads the contact again', async () => {
    crm.updateRecord('contacts', contactId, { jobtitle: 'Buyer' }, portal.sandbox.store.now());
    await syncPortal(deps(), portalId, 'incremental');
    const row = await db()
      .selectFrom('contacts')
      .select(['company_id', 'properties'])
      .where('portal_id', '=', portalId)
      .where('id', '=', contactId)
      .executeTakeFirstOrThrow();
    expect(row.properties).toMatchObject({ jobtitle: 'Buyer' });
    expect(row.company_id).toBe(primaryId);
  }, 300_000);
});
