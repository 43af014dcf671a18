import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection, OAuth2 } from 'jsforce';
import { generateOrg } from '../../sandbox/salesforce/from-generator.js';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../../sandbox/salesforce/main.js';
import type { SalesforceOrg } from '../../sandbox/salesforce/store.js';

const REDIRECT = 'https://app.example.com/oauth/salesforce/callback';
const APP = { clientId: 'jsforce-client', clientSecret: 'jsforce-secret', redirectUris: [REDIRECT] };

describe('the real jsforce SDK against the Salesforce sandbox', () => {
  let sandbox: RunningSalesforceSandbox;
  let org: SalesforceOrg;
  let conn: Connection;

  const oauth2Config = () => ({ ...APP, redirectUri: REDIRECT, loginUrl: sandbox.loginUrl });

  async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${sandbox.instanceUrl}/_sandbox/salesforce/orgs/${org.orgId}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ apps: [APP], orgs: 1 });
    org = [...sandbox.store.orgs.values()][0]!;
    generateOrg(org, { contacts: 1500, seed: 21 });

    // The web-server flow with PKCE, as an app's install page runs it.
    const oauth2 = new OAuth2(oauth2Config());
    const verifier = randomBytes(64).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorizeUrl = oauth2.getAuthorizationUrl({
      scope: 'api refresh_token',
      state: 'install-1',
      code_challenge: challenge,
    });
    expect(authorizeUrl.startsWith(`${sandbox.loginUrl}/services/oauth2/authorize?`)).toBe(true);
    const consent = await fetch(authorizeUrl);
    expect(consent.status).toBe(200);
    await consent.text();
    const allowed = await fetch(`${sandbox.loginUrl}/services/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        ...Object.fromEntries(new URL(authorizeUrl).searchParams),
        orgId: org.orgId,
        decision: 'allow',
      }),
    });
    const back = new URL(allowed.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('install-1');
    const tokens = await oauth2.requestToken(back.searchParams.get('code')!, { code_verifier: verifier });
    expect(tokens.instance_url).toBe(sandbox.instanceUrl);

    conn = new Connection({
      oauth2: oauth2Config(),
      instanceUrl: tokens.instance_url,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token!,
      version: '64.0',
      callOptions: { client: 'ChurnRadar' },
    });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('knows who it is logged in as', async () => {
    const identity = await conn.identity();
    expect(identity).toMatchObject({
      user_id: org.adminUser.Id,
      organization_id: org.orgId,
      username: org.adminUser.Username,
    });
  });

  it('fetches more than 10,000 records with autoFetch across query pages', async () => {
    const expected = [...org.records('EmailMessage')].filter((record) => !record.fields.IsDeleted).length;
    expect(expected).toBeGreaterThan(10_000);
    const result = await conn
      .query('SELECT Id, Subject, MessageDate FROM EmailMessage')
      .run({ autoFetch: true, maxFetch: 50_000 });
    expect(result.totalSize).toBe(expected);
    expect(result.done).toBe(true);
    expect(result.records).toHaveLength(expected);
    expect(new Set(result.records.map((record) => record.Id)).size).toBe(expected);
    expect(conn.limitInfo.apiUsage).toEqual({ used: expect.any(Number), limit: org.dailyApiLimit });
  });

  it('updates 450 contacts as three sObject Collection calls, marked with its client name', async () => {
    const contacts = (await conn.query('SELECT Id FROM Contact ORDER BY Id LIMIT 450').run()).records;
    expect(contacts).toHaveLength(450);
    await admin('DELETE', '/calls');
    const results = await conn.sobject('Contact').update(
      contacts.map((contact) => ({ Id: contact.Id!, Title: 'Scored' })),
      { allOrNone: false, allowRecursive: true },
    );
    expect(results).toHaveLength(450);
    expect(results.every((result) => result.success)).toBe(true);
    const calls = await admin<{ byEndpoint: Record<string, number> }>('GET', '/calls');
    expect(calls.byEndpoint).toEqual({ 'PATCH composite/sobjects': 3 });
    const writes = await admin<{ writes: { recordId: string }[] }>('GET', '/writes?client=ChurnRadar');
    expect(new Set(writes.writes.map((write) => write.recordId))).toEqual(
      new Set(contacts.map((contact) => contact.Id)),
    );
  });

  it('reports per-record failures the way jsforce passes them on', async () => {
    const [first, second] = (await conn.query('SELECT Id FROM Contact ORDER BY Id LIMIT 2').run()).records;
    const results = await conn.sobject('Contact').update(
      [
        { Id: first!.Id!, Title: 'Fine' },
        { Id: second!.Id!, Email: 'not-an-email' },
      ],
      { allOrNone: false },
    );
    expect(results.map((result) => result.success)).toEqual([true, false]);
    const failed = results[1]!;
    expect(failed.success ? [] : failed.errors).toEqual([
      expect.objectContaining({ statusCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] }),
    ]);
    await expect(conn.query('SELECT Id, Nope__c FROM Contact').run()).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
  });

  it('runs a Bulk API 2.0 query to the end', async () => {
    const expected = (await conn.query('SELECT COUNT() FROM Contact').run()).totalSize;
    const stream = await conn.bulk2.query('SELECT Id, Email, Account.Name FROM Contact', {
      pollInterval: 50,
      pollTimeout: 10_000,
    });
    const rows: Record<string, string>[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('record', (row: Record<string, string>) => rows.push(row));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    expect(rows).toHaveLength(expected);
    expect(rows[0]).toEqual({
      Id: expect.stringMatching(/^003/),
      Email: expect.any(String),
      'Account.Name': expect.any(String),
    });
  });

  it('creates a custom field through the Tooling API and finds it by a Tooling query', async () => {
    const created = await conn.tooling.sobject('CustomField').create({
      FullName: 'Contact.Churn_Risk_Tier__c',
      Metadata: {
        label: 'Churn Risk Tier',
        type: 'Picklist',
        valueSet: {
          restricted: true,
          valueSetDefinition: {
            value: ['low', 'medium', 'high'].map((tier) => ({ fullName: tier, label: tier })),
          },
        },
      },
    });
    expect(created).toMatchObject({ id: expect.stringMatching(/^00N/), success: true, errors: [] });
    const found = await conn.tooling
      .query(
        "SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE DeveloperName = 'Churn_Risk_Tier'",
      )
      .run();
    expect(found.records).toEqual([expect.objectContaining({ Id: created.id, TableEnumOrId: 'Contact' })]);
  });

  it('refreshes its session once on a 401 and carries on', async () => {
    const before = conn.accessToken;
    const refreshed: string[] = [];
    conn.on('refresh', (accessToken: string) => refreshed.push(accessToken));
    await admin('POST', '/faults', { expireTokens: true });
    const result = await conn.query('SELECT COUNT() FROM Contact').run();
    expect(result.totalSize).toBeGreaterThan(0);
    expect(refreshed).toHaveLength(1);
    expect(conn.accessToken).toBe(refreshed[0]);
    expect(conn.accessToken).not.toBe(before);
  });

  it('passes the daily limit refusal on with Salesforce’s error code', async () => {
    await admin('POST', '/faults', { useUpDailyLimit: true });
    await expect(conn.query('SELECT Id FROM Contact LIMIT 1').run()).rejects.toMatchObject({
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
      message: 'TotalRequests Limit exceeded.',
    });
    await admin('DELETE', '/faults');
  });
});
