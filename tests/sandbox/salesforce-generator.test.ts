import { describe, it, expect, beforeAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { generatePortal, type GenerationSummary } from '../../sandbox/generator/index.js';
import { copyPortal, customerStatus, generateOrg } from '../../sandbox/salesforce/from-generator.js';
import { SalesforceStore, type SalesforceOrg } from '../../sandbox/salesforce/store.js';
import type { SfRecord } from '../../sandbox/salesforce/types.js';
import { SandboxStore, type PortalData } from '../../sandbox/store.js';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const CONTACTS = 400;

function generate(seed: number, contacts = CONTACTS): { org: SalesforceOrg; summary: GenerationSummary } {
  const org = new SalesforceStore().createOrg({ name: 'Acme' });
  return { org, summary: generateOrg(org, { contacts, seed, now: NOW }) };
}

function records(org: SalesforceOrg, sobject: string): SfRecord[] {
  return [...org.records(sobject)];
}

/**
 * A digest of every generated record of the org, with its id, and of the truth and usage events
 * (the org itself and its admin are dated by the wall clock, when the org was made).
 */
function fingerprint(org: SalesforceOrg): string {
  const hash = createHash('sha256');
  for (const name of org.objectNames()) {
    for (const record of org.records(name)) {
      if (record.Id === org.orgId || record.Id === org.adminUser.Id) continue;
      hash.update(JSON.stringify([record.type, record.Id, record.fields]));
    }
  }
  for (const [id, truth] of org.truth) hash.update(JSON.stringify([id, truth]));
  for (const event of org.usage) hash.update(JSON.stringify(event));
  return hash.digest('hex');
}

function countBy<T>(items: Iterable<T>, key: (item: T) => string | null): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = key(item) ?? 'none';
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

function historyRows(org: SalesforceOrg, contactId: string, fields: readonly string[]) {
  return records(org, 'ContactHistory')
    .filter((row) => row.fields.ContactId === contactId && fields.includes(String(row.fields.Field)))
    .map((row) => [row.fields.Field, row.fields.OldValue, row.fields.NewValue, row.fields.CreatedDate]);
}

describe('an org filled from the customer generator', () => {
  let org: SalesforceOrg;
  let summary: GenerationSummary;
  let portal: PortalData;

  beforeAll(() => {
    ({ org, summary } = generate(11));
    portal = new SandboxStore().createPortal(1);
    generatePortal(portal, { contacts: CONTACTS, seed: 11, now: NOW });
  });

  it('is the same, ids included, for the same seed and end date, and differs for another seed', () => {
    const again = generate(11).org;
    expect(records(again, 'Contact').map((c) => c.Id)).toEqual(records(org, 'Contact').map((c) => c.Id));
    expect(fingerprint(again)).toBe(fingerprint(org));
    expect(fingerprint(generate(12).org)).not.toBe(fingerprint(org));
  });

  it('holds as many records of each kind as the HubSpot generation of the same seed', () => {
    const hubspot = (type: Parameters<PortalData['recordsOf']>[0]) => portal.recordsOf(type).size;
    expect({
      Account: records(org, 'Account').length,
      Contact: records(org, 'Contact').length,
      Opportunity: records(org, 'Opportunity').length,
      Case: records(org, 'Case').length,
      Task: records(org, 'Task').length,
      EmailMessage: records(org, 'EmailMessage').length,
      Survey_Response__c: records(org, 'Survey_Response__c').length,
      usageEvents: org.usage.size,
      truth: org.truth.size,
    }).toEqual({
      Account: hubspot('companies'),
      Contact: hubspot('contacts'),
      Opportunity: hubspot('deals'),
      Case: hubspot('tickets'),
      Task: hubspot('emails'),
      EmailMessage: hubspot('emails'),
      Survey_Response__c: hubspot('feedback_submissions'),
      usageEvents: portal.usage.size,
      truth: portal.truth.size,
    });
    // A few of the contacts written were merged into others or deleted for privacy.
    expect(summary.contacts).toBe(hubspot('contacts'));
    expect(summary.contacts).toBe(CONTACTS - summary.merges.length - summary.deleted.length);
    expect(summary.emails).toBe(hubspot('emails'));
  });

  it('gives contacts the customer status their lifecycle stage means, in the same proportions', () => {
    const hubspot = countBy(portal.recordsOf('contacts').values(), (c) =>
      customerStatus(c.properties.lifecyclestage),
    );
    const salesforce = countBy(records(org, 'Contact'), (c) => c.fields.Customer_Status__c as string | null);
    expect(salesforce).toEqual(hubspot);
    expect(Object.keys(salesforce).sort()).toEqual(['Customer', 'Former Customer', 'Prospect']);
  });

  it('keeps each contact as HubSpot had it, with the same timestamps', () => {
    const hubspot = [...portal.recordsOf('contacts').values()];
    const salesforce = records(org, 'Contact');
    hubspot.forEach((contact, index) => {
      const copied = salesforce[index]!.fields;
      expect([copied.Email, copied.CreatedDate, copied.LastModifiedDate, copied.SystemModstamp]).toEqual([
        contact.properties.email,
        contact.createdAt,
        contact.updatedAt,
        contact.updatedAt,
      ]);
      expect(copied.Customer_Since__c).toBe(
        contact.properties.hs_lifecyclestage_customer_date?.slice(0, 10) ?? null,
      );
    });
  });

  it('keys the hidden truth and the usage events by Contact id', () => {
    for (const [id, truth] of org.truth) {
      expect(org.byId(id)?.type).toBe('Contact');
      expect(truth.contactId).toBe(id);
    }
    const contactIds = new Set(records(org, 'Contact').map((c) => c.Id));
    expect([...org.usage].every((event) => contactIds.has(event.contactId))).toBe(true);
    const churned = [...org.truth.values()].filter((truth) => truth.churnVisibleAt !== null);
    expect(churned.length).toBeGreaterThan(0);
    for (const truth of churned)
      expect(org.byId(truth.contactId)!.fields.Customer_Status__c).toBe('Former Customer');
  });

  it('writes the status history of a customer who left: created, Prospect → Customer → Former Customer', () => {
    const former = records(org, 'Contact').filter((c) => c.fields.Customer_Status__c === 'Former Customer');
    expect(former.length).toBeGreaterThan(0);
    for (const contact of former) {
      const since = new Date(`${String(contact.fields.Customer_Since__c)}T00:00:00.000Z`);
      const left = new Date(`${String(contact.fields.Former_Customer_Since__c)}T00:00:00.000Z`);
      const rows = historyRows(org, contact.Id, ['created', 'Customer_Status__c']);
      expect(rows.map(([field, from, to]) => [field, from, to])).toEqual([
        ['created', null, null],
        ['Customer_Status__c', 'Prospect', 'Customer'],
        ['Customer_Status__c', 'Customer', 'Former Customer'],
      ]);
      // Each change is dated on the day the matching date field names.
      expect((rows[1]![3] as Date).getTime() - since.getTime()).toBeLessThan(86_400_000);
      expect((rows[2]![3] as Date).getTime() - left.getTime()).toBeLessThan(86_400_000);
    }
  });

  it('links each email as a Task and its EmailMessage, and each deal, case and answer to its contact', () => {
    const tasks = new Map(records(org, 'Task').map((task) => [task.Id, task]));
    const messages = records(org, 'EmailMessage');
    const pairs = messages.map((message) => {
      const task = tasks.get(message.fields.ActivityId as string)!;
      return {
        task: [task.fields.TaskSubtype, task.fields.Status, task.fields.IsClosed],
        who: org.byId(task.fields.WhoId as string)?.type,
        status: message.fields.Incoming ? 'incoming' : message.fields.Status,
      };
    });
    expect(countBy(pairs, (pair) => JSON.stringify(pair.task))).toEqual({
      [JSON.stringify(['Email', 'Completed', true])]: messages.length,
    });
    expect(countBy(pairs, (pair) => pair.who ?? null)).toEqual({ Contact: messages.length });
    // Replied, opened or sent: every status appears among what the owners sent.
    expect(Object.keys(countBy(pairs, (pair) => String(pair.status))).sort()).toEqual([
      '1',
      '2',
      '3',
      'incoming',
    ]);
    const hubspotDirections = countBy(
      portal.recordsOf('emails').values(),
      (e) => e.properties.hs_email_direction!,
    );
    expect(pairs.filter((pair) => pair.status === 'incoming')).toHaveLength(
      hubspotDirections.INCOMING_EMAIL!,
    );
    const parentTypes = (sobject: string, field: string) =>
      countBy(records(org, sobject), (record) => org.byId(record.fields[field] as string)?.type ?? null);
    // A deal outlives its contact's deletion for privacy: its opportunity names no contact.
    const dealsWithoutContact = [...portal.recordsOf('deals').keys()].filter(
      (id) => portal.associationsOf('deals', id, 'contacts').length === 0,
    ).length;
    expect(parentTypes('Opportunity', 'ContactId')).toEqual({
      Contact: records(org, 'Opportunity').length - dealsWithoutContact,
      ...(dealsWithoutContact > 0 ? { none: dealsWithoutContact } : {}),
    });
    expect(parentTypes('Case', 'ContactId')).toEqual({ Contact: records(org, 'Case').length });
    expect(parentTypes('Survey_Response__c', 'Contact__c')).toEqual({
      Contact: records(org, 'Survey_Response__c').length,
    });
    // A deal is won or lost by its stage's metadata, in the default pipeline and in custom ones alike.
    const stages = countBy(records(org, 'Opportunity'), (o) => o.fields.StageName as string);
    const outcome = countBy(portal.recordsOf('deals').values(), (d) => {
      const stage = portal.pipelines
        .get('deals')!
        .get(d.properties.pipeline!)!
        .stages.find((s) => s.id === d.properties.dealstage)!;
      if (stage.metadata.isClosed !== 'true') return 'open';
      return Number(stage.metadata.probability) >= 1 ? 'won' : 'lost';
    });
    const custom = [...portal.recordsOf('deals').values()].filter((d) => d.properties.pipeline !== 'default');
    expect(custom.length).toBeGreaterThan(0);
    expect(stages['Closed Won']).toBe(outcome.won);
    expect(stages['Closed Lost']).toBe(outcome.lost);
    const lost = records(org, 'Opportunity').filter((o) => o.fields.StageName === 'Closed Lost');
    expect(
      lost.every((o) => o.fields.Type === 'Existing Business - Renewal' && o.fields.Loss_Reason__c),
    ).toBe(true);
    const closedCases = records(org, 'Case').filter((c) => c.fields.Status === 'Closed');
    expect(closedCases.every((c) => c.fields.ClosedDate instanceof Date && c.fields.IsClosed)).toBe(true);
  });

  it('shares the contacts among a few sales users, and leaves those nobody reassigned with an inactive one', () => {
    const owners = countBy(records(org, 'Contact'), (c) => c.fields.OwnerId as string);
    const active = Object.keys(owners).filter((id) => org.users.get(id)?.IsActive === true);
    expect(active).toHaveLength(4);
    // A HubSpot owner who left is an inactive user, who keeps the contacts left with them.
    const departed = [...portal.owners.values()].filter((o) => o.archived && o.updatedAt < NOW);
    expect(departed.length).toBeGreaterThan(0);
    const inactive = Object.keys(owners).filter((id) => org.users.get(id)?.IsActive === false);
    expect(inactive.length).toBeGreaterThan(0);
    expect(inactive.length).toBeLessThanOrEqual(departed.length);
    expect(active.length + inactive.length).toBe(Object.keys(owners).length);
    const stranded = inactive.reduce((n, id) => n + owners[id]!, 0);
    expect(stranded).toBeGreaterThan(0);
    expect(stranded).toBeLessThan(records(org, 'Contact').length / 4);
  });
});

describe('copying a portal', () => {
  it('gives a customer who left and came back the history Customer → Former Customer → Customer', () => {
    const portal = new SandboxStore().createPortal(5);
    const t0 = new Date('2025-01-10T09:00:00.000Z');
    const t1 = new Date('2025-06-01T12:00:00.000Z');
    const t2 = new Date('2025-09-15T08:30:00.000Z');
    const contact = portal.createRecord(
      'contacts',
      { firstname: 'Ada', lastname: 'Byron', email: 'ada@example.com', lifecyclestage: 'customer' },
      t0,
    );
    portal.updateRecord('contacts', contact.id, { lifecyclestage: 'other' }, t1);
    portal.updateRecord('contacts', contact.id, { lifecyclestage: 'customer' }, t2);
    const org = new SalesforceStore().createOrg();
    copyPortal(org, portal);
    const [copied] = records(org, 'Contact');
    expect(copied!.fields).toMatchObject({
      LastName: 'Byron',
      Customer_Status__c: 'Customer',
      CreatedDate: t0,
    });
    expect(historyRows(org, copied!.Id, ['created', 'Customer_Status__c'])).toEqual([
      ['created', null, null, t0],
      ['Customer_Status__c', 'Customer', 'Former Customer', t1],
      ['Customer_Status__c', 'Former Customer', 'Customer', t2],
    ]);
    // The portal is left as it was.
    expect(portal.recordsOf('contacts').size).toBe(1);
  });
});
