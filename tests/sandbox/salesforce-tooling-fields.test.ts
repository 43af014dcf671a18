/**
 * The sandbox's Tooling API for changing a custom field's definition as Salesforce serves it: a
 * query selecting `Metadata` or `FullName` answers one row at most (more is MALFORMED_QUERY), and
 * `PATCH tooling/sobjects/CustomField/{id}` with the whole `Metadata` changes a field's label,
 * precision and scale, keeping the values records hold.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateOrg } from '../../sandbox/salesforce/from-generator.js';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../../sandbox/salesforce/main.js';
import type { SalesforceOrg } from '../../sandbox/salesforce/store.js';
import { orgAccessToken } from '../support/salesforce-org-token.js';
import { orgCall, statusAndBody } from '../support/salesforce-org-call.js';

const APP = {
  clientId: 'tooling-client',
  clientSecret: 'tooling-secret',
  redirectUris: ['https://app.example.com/cb'],
};
const V = '/services/data/v64.0';

type ApiError = { errorCode: string; message: string }[];
type Rows = { totalSize: number; done: boolean; records: Record<string, unknown>[] };

describe('Salesforce sandbox Tooling API: changing custom fields', () => {
  let sandbox: RunningSalesforceSandbox;
  let org: SalesforceOrg;
  let token: string;

  const call = <T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> =>
    orgCall<T>(sandbox.instanceUrl, method, path, { token, body }).then(statusAndBody);

  const toolingQuery = <T = Rows>(soql: string) =>
    call<T>('GET', `${V}/tooling/query?q=${encodeURIComponent(soql)}`);
  const query = (soql: string) => call<Rows>('GET', `${V}/query?q=${encodeURIComponent(soql)}`);

  /** A new custom field, granted to the admin through a permission set of its own. */
  async function grantedField(fullName: string, metadata: Record<string, unknown>): Promise<string> {
    const created = await call<{ id: string }>('POST', `${V}/tooling/sobjects/CustomField`, {
      FullName: fullName,
      Metadata: metadata,
    });
    expect(created.status).toBe(201);
    const name = `${fullName.split('.')[1]!.replace(/__c$/, '')}_Set`;
    const set = await call<{ id: string }>('POST', `${V}/sobjects/PermissionSet`, {
      Name: name,
      Label: name,
    });
    await call('POST', `${V}/sobjects/FieldPermissions`, {
      ParentId: set.body.id,
      SobjectType: fullName.split('.')[0],
      Field: fullName,
      PermissionsRead: true,
      PermissionsEdit: true,
    });
    await call('POST', `${V}/sobjects/PermissionSetAssignment`, {
      PermissionSetId: set.body.id,
      AssigneeId: org.adminUser.Id,
    });
    return created.body.id;
  }

  const described = async (sobject: string, name: string) =>
    (
      await call<{ fields: { name: string; precision: number; scale: number; label: string }[] }>(
        'GET',
        `${V}/sobjects/${sobject}/describe`,
      )
    ).body.fields.find((field) => field.name === name);

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ apps: [APP], orgs: 1 });
    org = [...sandbox.store.orgs.values()][0]!;
    generateOrg(org, { contacts: 20, seed: 5 });
    token = await orgAccessToken(sandbox.instanceUrl, org.orgId, APP.clientId);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe('Metadata and FullName, one row a query', () => {
    it.each([
      ['Metadata', 'SELECT Id, Metadata FROM CustomField'],
      ['FullName', "SELECT Id, FullName FROM CustomField WHERE TableEnumOrId = 'Contact'"],
      ['Metadata with a LIMIT of 2', 'SELECT Metadata FROM CustomField LIMIT 2'],
    ])('refuses %s over more than one row', async (_name, soql) => {
      expect(org.customFields().length).toBeGreaterThan(2);
      const answer = await toolingQuery<ApiError>(soql);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual([
        {
          errorCode: 'MALFORMED_QUERY',
          message: expect.stringMatching(
            /^When retrieving results with Metadata or FullName fields, the query qualifications must specify no more than one row for retrieval\. Result size: \d+$/,
          ),
        },
      ]);
    });

    it('answers many rows without them, and one row with them, Metadata as the definition', async () => {
      const all = await toolingQuery('SELECT Id, DeveloperName FROM CustomField');
      expect(all.status).toBe(200);
      expect(all.body.totalSize).toBe(org.customFields().length);

      const field = org.customFields().find((f) => f.fullName === 'Contact.Customer_Status__c')!;
      const one = await toolingQuery(
        `SELECT Id, FullName, Metadata FROM CustomField WHERE Id = '${field.id}'`,
      );
      expect(one.status).toBe(200);
      expect(one.body.records).toEqual([
        {
          attributes: { type: 'CustomField', url: `${V}/tooling/sobjects/CustomField/${field.id}` },
          Id: field.id,
          FullName: 'Contact.Customer_Status__c',
          Metadata: field.metadata,
        },
      ]);
      expect(one.body.records[0]!.Metadata).toMatchObject({ type: 'Picklist', label: expect.any(String) });

      const limited = await toolingQuery('SELECT Metadata FROM CustomField LIMIT 1');
      expect(limited.status).toBe(200);
      expect(limited.body.records[0]!.Metadata).toMatchObject({ type: expect.any(String) });
      const none = await toolingQuery("SELECT Id, Metadata FROM CustomField WHERE DeveloperName = 'Nothing'");
      expect(none.body).toMatchObject({ totalSize: 0, records: [] });
    });
  });

  describe('PATCH tooling/sobjects/CustomField/{id}', () => {
    it('widens a number field: old values stay as stored, new writes keep the decimal', async () => {
      const id = await grantedField('Contact.Score_Widened__c', {
        label: 'Score',
        type: 'Number',
        precision: 3,
        scale: 0,
      });
      const contacts = (await query('SELECT Id FROM Contact ORDER BY Id LIMIT 2')).body.records.map(
        (r) => r.Id as string,
      );
      const [first, second] = contacts as [string, string];
      expect(
        (await call('PATCH', `${V}/sobjects/Contact/${first}`, { Score_Widened__c: '12.3' })).status,
      ).toBe(204);
      const before = await query(`SELECT Score_Widened__c FROM Contact WHERE Id = '${first}'`);
      expect(before.body.records[0]!.Score_Widened__c).toBe(12);

      const read = await toolingQuery(`SELECT Id, Metadata FROM CustomField WHERE Id = '${id}'`);
      const metadata = read.body.records[0]!.Metadata as Record<string, unknown>;
      // The whole definition goes back, as Salesforce reads it (null for what is not set).
      const patched = await call('PATCH', `${V}/tooling/sobjects/CustomField/${id}`, {
        Metadata: { ...metadata, precision: 4, scale: 1, label: 'Churn score', inlineHelpText: null },
      });
      expect(patched).toEqual({ status: 204, body: undefined });

      expect(await described('Contact', 'Score_Widened__c')).toMatchObject({
        precision: 4,
        scale: 1,
        label: 'Churn score',
      });
      const after = await call<Record<string, unknown>>('GET', `${V}/tooling/sobjects/CustomField/${id}`);
      expect(after.body.Metadata).toEqual({ label: 'Churn score', type: 'Number', precision: 4, scale: 1 });
      expect(
        sandbox.controls.writes
          .recent(org.orgId)
          .filter((entry) => entry.sobject === 'CustomField' && entry.recordId === id)
          .map((entry) => entry.operation),
      ).toEqual(['create', 'update']);

      expect(
        (await call('PATCH', `${V}/sobjects/Contact/${second}`, { Score_Widened__c: '73.4' })).status,
      ).toBe(204);
      const values = await query(
        `SELECT Id, Score_Widened__c FROM Contact WHERE Id IN ('${first}', '${second}') ORDER BY Id`,
      );
      expect(values.body.records.map((r) => r.Score_Widened__c)).toEqual([12, 73.4]);
      // Rounded to the scale the field has now.
      await call('PATCH', `${V}/sobjects/Contact/${first}`, { Score_Widened__c: 12.34 });
      const rounded = await query(`SELECT Score_Widened__c FROM Contact WHERE Id = '${first}'`);
      expect(rounded.body.records[0]!.Score_Widened__c).toBe(12.3);
    });

    it.each([
      [
        'an id no field has',
        '00N000000000000AAA',
        { label: 'X', type: 'Number', precision: 4, scale: 1 },
        404,
        'NOT_FOUND',
      ],
      ['another type', null, { label: 'X', type: 'Text', length: 20 }, 400, 'FIELD_INTEGRITY_EXCEPTION'],
      [
        'more than 18 digits',
        null,
        { label: 'X', type: 'Number', precision: 19, scale: 1 },
        400,
        'FIELD_INTEGRITY_EXCEPTION',
      ],
      ['no label', null, { type: 'Number', precision: 4, scale: 1 }, 400, 'JSON_PARSER_ERROR'],
    ])('refuses %s', async (name, givenId, metadata, status, errorCode) => {
      const id =
        givenId ??
        (await grantedField(`Contact.Refused_${name.replace(/\W/g, '_')}__c`, {
          label: 'Refused',
          type: 'Number',
          precision: 3,
          scale: 0,
        }));
      const answer = await call<ApiError>('PATCH', `${V}/tooling/sobjects/CustomField/${id}`, {
        Metadata: metadata,
      });
      expect(answer.status).toBe(status);
      expect(answer.body).toEqual([expect.objectContaining({ errorCode })]);
      if (!givenId) {
        expect(org.customField(id)?.metadata).toEqual({
          label: 'Refused',
          type: 'Number',
          precision: 3,
          scale: 0,
        });
      }
    });
  });
});
