import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import type { RunningSandbox } from '../../sandbox/main.js';
import {
  ALL_SCOPES,
  approveInstall,
  callApi,
  hubspotClient,
  installApp,
  NO_LIMITS,
  postForm,
  startTestSandbox,
  TEST_APP,
} from '../support/sandbox-server.js';

const REDIRECT = TEST_APP.redirectUris[0]!;
const clientForm = { client_id: TEST_APP.clientId, client_secret: TEST_APP.clientSecret };

describe('sandbox OAuth', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('shows the app, its scopes and the portal on the consent page', async () => {
    const query = new URLSearchParams({
      client_id: TEST_APP.clientId,
      redirect_uri: REDIRECT,
      scope: 'oauth crm.objects.contacts.read',
      optional_scope: 'tickets',
      state: 's1',
    });
    const response = await fetch(`${sandbox.url}/oauth/202/authorize?${query}`);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain(String(TEST_APP.appId));
    expect(html).toContain('crm.objects.contacts.read');
    expect(html).toContain('tickets');
    expect(html).toMatch(/<option value="202" selected>/);
    expect(html).toContain('value="approve"');
    expect(html).toContain('value="deny"');
  });

  it('refuses an unknown client_id or a redirect_uri the app did not register', async () => {
    const base = { redirect_uri: REDIRECT, scope: 'oauth' };
    const unknownClient = await fetch(
      `${sandbox.url}/oauth/authorize?${new URLSearchParams({ ...base, client_id: 'nobody' })}`,
    );
    expect(unknownClient.status).toBe(400);
    const badRedirect = await fetch(
      `${sandbox.url}/oauth/authorize?${new URLSearchParams({
        client_id: TEST_APP.clientId,
        redirect_uri: 'https://evil.example/cb',
        scope: 'oauth',
      })}`,
    );
    expect(badRedirect.status).toBe(400);
    expect(await badRedirect.text()).toContain('redirect_uri');
  });

  it('sends a denied install back with error=access_denied and the state', async () => {
    const response = await fetch(`${sandbox.url}/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        client_id: TEST_APP.clientId,
        redirect_uri: REDIRECT,
        scope: 'oauth',
        state: 'deny-me',
        portalId: '101',
        decision: 'deny',
      }),
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('deny-me');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('runs the code flow through the SDK: code → tokens → refresh → revoke → invalid_grant', async () => {
    const code = await approveInstall(sandbox.url, 101, ALL_SCOPES);
    const oauth = new Client({ basePath: sandbox.url }).oauth.tokensApi;
    const tokens = await oauth.create(
      'authorization_code',
      code,
      REDIRECT,
      TEST_APP.clientId,
      TEST_APP.clientSecret,
    );
    expect(tokens.expiresIn).toBe(1800);
    expect(tokens.tokenType).toBe('bearer');

    const contacts = await hubspotClient(sandbox.url, tokens.accessToken).crm.contacts.basicApi.getPage();
    expect(contacts.results).toEqual([]);

    const reused = await postForm(sandbox.url, '/oauth/2026-03/token', {
      ...clientForm,
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code,
    });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant', status: 'BAD_AUTH_CODE' });

    const refreshed = await postForm(sandbox.url, '/oauth/2026-03/token', {
      ...clientForm,
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
    const body = (await refreshed.json()) as Record<string, unknown>;
    expect(refreshed.status).toBe(200);
    expect(body).toMatchObject({
      refresh_token: tokens.refreshToken,
      expires_in: 1800,
      token_type: 'bearer',
      token_use: 'access_token',
      hub_id: 101,
      scopes: ALL_SCOPES,
    });
    expect(body.access_token).not.toBe(tokens.accessToken);

    const revoked = await postForm(sandbox.url, '/oauth/2026-03/token/revoke', {
      ...clientForm,
      token: tokens.refreshToken,
      token_type_hint: 'refresh_token',
    });
    expect(revoked.status).toBe(200);
    const afterRevoke = await postForm(sandbox.url, '/oauth/2026-03/token', {
      ...clientForm,
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
    expect(afterRevoke.status).toBe(400);
    expect(await afterRevoke.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: 'missing or invalid refresh token',
      status: 'BAD_REFRESH_TOKEN',
      message: 'missing or invalid refresh token',
    });
    const stale = await callApi(
      sandbox.url,
      String(body.access_token),
      'GET',
      '/crm/objects/2026-03/contacts',
    );
    expect(stale.status).toBe(401);
  });

  it('refuses a wrong client secret, a wrong redirect_uri and an unknown grant type', async () => {
    const code = await approveInstall(sandbox.url, 101, ['oauth']);
    const wrongSecret = await postForm(sandbox.url, '/oauth/2026-03/token', {
      client_id: TEST_APP.clientId,
      client_secret: 'not-the-secret',
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT,
      code,
    });
    expect(wrongSecret.status).toBe(400);
    expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });

    const second = await approveInstall(sandbox.url, 101, ['oauth']);
    const wrongRedirect = await postForm(sandbox.url, '/oauth/2026-03/token', {
      ...clientForm,
      grant_type: 'authorization_code',
      redirect_uri: 'http://127.0.0.1:9/elsewhere',
      code: second,
    });
    expect(await wrongRedirect.json()).toMatchObject({ error: 'invalid_grant', status: 'BAD_REDIRECT_URI' });

    const password = await postForm(sandbox.url, '/oauth/2026-03/token', {
      ...clientForm,
      grant_type: 'password',
    });
    expect(await password.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('expires access tokens after 30 minutes with HubSpot EXPIRED_AUTHENTICATION body', async () => {
    const tokens = await installApp(sandbox.url, 202);
    expect(
      (await callApi(sandbox.url, tokens.access_token, 'GET', '/crm/objects/2026-03/contacts')).status,
    ).toBe(200);
    sandbox.store.advanceClock(1800 * 1000 + 5000);
    try {
      const expired = await callApi(sandbox.url, tokens.access_token, 'GET', '/crm/objects/2026-03/contacts');
      expect(expired.status).toBe(401);
      expect(expired.body).toMatchObject({ status: 'error', category: 'EXPIRED_AUTHENTICATION' });
      expect(String(expired.body.message)).toMatch(/expired 5 second\(s\) ago/);
      expect(expired.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      sandbox.store.advanceClock(-(1800 * 1000 + 5000));
    }
  });

  it('introspects live tokens and reports revoked ones inactive', async () => {
    const tokens = await installApp(sandbox.url, 202, ['oauth', 'tickets']);
    const live = await postForm(sandbox.url, '/oauth/2026-03/token/introspect', {
      ...clientForm,
      token: tokens.access_token,
      token_type_hint: 'access_token',
    });
    expect(await live.json()).toMatchObject({
      active: true,
      app_id: TEST_APP.appId,
      client_id: TEST_APP.clientId,
      hub_id: 202,
      scopes: ['oauth', 'tickets'],
      token_use: 'access_token',
    });
    await postForm(sandbox.url, '/oauth/2026-03/token/revoke', {
      ...clientForm,
      token: tokens.refresh_token,
    });
    const dead = await postForm(sandbox.url, '/oauth/2026-03/token/introspect', {
      ...clientForm,
      token: tokens.refresh_token,
    });
    expect(await dead.json()).toEqual({ active: false });
  });

  it('uninstalls through DELETE /appinstalls/2026-03/external-install, revoking every token', async () => {
    const tokens = await installApp(sandbox.url, 202);
    const other = await installApp(sandbox.url, 202);
    const uninstall = await callApi(
      sandbox.url,
      tokens.access_token,
      'DELETE',
      '/appinstalls/2026-03/external-install',
    );
    expect(uninstall.status).toBe(204);
    expect(sandbox.store.isInstalled(TEST_APP.appId, 202)).toBe(false);
    const afterward = await callApi(sandbox.url, other.access_token, 'GET', '/crm/objects/2026-03/contacts');
    expect(afterward.status).toBe(401);
    expect(afterward.body).toMatchObject({ category: 'INVALID_AUTHENTICATION' });
    const refresh = await postForm(sandbox.url, '/oauth/2026-03/token', {
      ...clientForm,
      grant_type: 'refresh_token',
      refresh_token: other.refresh_token,
    });
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' });
  });

  it("never lets portal A's token read portal B", async () => {
    const portalA = sandbox.store.portal(101)!;
    const portalB = sandbox.store.portal(202)!;
    const inB = portalB.createRecord('contacts', { email: 'only-in-b@example.com' }, new Date());
    const tokensA = await installApp(sandbox.url, 101);
    const client = hubspotClient(sandbox.url, tokensA.access_token);

    const listed = await client.crm.contacts.basicApi.getPage(100);
    expect(listed.results.map((record) => record.id)).not.toContain(inB.id);
    const direct = await callApi(
      sandbox.url,
      tokensA.access_token,
      'GET',
      `/crm/objects/2026-03/contacts/${inB.id}`,
    );
    expect(direct.status).toBe(404);
    const batch = await callApi(
      sandbox.url,
      tokensA.access_token,
      'POST',
      '/crm/objects/2026-03/contacts/batch/read',
      {
        inputs: [{ id: inB.id }],
        properties: ['email'],
      },
    );
    expect(batch.status).toBe(207);
    expect(batch.body.results).toEqual([]);
    const search = await callApi(
      sandbox.url,
      tokensA.access_token,
      'POST',
      '/crm/objects/2026-03/contacts/search',
      {
        filterGroups: [
          { filters: [{ propertyName: 'email', operator: 'EQ', value: 'only-in-b@example.com' }] },
        ],
      },
    );
    expect(search.body.total).toBe(0);
    const update = await callApi(
      sandbox.url,
      tokensA.access_token,
      'PATCH',
      `/crm/objects/2026-03/contacts/${inB.id}`,
      {
        properties: { firstname: 'Mallory' },
      },
    );
    expect(update.status).toBe(404);
    expect(portalB.recordsOf('contacts').get(inB.id)!.properties.firstname).toBeUndefined();
    expect(portalA.recordsOf('contacts').has(inB.id)).toBe(false);
  });

  it('answers 403 MISSING_SCOPES when the token lacks a scope the endpoint needs', async () => {
    const tokens = await installApp(sandbox.url, 101, ['oauth', 'crm.objects.contacts.read']);
    const tickets = await callApi(sandbox.url, tokens.access_token, 'GET', '/crm/objects/2026-03/tickets');
    expect(tickets.status).toBe(403);
    expect(tickets.body).toMatchObject({
      status: 'error',
      category: 'MISSING_SCOPES',
      errors: [{ context: { requiredGranularScopes: ['tickets'] } }],
    });
    const write = await callApi(sandbox.url, tokens.access_token, 'POST', '/crm/objects/2026-03/contacts', {
      properties: { email: 'x@example.com' },
    });
    expect(write.status).toBe(403);
    const emails = await callApi(sandbox.url, tokens.access_token, 'GET', '/crm/objects/2026-03/emails');
    expect(emails.status).toBe(403);
    expect((emails.body.context as Record<string, string[]>).missingScopes).toEqual(['sales-email-read']);
    const contacts = await callApi(sandbox.url, tokens.access_token, 'GET', '/crm/objects/2026-03/contacts');
    expect(contacts.status).toBe(200);
  });
});
