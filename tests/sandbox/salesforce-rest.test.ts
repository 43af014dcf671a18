import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateOrg } from '../../sandbox/salesforce/from-generator.js';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../../sandbox/salesforce/main.js';
import type { SalesforceOrg, SfUser } from '../../sandbox/salesforce/store.js';
import { orgAccessToken } from '../support/salesforce-org-token.js';
import { orgCall, type OrgAnswer, type OrgCallOptions } from '../support/salesforce-org-call.js';

const APP = {
  clientId: 'rest-client',
  clientSecret: 'rest-secret',
  redirectUris: ['https://app.example.com/cb'],
};
const V = '/services/data/v64.0';

type Row = {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};
type QueryPage = { totalSize: number; done: boolean; nextRecordsUrl?: string; records: { Id: string }[] };

describe('Salesforce sandbox REST API', () => {
  let sandbox: RunningSalesforceSandbox;
  let org: SalesforceOrg;
  let admin: string;
  let analyst: SfUser;

  const tokenFor = (target: SalesforceOrg, userId?: string) =>
    orgAccessToken(sandbox.instanceUrl, target.orgId, APP.clientId, userId);

  const call = <T = unknown>(
    method: string,
    path: string,
    options: OrgCallOptions = {},
  ): Promise<OrgAnswer<T>> =>
    orgCall<T>(sandbox.instanceUrl, method, path, {
      ...options,
      token: options.token === undefined ? admin : options.token,
    });

  const query = <T = QueryPage>(
    soql: string,
    options: { token?: string; headers?: Record<string, string> } = {},
  ) => call<T>('GET', `${V}/query?q=${encodeURIComponent(soql)}`, options);

  async function faults(body: Record<string, unknown>): Promise<void> {
    const response = await call('POST', `/_sandbox/salesforce/orgs/${org.orgId}/faults`, {
      token: null,
      body,
    });
    expect(response.status).toBe(200);
  }

  const contactIds = (n: number) =>
    [...org.records('Contact')]
      .filter((record) => !record.fields.IsDeleted)
      .slice(0, n)
      .map((record) => record.Id);

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ apps: [APP], orgs: 1 });
    org = [...sandbox.store.orgs.values()][0]!;
    generateOrg(org, { contacts: 500, seed: 7 });
    analyst = org.addUser({ firstName: 'Ana', lastName: 'Lyst', email: 'ana.lyst@example.com' });
    admin = await tokenFor(org);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe('authentication, versions and limits', () => {
    it.each([
      ['no token', null],
      ['an unknown token', '00D000000000000!AQnope'],
    ])('answers 401 INVALID_SESSION_ID to %s', async (_name, token) => {
      const answer = await call('GET', `${V}/sobjects`, { token });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual([
        { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
      ]);
    });

    it('lists versions v50.0 to v66.0 and refuses others', async () => {
      const list = await call<{ version: string; url: string; label: string }[]>('GET', '/services/data/', {
        token: null,
      });
      expect(list.status).toBe(200);
      expect(list.body[0]).toEqual({ label: "Winter '21", url: '/services/data/v50.0', version: '50.0' });
      expect(list.body.at(-1)).toEqual({ label: "Spring '26", url: '/services/data/v66.0', version: '66.0' });
      expect(list.body).toContainEqual({ label: "Summer '25", url: '/services/data/v64.0', version: '64.0' });
      for (const version of ['v49.0', 'v67.0', 'v64.1', 'latest']) {
        expect((await call('GET', `/services/data/${version}/sobjects`)).status).toBe(404);
      }
      const resources = await call<Record<string, string>>('GET', `${V}/`);
      expect(resources.body.query).toBe(`${V}/query`);
      expect(resources.body.identity).toBe(`${sandbox.loginUrl}/id/${org.orgId}/${org.adminUser.Id}`);
    });

    it('counts every call against the daily allowance, in Sforce-Limit-Info and in limits', async () => {
      const first = await call('GET', `${V}/sobjects`);
      const [, used, max] = /^api-usage=(\d+)\/(\d+)$/.exec(first.headers.get('sforce-limit-info') ?? '')!;
      expect(Number(max)).toBe(org.dailyApiLimit);
      const limits = await call<{ DailyApiRequests: { Max: number; Remaining: number } }>(
        'GET',
        `${V}/limits`,
      );
      expect(limits.headers.get('sforce-limit-info')).toBe(`api-usage=${Number(used) + 1}/${max}`);
      expect(limits.body.DailyApiRequests).toEqual({
        Max: Number(max),
        Remaining: Number(max) - Number(used) - 1,
      });
    });

    it('refuses calls with 403 REQUEST_LIMIT_EXCEEDED once the day’s allowance is spent, until the next day', async () => {
      await faults({ useUpDailyLimit: true });
      const refused = await call('GET', `${V}/sobjects`);
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual([
        { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
      ]);
      expect(refused.headers.get('sforce-limit-info')).toMatch(/^api-usage=(\d+)\/\1$/);
      sandbox.store.advanceClock(24 * 3600 * 1000);
      admin = await tokenFor(org);
      const allowed = await call('GET', `${V}/sobjects`);
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('sforce-limit-info')).toBe(`api-usage=1/${org.dailyApiLimit}`);
      await faults({ dailyApiLimit: 2 });
      expect((await call('GET', `${V}/limits`)).status).toBe(200);
      expect((await call('GET', `${V}/limits`)).status).toBe(403);
      await call('DELETE', `/_sandbox/salesforce/orgs/${org.orgId}/faults`, { token: null });
      expect((await call('GET', `${V}/limits`)).status).toBe(200);
    });

    it('answers the concurrent-request 403 and a seeded share of 5xx when told to', async () => {
      await faults({ concurrentLimitCalls: 2 });
      for (let i = 0; i < 2; i++) {
        const refused = await call('GET', `${V}/limits`);
        expect(refused.status).toBe(403);
        expect(refused.body).toEqual([
          { message: 'ConcurrentPerOrgLongTxn Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
        ]);
      }
      expect((await call('GET', `${V}/limits`)).status).toBe(200);

      const run = async () => {
        await faults({ errorRate: 0.5, errorStatus: 503, seed: 11 });
        const statuses: number[] = [];
        for (let i = 0; i < 20; i++) statuses.push((await call('GET', `${V}/limits`)).status);
        return statuses;
      };
      const first = await run();
      expect(new Set(first)).toEqual(new Set([200, 503]));
      expect(await run()).toEqual(first);
      await call('DELETE', `/_sandbox/salesforce/orgs/${org.orgId}/faults`, { token: null });
    });

    it('ends sessions when access tokens are expired by a fault', async () => {
      const token = await tokenFor(org);
      await faults({ expireTokens: true });
      expect((await call('GET', `${V}/limits`, { token })).status).toBe(401);
      admin = await tokenFor(org);
      expect((await call('GET', `${V}/limits`)).status).toBe(200);
    });
  });

  describe('describe and records', () => {
    it('describes objects with the fields the caller’s field-level security shows', async () => {
      org.addCustomField('Contact.Health_Note__c', { label: 'Health Note', type: 'Text', length: 100 });
      const names = async (token: string) =>
        (
          (await call<{ fields: { name: string }[] }>('GET', `${V}/sobjects/Contact/describe`, { token }))
            .body.fields ?? []
        ).map((field) => field.name);
      expect(await names(admin)).not.toContain('Health_Note__c');

      const set = await call<{ id: string }>('POST', `${V}/sobjects/PermissionSet`, {
        body: { Name: 'Health_Readers', Label: 'Health Readers' },
      });
      expect(set.status).toBe(201);
      const grant = await call<Row[]>('POST', `${V}/composite/sobjects`, {
        body: {
          allOrNone: true,
          records: [
            {
              attributes: { type: 'FieldPermissions' },
              ParentId: set.body.id,
              SobjectType: 'Contact',
              Field: 'Contact.Health_Note__c',
              PermissionsRead: true,
              PermissionsEdit: true,
            },
            {
              attributes: { type: 'PermissionSetAssignment' },
              PermissionSetId: set.body.id,
              AssigneeId: org.adminUser.Id,
            },
          ],
        },
      });
      expect(grant.body.map((row) => row.success)).toEqual([true, true]);

      const described = await call<{
        name: string;
        fields: { name: string; type: string; updateable: boolean }[];
      }>('GET', `${V}/sobjects/Contact/describe`);
      expect(described.body.name).toBe('Contact');
      expect(described.body.fields).toContainEqual(
        expect.objectContaining({ name: 'Health_Note__c', type: 'string', updateable: true }),
      );
      const analystToken = await tokenFor(org, analyst.Id);
      expect(await names(analystToken)).not.toContain('Health_Note__c');
      const hidden = await query('SELECT Id, Health_Note__c FROM Contact LIMIT 1', { token: analystToken });
      expect(hidden.status).toBe(400);
      expect(hidden.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD' })]);
    });

    it('answers 404 NOT_FOUND for an unknown object or record', async () => {
      for (const path of [`${V}/sobjects/Nope__c/describe`, `${V}/sobjects/Contact/0035g00000ZZZZZAAA`]) {
        const answer = await call('GET', path);
        expect(answer.status).toBe(404);
        expect(answer.body).toEqual([
          { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
        ]);
      }
    });

    it('creates (201), reads with ?fields=, updates (204) and deletes (204) a record', async () => {
      const created = await call<Row>('POST', `${V}/sobjects/Contact`, {
        body: { FirstName: 'Rita', LastName: 'Moreno', Email: 'rita@example.com', Plan__c: 'Pro' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^003[0-9A-Za-z]{15}$/),
        success: true,
        errors: [],
      });
      const path = `${V}/sobjects/Contact/${created.body.id}`;
      const read = await call<Record<string, unknown>>('GET', `${path}?fields=Name,Email,CreatedDate`);
      expect(read.body).toEqual({
        attributes: { type: 'Contact', url: path },
        Name: 'Rita Moreno',
        Email: 'rita@example.com',
        CreatedDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/),
      });
      const patched = await call('PATCH', path, { body: { Plan__c: 'Enterprise' } });
      expect([patched.status, patched.body]).toEqual([204, undefined]);
      expect((await call<Record<string, unknown>>('GET', path)).body.Plan__c).toBe('Enterprise');
      expect((await call('DELETE', path)).status).toBe(204);
      expect((await call('GET', path)).status).toBe(404);
    });

    it.each([
      ['malformed JSON', '{"LastName": ', 'JSON_PARSER_ERROR'],
      ['a JSON array', '[1, 2]', 'JSON_PARSER_ERROR'],
      ['an unknown field', { LastName: 'X', Shoe_Size__c: 9 }, 'INVALID_FIELD'],
      ['a missing required field', { FirstName: 'No' }, 'REQUIRED_FIELD_MISSING'],
      ['a bad email', { LastName: 'X', Email: 'not-an-email' }, 'INVALID_EMAIL_ADDRESS'],
    ])('refuses a create with %s as a Salesforce error, never a 500', async (_name, body, errorCode) => {
      const answer = await call<{ errorCode: string; message: string }[]>('POST', `${V}/sobjects/Contact`, {
        body,
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual([expect.objectContaining({ errorCode, message: expect.any(String) })]);
    });

    it('refuses a ?fields= list naming a field that does not exist', async () => {
      const answer = await call('GET', `${V}/sobjects/Contact/${contactIds(1)[0]}?fields=Name,Nope`);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD' })]);
    });
  });

  describe('SOQL', () => {
    it('pages a long answer 2,000 records at a time through nextRecordsUrl', async () => {
      const expected = [...org.records('EmailMessage')].filter((record) => !record.fields.IsDeleted).length;
      expect(expected).toBeGreaterThan(2000);
      const first = await query('SELECT Id FROM EmailMessage');
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ totalSize: expected, done: false });
      expect(first.body.records).toHaveLength(2000);
      expect(first.body.nextRecordsUrl).toMatch(/^\/services\/data\/v64\.0\/query\/01g[0-9A-Za-z]{15}-2000$/);
      const ids = first.body.records.map((record) => record.Id);
      let page = first.body;
      while (page.nextRecordsUrl) {
        page = (await call<QueryPage>('GET', page.nextRecordsUrl)).body;
        ids.push(...page.records.map((record) => record.Id));
      }
      expect(page.done).toBe(true);
      expect(page.nextRecordsUrl).toBeUndefined();
      expect(new Set(ids).size).toBe(expected);
    });

    it.each([
      ['batchSize=500', 500],
      ['batchSize=50', 200],
      ['batchSize=9999', 2000],
    ])('honours Sforce-Query-Options: %s within 200–2000', async (option, size) => {
      const answer = await query('SELECT Id FROM EmailMessage', {
        headers: { 'Sforce-Query-Options': option },
      });
      expect(answer.body.records).toHaveLength(size);
      expect(answer.body.nextRecordsUrl).toMatch(new RegExp(`-${size}$`));
    });

    it('refuses an unknown, foreign or expired query locator', async () => {
      const other = await tokenFor(org, analyst.Id);
      const page = (await query('SELECT Id FROM EmailMessage')).body;
      const refused = [
        await call('GET', `${V}/query/01g5g0000000999AAA-2000`),
        await call('GET', page.nextRecordsUrl!, { token: other }),
      ];
      sandbox.store.advanceClock(16 * 60 * 1000);
      admin = await tokenFor(org);
      refused.push(await call('GET', page.nextRecordsUrl!));
      for (const answer of refused) {
        expect(answer.status).toBe(400);
        expect(answer.body).toEqual([
          { message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' },
        ]);
      }
    });

    it.each([
      ['no q', `${V}/query`, 'MALFORMED_QUERY'],
      ['a syntax error', `${V}/query?q=${encodeURIComponent('SELECT FROM Contact')}`, 'MALFORMED_QUERY'],
      ['an unknown object', `${V}/query?q=${encodeURIComponent('SELECT Id FROM Nope__c')}`, 'INVALID_TYPE'],
    ])('answers 400 %s with %s', async (_name, path, errorCode) => {
      const answer = await call('GET', path);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual([expect.objectContaining({ errorCode })]);
    });

    it('shows deleted records to queryAll only', async () => {
      const [victim] = contactIds(1);
      expect((await call('DELETE', `${V}/sobjects/Contact/${victim}`)).status).toBe(204);
      const soql = `SELECT Id, IsDeleted FROM Contact WHERE Id = '${victim}'`;
      expect((await query(soql)).body.totalSize).toBe(0);
      const all = await call<QueryPage & { records: { IsDeleted: boolean }[] }>(
        'GET',
        `${V}/queryAll?q=${encodeURIComponent(soql)}`,
      );
      expect(all.body.totalSize).toBe(1);
      expect(all.body.records[0]).toMatchObject({ Id: victim, IsDeleted: true });
    });
  });

  describe('replication', () => {
    it('lists updated and deleted records of a window', async () => {
      const start = new Date(sandbox.store.now().getTime() - 60_000).toISOString();
      const [changed, removed] = contactIds(2);
      expect(
        (await call('PATCH', `${V}/sobjects/Contact/${changed}`, { body: { Title: 'VP' } })).status,
      ).toBe(204);
      expect((await call('DELETE', `${V}/sobjects/Contact/${removed}`)).status).toBe(204);
      const end = new Date(sandbox.store.now().getTime() + 60_000).toISOString();
      const window = `?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;

      const updated = await call<{ ids: string[]; latestDateCovered: string }>(
        'GET',
        `${V}/sobjects/Contact/updated/${window}`,
      );
      expect(updated.status).toBe(200);
      expect(updated.body.ids).toContain(changed);
      expect(updated.body.ids).not.toContain(removed);
      expect(updated.body.latestDateCovered).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000\+0000$/);

      const deleted = await call<{
        deletedRecords: { id: string; deletedDate: string }[];
        earliestDateAvailable: string;
        latestDateCovered: string;
      }>('GET', `${V}/sobjects/Contact/deleted/${window}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body.deletedRecords).toContainEqual({
        id: removed,
        deletedDate: expect.stringMatching(/\+0000$/),
      });
      expect(deleted.body.deletedRecords.map((record) => record.id)).not.toContain(changed);
      expect(deleted.body.earliestDateAvailable).toMatch(/\+0000$/);
    });

    it.each([
      ['no end', (start: string) => `?start=${start}`],
      ['an unreadable start', () => '?start=yesterday&end=2030-01-01T00:00:00Z'],
      ['an end before the start', (start: string) => `?start=${start}&end=2000-01-01T00:00:00Z`],
      ['a start over 30 days ago', () => `?start=2000-01-01T00:00:00Z&end=2000-01-02T00:00:00Z`],
    ])('refuses a window with %s', async (_name, window) => {
      const start = encodeURIComponent(sandbox.store.now().toISOString());
      const answer = await call('GET', `${V}/sobjects/Contact/updated/${window(start)}`);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_REPLICATION_DATE' })]);
    });
  });

  describe('admin API', () => {
    it('creates an org of generated customers whose hidden truth stays off the REST API', async () => {
      const created = await call<{
        orgId: string;
        counts: Record<string, number>;
        generated: { contacts: number };
      }>('POST', '/_sandbox/salesforce/orgs', {
        token: null,
        body: { name: 'Second Org', contacts: 20, seed: 4, dailyApiLimit: 500 },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        orgId: expect.stringMatching(/^00D/),
        counts: { Contact: 20 },
        generated: { contacts: 20 },
      });
      const second = sandbox.store.org(created.body.orgId)!;
      const contact = [...second.records('Contact')][0]!;
      const truth = await call<{ contactId: string; churned: boolean }>(
        'GET',
        `/_sandbox/salesforce/orgs/${second.orgId}/contacts/${contact.Id}/truth`,
        { token: null },
      );
      expect(truth.body).toMatchObject({ contactId: contact.Id, churned: expect.any(Boolean) });
      const token = await tokenFor(second);
      const limited = await call('GET', `${V}/limits`, { token });
      expect(limited.headers.get('sforce-limit-info')).toBe('api-usage=1/500');
      const fields = await call<{ fields: { name: string }[] }>('GET', `${V}/sobjects/Contact/describe`, {
        token,
      });
      expect(JSON.stringify(fields.body)).not.toMatch(/churn/i);
    });

    it.each([
      ['an unknown org', 'GET', '/_sandbox/salesforce/orgs/00D5g0000000099AAA/faults', undefined, 404],
      ['an unknown fault', 'POST', `/_sandbox/salesforce/orgs/{org}/faults`, { meltdown: true }, 400],
      ['a clock step that is not a number', 'POST', '/_sandbox/salesforce/clock', { advanceMs: 'soon' }, 400],
      [
        'an app without a secret',
        'POST',
        '/_sandbox/salesforce/apps',
        { clientId: 'x', redirectUris: [] },
        400,
      ],
    ])('refuses %s', async (_name, method, path, body, status) => {
      const answer = await call(method, path.replace('{org}', org.orgId), { token: null, body });
      expect(answer.status).toBe(status);
    });
  });

  describe('sObject Collections', () => {
    const titles = (ids: string[]) => ids.map((id) => org.byId(id)?.fields.Title ?? null);

    it('writes the valid records of a batch without allOrNone and reports each one', async () => {
      const ids = contactIds(3);
      const answer = await call<Row[]>('PATCH', `${V}/composite/sobjects`, {
        body: {
          allOrNone: false,
          records: [
            { attributes: { type: 'Contact' }, id: ids[0], Title: 'Partial A' },
            { attributes: { type: 'Contact' }, id: ids[1], Email: 'broken' },
            { attributes: { type: 'Contact' }, id: ids[2], Title: 'Partial C' },
          ],
        },
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual([
        { id: ids[0], success: true, errors: [] },
        {
          id: ids[1],
          success: false,
          errors: [
            {
              statusCode: 'INVALID_EMAIL_ADDRESS',
              message: expect.stringContaining('broken'),
              fields: ['Email'],
            },
          ],
        },
        { id: ids[2], success: true, errors: [] },
      ]);
      expect(JSON.stringify(answer.body)).not.toContain('errorCode');
      expect(titles([ids[0]!, ids[2]!])).toEqual(['Partial A', 'Partial C']);
    });

    it('writes nothing with allOrNone when one record fails, and says so for each', async () => {
      const ids = contactIds(3);
      const before = titles(ids);
      const answer = await call<Row[]>('PATCH', `${V}/composite/sobjects`, {
        body: {
          allOrNone: true,
          records: [
            { attributes: { type: 'Contact' }, id: ids[0], Title: 'All A' },
            { attributes: { type: 'Contact' }, id: ids[1], Nope__c: 1 },
            { attributes: { type: 'Contact' }, id: ids[2], Title: 'All C' },
          ],
        },
      });
      const rolledBack = {
        statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
        message:
          'Record rolled back because not all records were valid and the request was using AllOrNone header',
        fields: [],
      };
      expect(answer.body).toEqual([
        { id: ids[0], success: false, errors: [rolledBack] },
        { id: ids[1], success: false, errors: [expect.objectContaining({ statusCode: 'INVALID_FIELD' })] },
        { id: ids[2], success: false, errors: [rolledBack] },
      ]);
      expect(titles(ids)).toEqual(before);
    });

    it('creates nothing with allOrNone when one new record fails', async () => {
      const count = async () => (await query('SELECT COUNT() FROM Contact')).body.totalSize;
      const before = await count();
      const answer = await call<Row[]>('POST', `${V}/composite/sobjects`, {
        body: {
          allOrNone: true,
          records: [
            { attributes: { type: 'Contact' }, LastName: 'Kept' },
            { attributes: { type: 'Contact' }, FirstName: 'Nameless' },
          ],
        },
      });
      expect(answer.body.map((row) => [row.id, row.success, row.errors[0]?.statusCode])).toEqual([
        [undefined, false, 'ALL_OR_NONE_OPERATION_ROLLED_BACK'],
        [undefined, false, 'REQUIRED_FIELD_MISSING'],
      ]);
      expect(await count()).toBe(before);
      const created = await call<Row[]>('POST', `${V}/composite/sobjects`, {
        body: { records: [{ attributes: { type: 'Contact' }, LastName: 'Kept' }] },
      });
      expect(created.body).toEqual([{ id: expect.stringMatching(/^003/), success: true, errors: [] }]);
      expect(await count()).toBe(before + 1);
    });

    it('undoes the records written before a later one the org refuses, with allOrNone', async () => {
      const [kept, other] = contactIds(2);
      const before = titles([kept!]);
      const missingAccount = '0015g00000ZZZZZAAA';
      const updates = await call<Row[]>('PATCH', `${V}/composite/sobjects`, {
        body: {
          allOrNone: true,
          records: [
            { attributes: { type: 'Contact' }, id: kept, Title: 'Undone' },
            { attributes: { type: 'Contact' }, id: other, AccountId: missingAccount },
          ],
        },
      });
      expect(updates.body.map((row) => row.errors[0]?.statusCode)).toEqual([
        'ALL_OR_NONE_OPERATION_ROLLED_BACK',
        'INVALID_CROSS_REFERENCE_KEY',
      ]);
      expect(titles([kept!])).toEqual(before);

      const twins = await call<Row[]>('POST', `${V}/composite/sobjects`, {
        body: {
          allOrNone: true,
          records: [
            { attributes: { type: 'PermissionSet' }, Name: 'Twins', Label: 'Twins' },
            { attributes: { type: 'PermissionSet' }, Name: 'Twins', Label: 'Twins again' },
          ],
        },
      });
      expect(twins.body.map((row) => row.errors[0]?.statusCode)).toEqual([
        'ALL_OR_NONE_OPERATION_ROLLED_BACK',
        'DUPLICATE_DEVELOPER_NAME',
      ]);
      expect((await query("SELECT COUNT() FROM PermissionSet WHERE Name = 'Twins'")).body.totalSize).toBe(0);
    });

    it.each(['POST', 'PATCH'])('refuses %s of 201 records with EXCEEDED_ID_LIMIT', async (method) => {
      const ids = contactIds(201);
      const records = ids.map((id) =>
        method === 'POST'
          ? { attributes: { type: 'Contact' }, LastName: 'Too many' }
          : { attributes: { type: 'Contact' }, id, Title: 'Too many' },
      );
      const answer = await call(method, `${V}/composite/sobjects`, { body: { records } });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual([
        {
          message: 'record limit reached. cannot submit more than 200 records into this call',
          errorCode: 'EXCEEDED_ID_LIMIT',
        },
      ]);
      expect(titles(ids).filter((title) => title === 'Too many')).toEqual([]);
    });

    it('deletes by ids, reporting an unknown id per record', async () => {
      const ids = contactIds(2);
      const unknown = '0035g00000ZZZZZAAA';
      const answer = await call<Row[]>(
        'DELETE',
        `${V}/composite/sobjects?ids=${[...ids, unknown].join(',')}&allOrNone=false`,
      );
      expect(answer.body.slice(0, 2)).toEqual(ids.map((id) => ({ id, success: true, errors: [] })));
      expect(answer.body[2]).toMatchObject({ success: false, errors: [{ statusCode: expect.any(String) }] });
      expect(ids.map((id) => org.byId(id))).toEqual([undefined, undefined]);
    });

    it('fails the next N record writes with UNABLE_TO_LOCK_ROW when told to', async () => {
      await faults({ lockRowWrites: 2 });
      const ids = contactIds(3);
      const answer = await call<Row[]>('PATCH', `${V}/composite/sobjects`, {
        body: { records: ids.map((id) => ({ attributes: { type: 'Contact' }, id, Title: 'Locked?' })) },
      });
      expect(answer.body).toEqual([
        ...ids.slice(0, 2).map((id) => ({
          id,
          success: false,
          errors: [
            {
              statusCode: 'UNABLE_TO_LOCK_ROW',
              message: `unable to obtain exclusive access to this record or 1 records: ${id}`,
              fields: [],
            },
          ],
        })),
        { id: ids[2], success: true, errors: [] },
      ]);
    });

    it('logs each write with the Sforce-Call-Options client, and counts calls by endpoint', async () => {
      await call('DELETE', `/_sandbox/salesforce/orgs/${org.orgId}/calls`, { token: null });
      const ids = contactIds(450);
      expect(ids).toHaveLength(450);
      for (let from = 0; from < ids.length; from += 200) {
        const answer = await call<Row[]>('PATCH', `${V}/composite/sobjects`, {
          headers: { 'Sforce-Call-Options': 'client=ChurnRadar, defaultNamespace=cr' },
          body: {
            records: ids
              .slice(from, from + 200)
              .map((id) => ({ attributes: { type: 'Contact' }, id, Title: 'Scored' })),
          },
        });
        expect(answer.body.every((row) => row.success)).toBe(true);
      }
      await call('PATCH', `${V}/sobjects/Contact/${ids[0]}`, { body: { Title: 'By hand' } });

      const log = await call<{
        writes: { recordId: string; client: string | null; userId: string; operation: string }[];
      }>('GET', `/_sandbox/salesforce/orgs/${org.orgId}/writes?client=ChurnRadar&limit=450`, { token: null });
      expect(log.body.writes).toHaveLength(450);
      expect(new Set(log.body.writes.map((write) => write.recordId))).toEqual(new Set(ids));
      expect(log.body.writes[0]).toMatchObject({
        client: 'ChurnRadar',
        userId: org.adminUser.Id,
        operation: 'update',
      });
      const last = await call<{ writes: { recordId: string; client: string | null }[] }>(
        'GET',
        `/_sandbox/salesforce/orgs/${org.orgId}/writes?limit=1`,
        { token: null },
      );
      expect(last.body.writes).toEqual([expect.objectContaining({ recordId: ids[0], client: null })]);

      const calls = await call<{ byEndpoint: Record<string, number> }>(
        'GET',
        `/_sandbox/salesforce/orgs/${org.orgId}/calls`,
        {
          token: null,
        },
      );
      expect(calls.body.byEndpoint).toEqual({
        'PATCH composite/sobjects': 3,
        'PATCH sobjects/Contact/{id}': 1,
      });
    });
  });
});
