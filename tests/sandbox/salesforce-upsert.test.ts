/**
 * Upsert by an External ID in the Salesforce sandbox, as the REST API answers it and as jsforce's
 * `upsert` calls it: 201 with `created: true` for a value no record holds, 200 with `created:
 * false` for one a record holds, 404 for a field the caller cannot see, 400 for one that is no
 * External ID; a unique field's value is held once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection } from 'jsforce';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../../sandbox/salesforce/main.js';
import type { SalesforceOrg } from '../../sandbox/salesforce/store.js';
import { orgAccessToken } from '../support/salesforce-org-token.js';
import { orgCall, statusAndBody } from '../support/salesforce-org-call.js';

const APP = {
  clientId: 'upsert-client',
  clientSecret: 'upsert-secret',
  redirectUris: ['https://a.example/cb'],
};
const V = '/services/data/v64.0';
const KEY = 'Action_Key__c';

describe('Salesforce sandbox: upsert by External ID', () => {
  let sandbox: RunningSalesforceSandbox;
  let org: SalesforceOrg;
  let token: string;

  const call = (method: string, path: string, body?: unknown) =>
    orgCall(sandbox.instanceUrl, method, path, { token, body }).then(statusAndBody);
  const cases = (key: string) =>
    [...org.records('Case')].filter((c) => c.fields[KEY] === key && c.fields.IsDeleted !== true);

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ apps: [APP], orgs: 1 });
    org = [...sandbox.store.orgs.values()][0]!;
    token = await orgAccessToken(sandbox.instanceUrl, org.orgId, APP.clientId);
    const made = await call('POST', `${V}/tooling/sobjects/CustomField`, {
      FullName: `Case.${KEY}`,
      Metadata: { label: 'Action key', type: 'Text', length: 80, externalId: true, unique: true },
    });
    expect(made.status).toBe(201);
    // A new field is visible to nobody until a permission set grants it, in Salesforce as here.
    const set = await call('POST', `${V}/sobjects/PermissionSet`, { Name: 'Upserts', Label: 'Upserts' });
    const setId = (set.body as { id: string }).id;
    await call('POST', `${V}/sobjects/FieldPermissions`, {
      ParentId: setId,
      SobjectType: 'Case',
      Field: `Case.${KEY}`,
      PermissionsRead: true,
      PermissionsEdit: true,
    });
    await call('POST', `${V}/sobjects/PermissionSetAssignment`, {
      PermissionSetId: setId,
      AssigneeId: org.adminUser.Id,
    });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('describes the field as a unique External ID', async () => {
    const described = await call('GET', `${V}/sobjects/Case/describe`);
    const fields = (described.body as { fields: Record<string, unknown>[] }).fields;
    expect(fields.find((f) => f.name === KEY)).toMatchObject({
      externalId: true,
      unique: true,
      idLookup: true,
      caseSensitive: false,
      createable: true,
      updateable: true,
    });
  });

  it('creates for a value no case holds, then updates the case that holds it', async () => {
    const created = await call('PATCH', `${V}/sobjects/Case/${KEY}/k-1`, { Subject: 'First' });
    expect(created).toEqual({
      status: 201,
      body: { id: expect.stringMatching(/^500/), success: true, errors: [], created: true },
    });
    const id = (created.body as { id: string }).id;
    expect(cases('k-1')).toHaveLength(1);

    const updated = await call('PATCH', `${V}/sobjects/Case/${KEY}/K-1`, { Subject: 'Again' });
    expect(updated).toEqual({ status: 200, body: { id, success: true, errors: [], created: false } });
    expect(cases('k-1').map((c) => [c.Id, c.fields.Subject])).toEqual([[id, 'Again']]);
  });

  it('is what jsforce’s upsert calls, by the same key as often as it is sent', async () => {
    const conn = new Connection({ instanceUrl: sandbox.instanceUrl, accessToken: token, version: '64.0' });
    const first = await conn.sobject('Case').upsert({ [KEY]: 'k-2', Subject: 'By jsforce' }, KEY);
    const second = await conn.sobject('Case').upsert({ [KEY]: 'k-2', Subject: 'By jsforce, again' }, KEY);
    expect(first).toMatchObject({ success: true, created: true });
    expect(second).toMatchObject({ success: true, created: false, id: (first as { id: string }).id });
    expect(cases('k-2')).toHaveLength(1);
  });

  it('refuses what Salesforce refuses, and a repeated unique value', async () => {
    expect((await call('PATCH', `${V}/sobjects/Case/No_Such__c/x`, { Subject: 'x' })).status).toBe(404);
    const notExternal = await call('PATCH', `${V}/sobjects/Case/Subject/x`, { Subject: 'x' });
    expect(notExternal).toEqual({
      status: 400,
      body: [
        {
          errorCode: 'INVALID_FIELD',
          message: 'Field name provided, Subject is not an External ID or indexed field for Case',
        },
      ],
    });
    const mismatch = await call('PATCH', `${V}/sobjects/Case/${KEY}/k-3`, { [KEY]: 'k-4', Subject: 'x' });
    expect(mismatch.status).toBe(400);
    expect(cases('k-3')).toHaveLength(0);

    const twice = await call('POST', `${V}/sobjects/Case`, { Subject: 'Twice', [KEY]: 'K-2' });
    expect(twice.status).toBe(400);
    expect(twice.body).toEqual([
      {
        errorCode: 'DUPLICATE_VALUE',
        message: `duplicate value found: ${KEY} duplicates value on record with id: ${cases('k-2')[0]!.Id}`,
        fields: [KEY],
      },
    ]);
    expect(cases('k-2')).toHaveLength(1);
  });
});
