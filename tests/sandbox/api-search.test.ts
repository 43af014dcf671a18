import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { callApi, installApp, NO_LIMITS, startTestSandbox } from '../support/sandbox-server.js';

interface SearchPage {
  total: number;
  results: { id: string; properties: Record<string, string | null> }[];
  paging?: { next: { after: string } };
}

const day = (iso: string) => String(Date.parse(iso));

describe('sandbox search', () => {
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let token: string;
  const names = new Map<string, string>();

  const search = async (objectType: string, body: Record<string, unknown>) => {
    const answer = await callApi<SearchPage>(
      sandbox.url,
      token,
      'POST',
      `/crm/objects/2026-03/${objectType}/search`,
      body,
    );
    return answer;
  };
  /** The names (firstname or company name) of the records a search finds, in the order found. */
  const found = async (objectType: string, body: Record<string, unknown>) => {
    const answer = await search(objectType, { limit: 200, ...body });
    expect(answer.status).toBe(200);
    return answer.body.results.map((record) => names.get(record.id));
  };
  const where = (propertyName: string, operator: string, extra: Record<string, unknown> = {}) => ({
    filterGroups: [{ filters: [{ propertyName, operator, ...extra }] }],
  });

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101, 202] });
    portal = sandbox.store.portal(101)!;
    token = (
      await installApp(sandbox.url, 101, ['oauth', 'crm.objects.contacts.read', 'crm.objects.companies.read'])
    ).access_token;
    const at = new Date('2026-01-01T00:00:00Z');
    const contacts: [string, Record<string, string>][] = [
      [
        'Ada',
        {
          email: 'ada@lovelace.example',
          lifecyclestage: 'customer',
          hs_email_last_open_date: '2026-02-01T10:00:00.000Z',
          company: 'Analytical Engines Ltd',
        },
      ],
      [
        'Grace',
        {
          email: 'grace@navy.example',
          lifecyclestage: 'customer',
          hs_email_last_open_date: '2026-01-15T08:00:00.000Z',
          company: 'US Navy',
        },
      ],
      [
        'Alan',
        {
          email: 'alan@bletchley.example',
          lifecyclestage: 'other',
          hs_email_last_open_date: '2025-12-24T12:00:00.000Z',
        },
      ],
      ['Edsger', { email: 'edsger@eindhoven.example', lifecyclestage: 'lead' }],
      [
        'Barbara',
        { email: 'barbara@mit.example', lifecyclestage: 'customer', company: 'MIT Analytical Group' },
      ],
    ];
    for (const [firstname, properties] of contacts) {
      names.set(portal.createRecord('contacts', { firstname, ...properties }, at).id, firstname);
    }
    for (const [name, employees] of [
      ['Nine', '9'],
      ['Ten', '10'],
      ['Hundred', '100'],
      ['TwentyFive', '25'],
      ['Blank', ''],
    ]) {
      names.set(
        portal.createRecord('companies', { name: name!, numberofemployees: employees! }, at).id,
        name!,
      );
    }
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('compares strings without regard to case and enumerations exactly', async () => {
    expect(await found('contacts', where('email', 'EQ', { value: 'GRACE@navy.example' }))).toEqual(['Grace']);
    expect(await found('contacts', where('lifecyclestage', 'NEQ', { value: 'customer' }))).toEqual([
      'Alan',
      'Edsger',
    ]);
    expect(await found('contacts', where('lifecyclestage', 'IN', { values: ['other', 'lead'] }))).toEqual([
      'Alan',
      'Edsger',
    ]);
    expect(
      await found('contacts', where('lifecyclestage', 'NOT_IN', { values: ['customer', 'lead'] })),
    ).toEqual(['Alan']);
  });

  it('compares numbers as numbers, not as text', async () => {
    expect(await found('companies', where('numberofemployees', 'GT', { value: '10' }))).toEqual([
      'Hundred',
      'TwentyFive',
    ]);
    expect(
      await found('companies', where('numberofemployees', 'BETWEEN', { value: '9', highValue: '25' })),
    ).toEqual(['Nine', 'Ten', 'TwentyFive']);
    const ascending = await found('companies', {
      ...where('numberofemployees', 'HAS_PROPERTY'),
      sorts: [{ propertyName: 'numberofemployees', direction: 'ASCENDING' }],
    });
    expect(ascending).toEqual(['Nine', 'Ten', 'TwentyFive', 'Hundred']);
    const descending = await found('companies', { sorts: ['-numberofemployees'] });
    expect(descending).toEqual(['Hundred', 'TwentyFive', 'Ten', 'Nine', 'Blank']);
    expect(await found('companies', where('numberofemployees', 'NOT_HAS_PROPERTY'))).toEqual(['Blank']);
  });

  it('compares datetimes as instants, taking epoch-millisecond filter values', async () => {
    const since = await found(
      'contacts',
      where('hs_email_last_open_date', 'GTE', { value: day('2026-01-15T08:00:00Z') }),
    );
    expect(since).toEqual(['Ada', 'Grace']);
    const before = await found(
      'contacts',
      where('hs_email_last_open_date', 'LT', { value: day('2026-01-01T00:00:00Z') }),
    );
    expect(before).toEqual(['Alan']);
    const between = await found(
      'contacts',
      where('hs_email_last_open_date', 'BETWEEN', {
        value: day('2025-12-01T00:00:00Z'),
        highValue: day('2026-01-31T00:00:00Z'),
      }),
    );
    expect(between).toEqual(['Grace', 'Alan']);
    const newestFirst = await found('contacts', {
      ...where('hs_email_last_open_date', 'HAS_PROPERTY'),
      sorts: [{ propertyName: 'hs_email_last_open_date', direction: 'DESCENDING' }],
    });
    expect(newestFirst).toEqual(['Ada', 'Grace', 'Alan']);
  });

  it('ANDs filters in a group and ORs the groups', async () => {
    const body = {
      filterGroups: [
        {
          filters: [
            { propertyName: 'lifecyclestage', operator: 'EQ', value: 'customer' },
            { propertyName: 'company', operator: 'CONTAINS_TOKEN', value: 'analytical' },
          ],
        },
        { filters: [{ propertyName: 'firstname', operator: 'EQ', value: 'edsger' }] },
      ],
    };
    expect(await found('contacts', body)).toEqual(['Ada', 'Edsger', 'Barbara']);
  });

  it('matches tokens, wildcards and free-text queries', async () => {
    expect(await found('contacts', where('email', 'CONTAINS_TOKEN', { value: '*@navy.example' }))).toEqual([
      'Grace',
    ]);
    expect(await found('contacts', where('company', 'NOT_CONTAINS_TOKEN', { value: 'analytical' }))).toEqual([
      'Grace',
      'Alan',
      'Edsger',
    ]);
    expect(await found('contacts', { query: 'bletch' })).toEqual(['Alan']);
  });

  it('returns the requested properties and pages with an offset cursor', async () => {
    const first = await search('contacts', {
      properties: ['email', 'jobtitle'],
      limit: 2,
      sorts: ['firstname'],
    });
    expect(first.body.total).toBe(5);
    expect(first.body.results.map((record) => names.get(record.id))).toEqual(['Ada', 'Alan']);
    expect(first.body.results[0]!.properties).toEqual({ email: 'ada@lovelace.example', jobtitle: null });
    expect(first.body.paging?.next.after).toBe('2');
    const second = await search('contacts', {
      limit: 2,
      sorts: ['firstname'],
      after: first.body.paging!.next.after,
    });
    expect(second.body.results.map((record) => names.get(record.id))).toEqual(['Barbara', 'Edsger']);
  });

  it('refuses limits above 200 and malformed filters with 400', async () => {
    expect((await search('contacts', { limit: 201 })).status).toBe(400);
    const noValue = await search('contacts', where('email', 'EQ'));
    expect(noValue.status).toBe(400);
    expect(noValue.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect((await search('contacts', where('email', 'LIKE', { value: 'x' }))).status).toBe(400);
  });

  describe('the 10,000-result cap', () => {
    let capToken: string;

    beforeAll(async () => {
      const big = sandbox.store.portal(202)!;
      const at = new Date('2026-01-01T00:00:00Z');
      for (let index = 0; index < 12_000; index += 1) {
        big.createRecord('contacts', { email: `c${index}@cap.example`, lifecyclestage: 'customer' }, at);
      }
      capToken = (await installApp(sandbox.url, 202, ['oauth', 'crm.objects.contacts.read'])).access_token;
    });

    it('counts all matches but pages through only the first 10,000, each once', async () => {
      const seen = new Set<string>();
      let after: string | undefined = '0';
      let total = 0;
      while (after !== undefined) {
        const page: { body: SearchPage } = await callApi<SearchPage>(
          sandbox.url,
          capToken,
          'POST',
          '/crm/objects/2026-03/contacts/search',
          {
            ...where('lifecyclestage', 'EQ', { value: 'customer' }),
            limit: 200,
            after,
            properties: ['email'],
          },
        );
        total = page.body.total;
        for (const record of page.body.results) seen.add(record.id);
        after = page.body.paging?.next.after;
      }
      expect(total).toBe(12_000);
      expect(seen.size).toBe(10_000);

      const beyond = await callApi(sandbox.url, capToken, 'POST', '/crm/objects/2026-03/contacts/search', {
        limit: 200,
        after: '10000',
      });
      expect(beyond.status).toBe(400);
      expect(beyond.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    });
  });

  describe('the search index lag', () => {
    const LAG = 4000;
    const LAG_PORTAL = 303;
    let lagToken: string;
    const lagPortal = () => sandbox.store.portal(LAG_PORTAL)!;
    const admin = async (method: string, body?: unknown) => {
      const response = await fetch(`${sandbox.url}/_sandbox/search-index`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as { lagMs: number; waiting: number } };
    };
    const searchLagPortal = async (body: Record<string, unknown>) =>
      (await callApi<SearchPage>(sandbox.url, lagToken, 'POST', '/crm/objects/2026-03/contacts/search', body))
        .body;
    const byEmail = (email: string) =>
      searchLagPortal({
        ...where('email', 'EQ', { value: email }),
        properties: ['jobtitle', 'lastmodifieddate'],
      });

    beforeAll(async () => {
      expect(
        (
          await fetch(`${sandbox.url}/_sandbox/portals`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ portalId: LAG_PORTAL }),
          })
        ).status,
      ).toBe(201);
      lagToken = (
        await installApp(sandbox.url, LAG_PORTAL, [
          'oauth',
          'crm.objects.contacts.read',
          'crm.objects.contacts.write',
        ])
      ).access_token;
    });

    it('is 3 s unless set, and the admin API sets it to whole milliseconds only', async () => {
      expect((await admin('GET')).body).toEqual({ lagMs: 3000, waiting: 0 });
      for (const refused of [{ lagMs: -1 }, { lagMs: 1.5 }, { lagMs: 600_001 }, { lagMs: 5, more: true }, {}])
        expect((await admin('PUT', refused)).status).toBe(400);
      expect((await admin('PUT', { lagMs: LAG })).body).toEqual({ lagMs: LAG, waiting: 0 });
    });

    it('shows each change once indexed: until then the old values, no new record, and the deleted one', async () => {
      await admin('PUT', { lagMs: LAG });
      const old = new Date('2026-03-01T00:00:00Z');
      const changed = lagPortal().createRecord(
        'contacts',
        { email: 'changed@lag.example', jobtitle: 'Engineer' },
        old,
      );
      const deleted = lagPortal().createRecord('contacts', { email: 'deleted@lag.example' }, old);
      const write = (method: string, path: string, body?: unknown) =>
        callApi(sandbox.url, lagToken, method, `/crm/objects/2026-03/contacts${path}`, body);
      expect((await write('PATCH', `/${changed.id}`, { properties: { jobtitle: 'CTO' } })).status).toBe(200);
      expect((await write('DELETE', `/${deleted.id}`)).status).toBe(204);
      expect((await write('POST', '', { properties: { email: 'new@lag.example' } })).status).toBe(201);
      expect((await admin('GET')).body.waiting).toBe(3);

      // Every change waits at least half the lag.
      sandbox.store.advanceClock(LAG / 2 - 1);
      const before = await byEmail('changed@lag.example');
      expect(before.results.map((r) => r.properties)).toEqual([
        { jobtitle: 'Engineer', lastmodifieddate: old.toISOString() },
      ]);
      expect((await searchLagPortal(where('jobtitle', 'EQ', { value: 'CTO' }))).total).toBe(0);
      expect((await byEmail('new@lag.example')).total).toBe(0);
      expect((await byEmail('deleted@lag.example')).total).toBe(1);

      // And none waits longer than the lag.
      sandbox.store.advanceClock(LAG / 2 + 1);
      expect((await byEmail('changed@lag.example')).results[0]!.properties.jobtitle).toBe('CTO');
      expect((await searchLagPortal(where('jobtitle', 'EQ', { value: 'Engineer' }))).total).toBe(0);
      expect((await byEmail('new@lag.example')).total).toBe(1);
      expect((await byEmail('deleted@lag.example')).total).toBe(0);
      expect((await admin('GET')).body.waiting).toBe(0);
    });

    it('indexes changes in no promised order: a later change may show before an earlier one', async () => {
      await admin('PUT', { lagMs: LAG });
      const records = Array.from({ length: 40 }, (_, i) =>
        lagPortal().createRecord(
          'contacts',
          { email: `order${i}@lag.example` },
          new Date('2026-03-01T00:00:00Z'),
        ),
      );
      for (const record of records) {
        sandbox.store.advanceClock(50);
        lagPortal().updateRecord('contacts', record.id, { jobtitle: 'Moved' }, sandbox.store.now());
      }
      // Halfway through the lag after the last change: some changes show, not all, and not in order.
      sandbox.store.advanceClock(LAG / 2);
      const shown = new Set(
        (await searchLagPortal({ ...where('jobtitle', 'EQ', { value: 'Moved' }), limit: 100 })).results.map(
          (r) => r.id,
        ),
      );
      const order = records.map((record) => shown.has(record.id));
      expect(order.filter(Boolean).length).toBeGreaterThan(0);
      expect(order.filter(Boolean).length).toBeLessThan(records.length);
      expect(order.indexOf(false)).toBeLessThan(order.lastIndexOf(true));
      sandbox.store.advanceClock(LAG / 2);
      expect((await searchLagPortal(where('jobtitle', 'EQ', { value: 'Moved' }))).total).toBe(records.length);
    });

    it('shows every waiting change at once when set to 0', async () => {
      await admin('PUT', { lagMs: 60_000 });
      const record = lagPortal().createRecord(
        'contacts',
        { email: 'flush@lag.example' },
        sandbox.store.now(),
      );
      lagPortal().updateRecord('contacts', record.id, { jobtitle: 'Flushed' }, sandbox.store.now());
      expect((await byEmail('flush@lag.example')).total).toBe(0);
      expect((await admin('PUT', { lagMs: 0 })).body).toEqual({ lagMs: 0, waiting: 0 });
      expect((await byEmail('flush@lag.example')).results[0]!.properties.jobtitle).toBe('Flushed');
      lagPortal().updateRecord('contacts', record.id, { jobtitle: 'At once' }, sandbox.store.now());
      expect((await byEmail('flush@lag.example')).results[0]!.properties.jobtitle).toBe('At once');
    });
  });
});
