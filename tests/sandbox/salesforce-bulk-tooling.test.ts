import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateOrg } from '../../sandbox/salesforce/from-generator.js';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../../sandbox/salesforce/main.js';
import type { SalesforceOrg } from '../../sandbox/salesforce/store.js';
import { orgAccessToken } from '../support/salesforce-org-token.js';
import { orgCall, type OrgAnswer } from '../support/salesforce-org-call.js';

const APP = {
  clientId: 'bulk-client',
  clientSecret: 'bulk-secret',
  redirectUris: ['https://app.example.com/cb'],
};
const V = '/services/data/v64.0';

type JobInfo = {
  id: string;
  operation: string;
  object: string;
  state: string;
  contentType: string;
  apiVersion: number;
  lineEnding: string;
  columnDelimiter: string;
  createdById: string;
  createdDate: string;
  numberRecordsProcessed?: number;
};
type ApiError = { errorCode: string; message: string }[];

describe('Salesforce sandbox Bulk API 2.0 and Tooling API', () => {
  let sandbox: RunningSalesforceSandbox;
  let org: SalesforceOrg;
  let token: string;

  const call = <T = unknown>(method: string, path: string, body?: unknown): Promise<OrgAnswer<T>> =>
    orgCall<T>(sandbox.instanceUrl, method, path, { token, body });

  const createJob = (body: Record<string, unknown>) => call<JobInfo>('POST', `${V}/jobs/query`, body);

  async function completedJob(body: Record<string, unknown>): Promise<JobInfo> {
    const created = await createJob(body);
    expect(created.status).toBe(200);
    let info = created.body;
    for (let reads = 0; info.state !== 'JobComplete' && reads < 5; reads++) {
      info = (await call<JobInfo>('GET', `${V}/jobs/query/${created.body.id}`)).body;
    }
    expect(info.state).toBe('JobComplete');
    return info;
  }

  /** Every results page of a job, following Sforce-Locator to the literal `null`. */
  async function resultPages(jobId: string, maxRecords: number): Promise<OrgAnswer<string>[]> {
    const pages: OrgAnswer<string>[] = [];
    let locator: string | null = null;
    do {
      const params: URLSearchParams = new URLSearchParams({
        maxRecords: String(maxRecords),
        ...(locator ? { locator } : {}),
      });
      const page: OrgAnswer<string> = await call<string>('GET', `${V}/jobs/query/${jobId}/results?${params}`);
      expect(page.status).toBe(200);
      pages.push(page);
      locator = page.headers.get('sforce-locator');
    } while (locator !== 'null' && pages.length < 100);
    return pages;
  }

  const query = (soql: string) =>
    call<{ totalSize: number; records: Record<string, unknown>[] }>(
      'GET',
      `${V}/query?q=${encodeURIComponent(soql)}`,
    );

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ apps: [APP], orgs: 1 });
    org = [...sandbox.store.orgs.values()][0]!;
    generateOrg(org, { contacts: 250, seed: 3 });
    token = await orgAccessToken(sandbox.instanceUrl, org.orgId, APP.clientId);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe('Bulk API 2.0 query jobs', () => {
    it('creates a job in UploadComplete that completes over successive status reads', async () => {
      const created = await createJob({ operation: 'query', query: 'SELECT Id, Email FROM Contact' });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        id: expect.stringMatching(/^750[0-9A-Za-z]{15}$/),
        operation: 'query',
        object: 'Contact',
        createdById: org.adminUser.Id,
        createdDate: expect.stringMatching(/\+0000$/),
        state: 'UploadComplete',
        concurrencyMode: 'Parallel',
        contentType: 'CSV',
        apiVersion: 64,
        lineEnding: 'LF',
        columnDelimiter: 'COMMA',
      });
      const early = await call<ApiError>('GET', `${V}/jobs/query/${created.body.id}/results`);
      expect(early.status).toBe(412);
      expect(early.body).toEqual([
        expect.objectContaining({ errorCode: expect.any(String), message: expect.any(String) }),
      ]);

      const states: string[] = [];
      let processed = 0;
      for (let i = 0; i < 3; i++) {
        const status = await call<JobInfo>('GET', `${V}/jobs/query/${created.body.id}`);
        states.push(status.body.state);
        processed = status.body.numberRecordsProcessed ?? -1;
      }
      expect(states).toEqual(['InProgress', 'JobComplete', 'JobComplete']);
      expect(processed).toBe((await query('SELECT COUNT() FROM Contact')).body.totalSize);
    });

    it('serves the results as CSV pages linked by Sforce-Locator, ending with the literal null', async () => {
      const job = await completedJob({
        operation: 'query',
        query: 'SELECT Id, Name, Account.Name FROM Contact ORDER BY Id',
      });
      const pages = await resultPages(job.id, 100);
      const total = job.numberRecordsProcessed!;
      expect(pages).toHaveLength(Math.ceil(total / 100));
      const rows: string[] = [];
      for (const page of pages) {
        expect(page.headers.get('content-type')).toMatch(/^text\/csv/);
        const lines = page.text.trimEnd().split('\n');
        expect(lines[0]).toBe('Id,Name,Account.Name');
        expect(Number(page.headers.get('sforce-numberofrecords'))).toBe(lines.length - 1);
        rows.push(...lines.slice(1));
      }
      expect(pages.at(-1)!.headers.get('sforce-locator')).toBe('null');
      const rest = await query('SELECT Id FROM Contact ORDER BY Id');
      expect(rows.map((row) => row.slice(0, 18))).toEqual(rest.body.records.map((record) => record.Id));
    });

    it('writes the column delimiter and line ending the job asked for', async () => {
      const job = await completedJob({
        operation: 'query',
        query: 'SELECT Id, Name FROM Account WHERE Name != null ORDER BY Id LIMIT 3',
        columnDelimiter: 'PIPE',
        lineEnding: 'CRLF',
      });
      expect([job.columnDelimiter, job.lineEnding]).toEqual(['PIPE', 'CRLF']);
      const [page] = await resultPages(job.id, 10);
      const lines = page!.text.split('\r\n');
      expect(lines[0]).toBe('Id|Name');
      expect(lines.slice(1, 4).every((line) => /^001[0-9A-Za-z]{15}\|/.test(line))).toBe(true);
    });

    it('includes deleted records in a queryAll job only', async () => {
      const victim = [...org.records('Contact')].find((record) => !record.fields.IsDeleted)!.Id;
      expect((await call('DELETE', `${V}/sobjects/Contact/${victim}`)).status).toBe(204);
      const soql = `SELECT Id, IsDeleted FROM Contact WHERE Id = '${victim}'`;
      const live = await completedJob({ operation: 'query', query: soql });
      const all = await completedJob({ operation: 'queryAll', query: soql });
      expect((await resultPages(live.id, 10))[0]!.text).toBe('Id,IsDeleted\n');
      expect((await resultPages(all.id, 10))[0]!.text).toBe(`Id,IsDeleted\n${victim},true\n`);
    });

    it.each([
      ['an unknown field', { operation: 'query', query: 'SELECT Id, Nope__c FROM Contact' }, 'INVALID_FIELD'],
      ['a syntax error', { operation: 'query', query: 'SELECT Id Contact' }, 'MALFORMED_QUERY'],
      ['an unknown operation', { operation: 'upsert', query: 'SELECT Id FROM Contact' }, 'INVALIDJOB'],
      ['no query', { operation: 'query' }, 'INVALIDJOB'],
    ])('fails at create time for %s', async (_name, body, errorCode) => {
      const answer = await call<ApiError>('POST', `${V}/jobs/query`, body);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual([expect.objectContaining({ errorCode })]);
    });

    it('aborts, lists and deletes jobs', async () => {
      const created = (await createJob({ operation: 'query', query: 'SELECT Id FROM Case' })).body;
      const aborted = await call<JobInfo>('PATCH', `${V}/jobs/query/${created.id}`, { state: 'Aborted' });
      expect(aborted.body).toMatchObject({ id: created.id, state: 'Aborted' });
      expect((await call('GET', `${V}/jobs/query/${created.id}/results`)).status).toBe(412);
      const list = await call<{ done: boolean; records: JobInfo[] }>('GET', `${V}/jobs/query`);
      expect(list.body.done).toBe(true);
      expect(list.body.records).toContainEqual(expect.objectContaining({ id: created.id, state: 'Aborted' }));
      expect((await call('DELETE', `${V}/jobs/query/${created.id}`)).status).toBe(204);
      const gone = await call<ApiError>('GET', `${V}/jobs/query/${created.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual([
        { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
      ]);
    });

    it('refuses a locator it did not hand out', async () => {
      const job = await completedJob({ operation: 'query', query: 'SELECT Id FROM Contact' });
      const answer = await call<ApiError>('GET', `${V}/jobs/query/${job.id}/results?locator=bm9wZQ`);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual([expect.objectContaining({ errorCode: 'INVALIDLOCATOR' })]);
    });
  });

  describe('Tooling API custom fields and field-level security', () => {
    const FIELD = 'Contact.Churn_Risk_Score__c';

    it('creates a field that nobody sees until a permission set grants it', async () => {
      const created = await call<{ id: string; success: boolean; errors: unknown[] }>(
        'POST',
        `${V}/tooling/sobjects/CustomField`,
        { FullName: FIELD, Metadata: { label: 'Churn Risk Score', type: 'Number', precision: 3, scale: 0 } },
      );
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: expect.stringMatching(/^00N/), success: true, errors: [] });

      const found = await call<{ totalSize: number; records: Record<string, unknown>[] }>(
        'GET',
        `${V}/tooling/query?q=${encodeURIComponent(
          "SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE DeveloperName = 'Churn_Risk_Score' AND TableEnumOrId = 'Contact'",
        )}`,
      );
      expect(found.body.totalSize).toBe(1);
      expect(found.body.records[0]).toEqual({
        attributes: { type: 'CustomField', url: `${V}/tooling/sobjects/CustomField/${created.body.id}` },
        Id: created.body.id,
        DeveloperName: 'Churn_Risk_Score',
        TableEnumOrId: 'Contact',
      });

      const describeNames = async () =>
        (await call<{ fields: { name: string }[] }>('GET', `${V}/sobjects/Contact/describe`)).body.fields.map(
          (f) => f.name,
        );
      expect(await describeNames()).not.toContain('Churn_Risk_Score__c');
      const hidden = await query('SELECT Id, Churn_Risk_Score__c FROM Contact LIMIT 1');
      expect(hidden.status).toBe(400);
      expect(hidden.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD' })]);

      const set = await call<{ id: string }>('POST', `${V}/sobjects/PermissionSet`, {
        Name: 'Churn_Radar_Fields',
        Label: 'Churn Radar Fields',
      });
      expect(set.status).toBe(201);
      const permission = await call<{ id: string }>('POST', `${V}/sobjects/FieldPermissions`, {
        ParentId: set.body.id,
        SobjectType: 'Contact',
        Field: FIELD,
        PermissionsRead: true,
        PermissionsEdit: true,
      });
      expect(permission.status).toBe(201);
      // Granted to a permission set nobody holds yet: still hidden.
      expect(await describeNames()).not.toContain('Churn_Risk_Score__c');

      const assignment = await call<{ id: string }>('POST', `${V}/sobjects/PermissionSetAssignment`, {
        PermissionSetId: set.body.id,
        AssigneeId: org.adminUser.Id,
      });
      expect(assignment.status).toBe(201);
      expect(await describeNames()).toContain('Churn_Risk_Score__c');

      const contact = (await query('SELECT Id FROM Contact LIMIT 1')).body.records[0]!.Id as string;
      expect(
        (await call('PATCH', `${V}/sobjects/Contact/${contact}`, { Churn_Risk_Score__c: 87 })).status,
      ).toBe(204);
      const read = await query(`SELECT Churn_Risk_Score__c FROM Contact WHERE Id = '${contact}'`);
      expect(read.body.records[0]!.Churn_Risk_Score__c).toBe(87);
    });

    it.each([
      [
        'the same field twice',
        { FullName: 'Contact.Twice__c', Metadata: { label: 'Twice', type: 'Checkbox' } },
        'DUPLICATE_DEVELOPER_NAME',
      ],
      ['no Metadata', { FullName: 'Contact.Bare__c' }, 'JSON_PARSER_ERROR'],
      [
        'an unknown type',
        { FullName: 'Contact.Odd__c', Metadata: { label: 'Odd', type: 'Hologram' } },
        'JSON_PARSER_ERROR',
      ],
    ])('refuses a custom field with %s', async (name, body, errorCode) => {
      if (name === 'the same field twice') {
        expect((await call('POST', `${V}/tooling/sobjects/CustomField`, body)).status).toBe(201);
      }
      const answer = await call<ApiError>('POST', `${V}/tooling/sobjects/CustomField`, body);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual([expect.objectContaining({ errorCode })]);
    });
  });
});
