import { it, expect, beforeAll, afterAll } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import type { RunningSandbox } from '../../sandbox/main.js';
import { describeWithSpecs, spec } from '../support/openapi.js';
import {
  approveInstall,
  callApi,
  installApp,
  postForm,
  startTestSandbox,
  TEST_APP,
} from '../support/sandbox-server.js';

const clientForm = { client_id: TEST_APP.clientId, client_secret: TEST_APP.clientSecret };

describeWithSpecs('OAuth and app-install responses against the 2026-03 OpenAPI specs', () => {
  let sandbox: RunningSandbox;

  const form = async (path: string, fields: Record<string, string>) => {
    const response = await postForm(sandbox.url, path, fields);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('answers the code exchange and the refresh with AccessTokenResponse bodies', async () => {
    const code = await approveInstall(sandbox.url, 101, ['oauth', 'crm.objects.contacts.read']);
    const exchanged = await form('/oauth/2026-03/token', {
      ...clientForm,
      grant_type: 'authorization_code',
      redirect_uri: TEST_APP.redirectUris[0]!,
      code,
    });
    expect(exchanged.status).toBe(200);
    expect(spec('oauth').responseErrors('POST', '/oauth/2026-03/token', 200, exchanged.body)).toEqual([]);
    expect(spec('oauth').schemaErrors('AccessTokenResponse', exchanged.body)).toEqual([]);
    expect(exchanged.body).toMatchObject({ token_type: 'bearer', token_use: 'access_token', hub_id: 101 });

    const refreshed = await new Client({ basePath: sandbox.url }).oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      TEST_APP.clientId,
      TEST_APP.clientSecret,
      String(exchanged.body.refresh_token),
    );
    expect(refreshed.refreshToken).toBe(exchanged.body.refresh_token);
    expect(refreshed.expiresIn).toBe(1800);
    const legacy = await form('/oauth/v1/token', {
      ...clientForm,
      grant_type: 'refresh_token',
      refresh_token: String(exchanged.body.refresh_token),
    });
    expect(spec('oauth').schemaErrors('AccessTokenResponse', legacy.body)).toEqual([]);
  });

  it('introspects access and refresh tokens in the spec shapes', async () => {
    const tokens = await installApp(sandbox.url, 202, ['oauth']);
    const access = await form('/oauth/2026-03/token/introspect', {
      ...clientForm,
      token: tokens.access_token,
    });
    expect(spec('oauth').responseErrors('POST', '/oauth/2026-03/token/introspect', 200, access.body)).toEqual(
      [],
    );
    expect(spec('oauth').schemaErrors('PublicAccessTokenInfoResponse', access.body)).toEqual([]);
    const refresh = await form('/oauth/2026-03/token/introspect', {
      ...clientForm,
      token: tokens.refresh_token,
    });
    expect(spec('oauth').schemaErrors('PublicRefreshTokenInfoResponse', refresh.body)).toEqual([]);
    expect(refresh.body).toMatchObject({ active: true, token_use: 'refresh_token', hub_id: 202 });
  });

  it("answers token errors with RFC 6749 fields inside HubSpot's Error shape", async () => {
    const wrong = await form('/oauth/2026-03/token', {
      ...clientForm,
      grant_type: 'refresh_token',
      refresh_token: 'never-issued',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' });
    expect(spec('oauth').responseErrors('POST', '/oauth/2026-03/token', 400, wrong.body)).toEqual([]);
    const sdk = new Client({ basePath: sandbox.url }).oauth.tokensApi;
    await expect(
      sdk.create(
        'refresh_token',
        undefined,
        undefined,
        TEST_APP.clientId,
        TEST_APP.clientSecret,
        'never-issued',
      ),
    ).rejects.toMatchObject({ code: 400 });
  });

  it('uninstalls with 204 and answers later calls with an Error body', async () => {
    const tokens = await installApp(sandbox.url, 101, ['oauth', 'crm.objects.contacts.read']);
    const uninstall = await callApi(
      sandbox.url,
      tokens.access_token,
      'DELETE',
      '/appinstalls/2026-03/external-install',
    );
    expect(uninstall.status).toBe(204);
    const after = await callApi(
      sandbox.url,
      tokens.access_token,
      'DELETE',
      '/appinstalls/2026-03/external-install',
    );
    expect(after.status).toBe(401);
    expect(
      spec('appUninstalls').responseErrors(
        'DELETE',
        '/appinstalls/2026-03/external-install',
        401,
        after.body,
      ),
    ).toEqual([]);
  });
});
