import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import { generatePortal } from '../../sandbox/generator/index.js';
import { simulateRetentionOutcomes } from '../../sandbox/generator/retention-outcomes.js';
import type { RunningSandbox } from '../../sandbox/main.js';
import { historyOf } from '../../sandbox/property-history.js';
import { SandboxStore, type CrmRecord, type PortalData } from '../../sandbox/store.js';
import {
  callApi,
  hubspotClient,
  installApp,
  NO_LIMITS,
  startTestSandbox,
  TEST_APP,
} from '../support/sandbox-server.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const CONTACTS = '/crm/objects/2026-03/contacts';
const APP_ID = String(TEST_APP.appId);

interface Entry {
  value: string;
  timestamp: string;
  sourceType: string;
  sourceId?: string;
}
interface WireRecord {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, Entry[]>;
}

const ms = (iso: string | null | undefined) => Date.parse(iso ?? '');

describe('property history in the store', () => {
  const at = new Date('2025-05-01T00:00:00.000Z');
  const later = new Date('2025-06-01T00:00:00.000Z');
  let portal: PortalData;
  let contact: CrmRecord;

  beforeAll(() => {
    portal = new SandboxStore().createPortal(7);
    contact = portal.createRecord('contacts', { email: 'h@example.com', lifecyclestage: 'lead' }, at);
  });

  it('implies a value written at creation without storing it, and stores it once it changes', () => {
    expect(contact.history).toBeUndefined();
    expect(historyOf(contact, 'lifecyclestage')).toEqual([
      { value: 'lead', timestamp: at, sourceType: 'CRM_UI' },
    ]);
    expect(historyOf(contact, 'phone')).toEqual([]);
    expect(historyOf(contact, 'constructor')).toEqual([]);

    portal.updateRecord('contacts', contact.id, { lifecyclestage: 'customer', phone: null }, later, '42');
    expect(Object.keys(contact.history!)).toEqual(['lifecyclestage']);
    expect(historyOf(contact, 'lifecyclestage')).toEqual([
      { value: 'customer', timestamp: later, sourceType: 'INTEGRATION', sourceId: '42' },
      { value: 'lead', timestamp: at, sourceType: 'CRM_UI' },
    ]);
  });

  it('keeps the newest entry equal to the current value even when the clock goes back', () => {
    portal.updateRecord('contacts', contact.id, { lifecyclestage: 'other' }, at);
    const [newest] = historyOf(contact, 'lifecyclestage');
    expect(newest).toEqual({ value: 'other', timestamp: at, sourceType: 'CRM_UI' });
    expect(contact.properties.lifecyclestage).toBe('other');
  });

  it('takes a past from a generator only when it ends with the value and runs forward from creation', () => {
    const record = portal.createRecord('contacts', { email: 'p@example.com', lifecyclestage: 'other' }, at);
    const entry = (value: string, timestamp: Date) => ({ value, timestamp, sourceType: 'CRM_UI' });
    expect(() => portal.setHistory('contacts', record.id, 'lifecyclestage', [entry('customer', at)])).toThrow(
      /must end with its value other/,
    );
    expect(() =>
      portal.setHistory('contacts', record.id, 'lifecyclestage', [
        entry('customer', later),
        entry('other', at),
      ]),
    ).toThrow(/out of order/);
    expect(() =>
      portal.setHistory('contacts', record.id, 'lifecyclestage', [
        entry('customer', new Date(at.getTime() - 1)),
        entry('other', later),
      ]),
    ).toThrow(/predates the record/);
    expect(() => portal.setHistory('contacts', record.id, 'lastmodifieddate', [])).toThrow(/no history/);

    // What the record already says costs nothing to store.
    portal.setHistory('contacts', record.id, 'lifecyclestage', [entry('other', at)]);
    expect(record.history).toBeUndefined();
    portal.setHistory('contacts', record.id, 'lifecyclestage', [
      entry('customer', at),
      entry('other', later),
    ]);
    expect(historyOf(record, 'lifecyclestage').map((e) => [e.value, e.timestamp])).toEqual([
      ['other', later],
      ['customer', at],
    ]);
  });
});

describe('histories the generator writes', () => {
  it("tells each customer's lifecycle and stores nothing the records already imply", () => {
    const portal = new SandboxStore().createPortal(9);
    generatePortal(portal, { contacts: 300, seed: 3, now: NOW });
    let churned = 0;
    let changedPlan = 0;
    let downgradedOnTheWayOut = 0;
    for (const contact of portal.recordsOf('contacts').values()) {
      // A merge's survivor holds both contacts' histories (tests/sandbox/generator-merges-deletions).
      if (contact.properties.hs_merged_object_ids) continue;
      const truth = portal.truth.get(contact.id);
      const stages = historyOf(contact, 'lifecyclestage').reverse();
      if (!truth) {
        expect(contact.history).toBeUndefined();
        expect(stages.map((e) => [e.value, e.timestamp.toISOString()])).toEqual([
          [contact.properties.lifecyclestage, contact.properties.createdate],
        ]);
        continue;
      }
      const before = contact.properties.customer_segment === 'B2B' ? 'opportunity' : 'lead';
      const left = truth.churnVisibleAt;
      if (left) churned++;
      expect(stages.map((e) => e.value)).toEqual(left ? [before, 'customer', 'other'] : [before, 'customer']);
      expect(stages.at(-1)!.timestamp).toEqual(left ?? contact.createdAt);
      // The customer date was set when the record was created: implied, so not stored; a plan is
      // stored only when it changed (plan-changes.ts), an owner only when the account passed to a
      // colleague (owner-departures.ts).
      expect(
        Object.keys(contact.history!)
          .filter((name) => name !== 'plan' && name !== 'hubspot_owner_id')
          .sort(),
      ).toEqual(left ? ['hs_lifecyclestage_other_date', 'lifecyclestage'] : ['lifecyclestage']);
      const plans = historyOf(contact, 'plan').reverse();
      if (plans.length > 1) {
        changedPlan++;
        // Bought on one plan, moved once, to the plan it is on now, while still a customer.
        expect(plans.map((e) => e.timestamp.getTime())).toEqual([
          contact.createdAt.getTime(),
          expect.any(Number),
        ]);
        expect(plans[1]!.value).toBe(contact.properties.plan);
        expect(plans[0]!.value).not.toBe(plans[1]!.value);
        expect(plans[1]!.timestamp.getTime()).toBeLessThan((left ?? NOW).getTime());
        // Most changes are a downgrade by someone who had decided to leave.
        if (truth.churnDecidedAt && plans[1]!.timestamp >= truth.churnDecidedAt) downgradedOnTheWayOut++;
      }
    }
    expect(churned).toBeGreaterThan(10);
    expect(changedPlan).toBeGreaterThan(5);
    expect(downgradedOnTheWayOut).toBeGreaterThan(changedPlan / 2);
  });
});

describe('propertiesWithHistory over HTTP, through @hubspot/api-client', () => {
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let client: Client;
  let token: string;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    callApi<T>(sandbox.url, token, method, path, body);

  const contacts = () => [...portal.recordsOf('contacts').values()];
  const churned = () =>
    contacts().filter(
      (c) => c.properties.lifecyclestage === 'other' && c.properties.hs_lifecyclestage_other_date,
    );
  const customers = () => contacts().filter((c) => c.properties.lifecyclestage === 'customer');

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101] });
    portal = sandbox.store.portal(101)!;
    generatePortal(portal, { contacts: 400, seed: 5, now: NOW });
    token = (await installApp(sandbox.url, 101)).access_token;
    client = hubspotClient(sandbox.url, token);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it("reads a generated churned customer's lifecycle: other ← customer ← the stage it was created with", async () => {
    const contact = churned()[0]!;
    const since = ms(contact.properties.hs_lifecyclestage_customer_date);
    const left = ms(contact.properties.hs_lifecyclestage_other_date);
    expect(left).toBeGreaterThan(since);
    expect(ms(contact.properties.createdate)).toBe(since);
    const truth = portal.truth.get(contact.id)!;
    expect(truth.churnVisibleAt?.getTime()).toBe(left);

    const read = await client.crm.contacts.basicApi.getById(
      contact.id,
      ['email'],
      ['lifecyclestage', 'hs_lifecyclestage_customer_date', 'hs_lifecyclestage_other_date'],
    );
    const stages = read.propertiesWithHistory!.lifecyclestage!;
    const before = contact.properties.customer_segment === 'B2B' ? 'opportunity' : 'lead';
    expect(stages.map((e) => [e.value, e.timestamp.getTime(), e.sourceType])).toEqual([
      ['other', left, 'CRM_UI'],
      ['customer', since, 'CRM_UI'],
      [before, since, 'CRM_UI'],
    ]);
    expect(
      read.propertiesWithHistory!.hs_lifecyclestage_customer_date!.map((e) => e.timestamp.getTime()),
    ).toEqual([since]);
    const otherDate = read.propertiesWithHistory!.hs_lifecyclestage_other_date!;
    expect(otherDate.map((e) => [e.value, e.timestamp.getTime()])).toEqual([
      [contact.properties.hs_lifecyclestage_other_date, left],
    ]);
    // HubSpot also puts the history properties' current values in `properties`.
    expect(read.properties.lifecyclestage).toBe('other');
    expect(read.properties.email).toBe(contact.properties.email);
  });

  it('reads a prospect as the one stage it was created with, and a current customer without a churn', async () => {
    const prospect = contacts().find((c) => !c.properties.hs_lifecyclestage_customer_date)!;
    const customer = customers()[0]!;
    const { body } = await call<{ results: WireRecord[] }>('POST', `${CONTACTS}/batch/read`, {
      inputs: [{ id: prospect.id }, { id: customer.id }],
      properties: [],
      propertiesWithHistory: ['lifecyclestage', 'hs_lifecyclestage_other_date'],
    });
    const byId = new Map(body.results.map((r) => [r.id, r.propertiesWithHistory!]));
    expect(byId.get(prospect.id)).toEqual({
      lifecyclestage: [
        {
          value: prospect.properties.lifecyclestage,
          timestamp: prospect.properties.createdate,
          sourceType: 'CRM_UI',
        },
      ],
    });
    expect(byId.get(customer.id)!.lifecyclestage!.map((e) => e.value)).toEqual([
      'customer',
      customer.properties.customer_segment === 'B2B' ? 'opportunity' : 'lead',
    ]);
    expect(byId.get(customer.id)!.hs_lifecyclestage_other_date).toBeUndefined();
  });

  it("adds the app's PATCH as an INTEGRATION entry, newest first, at the write's time", async () => {
    const contact = customers()[1]!;
    const createdAt = contact.properties.createdate;
    const previousPlan = contact.properties.plan!;
    const updated = await client.crm.contacts.basicApi.update(contact.id, {
      properties: { plan: previousPlan === 'premium' ? 'basic' : 'premium' },
    });
    const read = await client.crm.contacts.basicApi.getById(contact.id, undefined, ['plan']);
    expect(
      read.propertiesWithHistory!.plan!.map((e) => [
        e.value,
        e.timestamp.toISOString(),
        e.sourceType,
        e.sourceId,
      ]),
    ).toEqual([
      [updated.properties.plan, updated.updatedAt.toISOString(), 'INTEGRATION', APP_ID],
      [previousPlan, createdAt, 'CRM_UI', undefined],
    ]);
  });

  it('shows a customer set to other and back by the app as three entries', async () => {
    const created = portal.createRecord(
      'contacts',
      { email: 'back-and-forth@example.com', lifecyclestage: 'customer' },
      sandbox.store.now(),
    );
    sandbox.store.advanceClock(60_000);
    const left = await client.crm.contacts.basicApi.update(created.id, {
      properties: { lifecyclestage: 'other' },
    });
    sandbox.store.advanceClock(60_000);
    const back = await client.crm.contacts.basicApi.update(created.id, {
      properties: { lifecyclestage: 'customer' },
    });
    const { body } = await call<WireRecord>(
      'GET',
      `${CONTACTS}/${created.id}?propertiesWithHistory=lifecyclestage`,
    );
    expect(body.propertiesWithHistory).toEqual({
      lifecyclestage: [
        {
          value: 'customer',
          timestamp: back.updatedAt.toISOString(),
          sourceType: 'INTEGRATION',
          sourceId: APP_ID,
        },
        {
          value: 'other',
          timestamp: left.updatedAt.toISOString(),
          sourceType: 'INTEGRATION',
          sourceId: APP_ID,
        },
        { value: 'customer', timestamp: created.createdAt.toISOString(), sourceType: 'CRM_UI' },
      ],
    });
  });

  it("names the app as the source of what it created, and of an emptied value ('')", async () => {
    const created = await client.crm.contacts.basicApi.create({
      properties: { email: 'made-by-app@example.com', jobtitle: 'Buyer' },
      associations: [],
    });
    await client.crm.contacts.basicApi.update(created.id, { properties: { jobtitle: '' } });
    const { body } = await call<WireRecord>(
      'GET',
      `${CONTACTS}/${created.id}?propertiesWithHistory=jobtitle&propertiesWithHistory=email`,
    );
    expect(body.propertiesWithHistory!.email).toEqual([
      {
        value: 'made-by-app@example.com',
        timestamp: created.createdAt.toISOString(),
        sourceType: 'INTEGRATION',
        sourceId: APP_ID,
      },
    ]);
    expect(body.propertiesWithHistory!.jobtitle!.map((e) => e.value)).toEqual(['', 'Buyer']);
  });

  it('records the churn the retention simulation causes', () => {
    const at = sandbox.store.now();
    simulateRetentionOutcomes(portal, { days: 365, offerChurnReduction: 0, now: at });
    const left = contacts().find(
      (c) => c.properties.lifecyclestage === 'other' && c.updatedAt.getTime() === at.getTime(),
    )!;
    expect(historyOf(left, 'lifecyclestage').map((e) => [e.value, e.timestamp])).toEqual([
      ['other', at],
      ['customer', new Date(ms(left.properties.hs_lifecyclestage_customer_date))],
      [expect.any(String), new Date(ms(left.properties.hs_lifecyclestage_customer_date))],
    ]);
    expect(historyOf(left, 'hs_lifecyclestage_other_date')[0]).toEqual({
      value: left.properties.hs_lifecyclestage_other_date,
      timestamp: at,
      sourceType: 'CRM_UI',
    });
  });

  it('lists up to 50 records with history a page, and refuses a larger limit as HubSpot does', async () => {
    const page = await client.crm.contacts.basicApi.getPage(50, undefined, ['email'], ['lifecyclestage']);
    expect(page.results).toHaveLength(50);
    expect(page.paging?.next?.after).toEqual(expect.any(String));
    for (const record of page.results) {
      expect(record.propertiesWithHistory!.lifecyclestage![0]!.value).toBe(record.properties.lifecyclestage);
    }
    const next = await client.crm.contacts.basicApi.getPage(50, page.paging!.next!.after, undefined, [
      'lifecyclestage',
    ]);
    expect(next.results[0]!.id).not.toBe(page.results[0]!.id);

    const refused = await call(
      'GET',
      `/crm/v3/objects/contacts?limit=51&propertiesWithHistory=lifecyclestage`,
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(String(refused.body.message)).toMatch(/property histories is 50/);
    await expect(
      client.crm.contacts.basicApi.getPage(100, undefined, undefined, ['lifecyclestage']),
    ).rejects.toMatchObject({ code: 400 });
    // Without history the page may hold 100.
    expect((await client.crm.contacts.basicApi.getPage(100)).results).toHaveLength(100);
  });

  it('reads at most 50 records with history a batch, with the message HubSpot gives', async () => {
    const ids = contacts()
      .slice(0, 51)
      .map((c) => ({ id: c.id }));
    const refused = await call('POST', `${CONTACTS}/batch/read`, {
      inputs: ids,
      properties: [],
      propertiesWithHistory: ['lifecyclestage'],
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      message:
        'The maximum number of inputs supported in a batch request for property histories is 50. Please reduce the number of items and try again',
    });
    const fifty = await client.crm.contacts.batchApi.read({
      inputs: ids.slice(0, 50),
      properties: [],
      propertiesWithHistory: ['lifecyclestage'],
    });
    expect(fifty.results).toHaveLength(50);
    expect(fifty.results.every((r) => r.propertiesWithHistory?.lifecyclestage?.length)).toBe(true);
    // The SDK always sends the array; empty, the usual 100 inputs are fine and no history comes back.
    const hundred = await client.crm.contacts.batchApi.read({
      inputs: contacts()
        .slice(0, 100)
        .map((c) => ({ id: c.id })),
      properties: [],
      propertiesWithHistory: [],
    });
    expect(hundred.results).toHaveLength(100);
  });

  it('ignores names the record has no value for, and unknown ones', async () => {
    const prospect = contacts().find((c) => !c.properties.hs_lifecyclestage_customer_date)!;
    const { status, body } = await call<WireRecord>(
      'GET',
      `${CONTACTS}/${prospect.id}?propertiesWithHistory=lifecyclestage,no_such_property,hs_lifecyclestage_other_date,constructor`,
    );
    expect(status).toBe(200);
    expect(Object.keys(body.propertiesWithHistory!)).toEqual(['lifecyclestage']);
    expect(body.properties).not.toHaveProperty('no_such_property');
    expect(body.properties.hs_lifecyclestage_other_date).toBeNull();
  });

  it('answers without a propertiesWithHistory key when none is asked for, and search never has one', async () => {
    const id = customers()[0]!.id;
    const one = await call<WireRecord>('GET', `${CONTACTS}/${id}?properties=lifecyclestage`);
    expect(one.body).not.toHaveProperty('propertiesWithHistory');
    const empty = await call<WireRecord>('GET', `${CONTACTS}/${id}?propertiesWithHistory=`);
    expect(empty.body).not.toHaveProperty('propertiesWithHistory');
    const list = await call<{ results: WireRecord[] }>('GET', `${CONTACTS}?limit=100`);
    expect(list.body.results.some((r) => 'propertiesWithHistory' in r)).toBe(false);
    const batch = await call<{ results: WireRecord[] }>('POST', `${CONTACTS}/batch/read`, {
      inputs: [{ id }],
      properties: ['lifecyclestage'],
    });
    expect(batch.body.results[0]).not.toHaveProperty('propertiesWithHistory');
    const search = await call<{ results: WireRecord[] }>('POST', `${CONTACTS}/search`, {
      filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: id }] }],
      properties: ['lifecyclestage'],
      propertiesWithHistory: ['lifecyclestage'],
    });
    expect(search.status).toBe(200);
    expect(search.body.results).toHaveLength(1);
    expect(search.body.results[0]).not.toHaveProperty('propertiesWithHistory');
  });

  it('answers a batch read whose propertiesWithHistory is not a list of names with a 400', async () => {
    const id = customers()[0]!.id;
    for (const propertiesWithHistory of ['lifecyclestage', [1]]) {
      const batch = await call('POST', `${CONTACTS}/batch/read`, { inputs: [{ id }], propertiesWithHistory });
      expect(batch.status).toBe(400);
      expect(batch.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    }
  });
});
