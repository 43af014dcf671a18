import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../../sandbox/salesforce/main.js';
import type { SalesforceOrg } from '../../sandbox/salesforce/store.js';

const REDIRECT = 'https://app.example.com/oauth/salesforce/callback';
const PLAIN = {
  clientId: 'plain-client',
  clientSecret: 'plain-secret',
  redirectUris: [REDIRECT],
  name: 'Churn Radar',
};
const ROTATING = {
  clientId: 'rotating-client',
  clientSecret: 'rotating-secret',
  redirectUris: [REDIRECT],
  rotateRefreshTokens: true,
};
const SHORT_LIVED = {
  clientId: 'short-client',
  clientSecret: 'short-secret',
  redirectUris: [REDIRECT],
  accessTokenTtlMs: 60_000,
};
type App = { clientId: string; clientSecret: string };

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  signature: string;
  scope: string;
  instance_url: string;
  id: string;
  token_type: string;
  issued_at: string;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(64).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('Salesforce sandbox OAuth', () => {
  let sandbox: RunningSalesforceSandbox;
  let org: SalesforceOrg;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ apps: [PLAIN, ROTATING, SHORT_LIVED], orgs: 2 });
    org = [...sandbox.store.orgs.values()][0]!;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  /** Walks the consent page as a user who allows: answers the redirect's query. */
  async function allow(app: App, params: Record<string, string> = {}): Promise<URLSearchParams> {
    const response = await fetch(`${sandbox.loginUrl}/services/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: REDIRECT,
        state: 'st-1',
        orgId: org.orgId,
        decision: 'allow',
        ...params,
      }),
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    return location.searchParams;
  }

  async function token(
    form: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${sandbox.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams(form),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function codeGrant(app: App): Promise<TokenAnswer> {
    const { verifier, challenge } = pkce();
    const code = (await allow(app, { code_challenge: challenge, code_challenge_method: 'S256' })).get(
      'code',
    )!;
    const answer = await token({
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: REDIRECT,
      code,
      code_verifier: verifier,
    });
    expect(answer.status).toBe(200);
    return answer.body as unknown as TokenAnswer;
  }

  async function refresh(app: App, refreshToken: string) {
    return token({
      grant_type: 'refresh_token',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      refresh_token: refreshToken,
    });
  }

  async function restStatus(accessToken: string): Promise<number> {
    const response = await fetch(`${sandbox.instanceUrl}/services/data/v64.0/limits`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    await response.arrayBuffer();
    return response.status;
  }

  it('shows a consent page naming the app, its scopes, the orgs and their users', async () => {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: PLAIN.clientId,
      redirect_uri: REDIRECT,
      scope: 'api refresh_token',
      state: 'x',
    });
    const response = await fetch(`${sandbox.loginUrl}/services/oauth2/authorize?${query}`);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('Churn Radar');
    expect(html).toContain('<code>refresh_token</code>');
    for (const each of sandbox.store.orgs.values()) {
      expect(html).toContain(`value="${each.orgId}"`);
      expect(html).toContain(each.adminUser.Username);
    }
    expect(html).toContain('value="allow"');
  });

  it.each([
    ['an unknown client', { client_id: 'nobody' }, 'invalid_client_id'],
    [
      'a redirect URI the app did not register',
      { redirect_uri: 'https://evil.example/cb' },
      'redirect_uri_mismatch',
    ],
  ])('refuses an authorize request from %s with an error page', async (_name, change, error) => {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: PLAIN.clientId,
      redirect_uri: REDIRECT,
      ...change,
    });
    const response = await fetch(`${sandbox.loginUrl}/services/oauth2/authorize?${query}`, {
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(error);
  });

  it.each([
    ['the user denies', { decision: 'deny' }, 'access_denied'],
    ['the response type is not code', { response_type: 'token' }, 'unsupported_response_type'],
    [
      'the challenge method is plain',
      { code_challenge: pkce().challenge, code_challenge_method: 'plain' },
      'invalid_request',
    ],
    ['a scope is not the app’s', { scope: 'api chatter_api_everything' }, 'invalid_scope'],
  ])('sends the user back with an error when %s', async (_name, change, error) => {
    const params = await allow(PLAIN, change);
    expect(params.get('error')).toBe(error);
    expect(params.get('state')).toBe('st-1');
    expect(params.get('code')).toBeNull();
  });

  it('exchanges a code with the right PKCE verifier for Salesforce’s token answer', async () => {
    const answer = await codeGrant(PLAIN);
    expect(answer).toEqual({
      access_token: expect.stringMatching(/^00D[0-9A-Za-z]{12}!AQ[0-9A-Za-z._]+$/),
      refresh_token: expect.any(String),
      signature: expect.any(String),
      scope: expect.stringContaining('api'),
      instance_url: sandbox.instanceUrl,
      id: `${sandbox.loginUrl}/id/${org.orgId}/${org.adminUser.Id}`,
      token_type: 'Bearer',
      issued_at: expect.stringMatching(/^\d{13}$/),
    });
    expect(answer.access_token.slice(0, 15)).toBe(org.orgId.slice(0, 15));
    const signature = createHmac('sha256', PLAIN.clientSecret)
      .update(`${answer.id}${answer.issued_at}`)
      .digest('base64');
    expect(answer.signature).toBe(signature);
    expect(await restStatus(answer.access_token)).toBe(200);
  });

  it('logs in as the user picked on the consent page', async () => {
    const user = org.addUser({ firstName: 'Ana', lastName: 'Reyes', email: 'ana.reyes@example.com' });
    const code = (await allow(PLAIN, { userId: user.Id })).get('code')!;
    const answer = await token({
      grant_type: 'authorization_code',
      client_id: PLAIN.clientId,
      client_secret: PLAIN.clientSecret,
      redirect_uri: REDIRECT,
      code,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.id).toBe(`${sandbox.loginUrl}/id/${org.orgId}/${user.Id}`);
  });

  it.each([
    ['a wrong verifier', (verifier: string) => ({ code_verifier: `${verifier}x` }), 'authentication failure'],
    ['no verifier', () => ({}), 'authentication failure'],
  ])('refuses a code with %s', async (_name, verifierField, description) => {
    const { verifier, challenge } = pkce();
    const code = (await allow(PLAIN, { code_challenge: challenge })).get('code')!;
    const answer = await token({
      grant_type: 'authorization_code',
      client_id: PLAIN.clientId,
      client_secret: PLAIN.clientSecret,
      redirect_uri: REDIRECT,
      code,
      ...verifierField(verifier),
    });
    expect(answer).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: description } });
  });

  it('takes a code once only', async () => {
    const { verifier, challenge } = pkce();
    const code = (await allow(PLAIN, { code_challenge: challenge })).get('code')!;
    const form = {
      grant_type: 'authorization_code',
      client_id: PLAIN.clientId,
      client_secret: PLAIN.clientSecret,
      redirect_uri: REDIRECT,
      code,
      code_verifier: verifier,
    };
    expect((await token(form)).status).toBe(200);
    expect(await token(form)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'authentication failure' },
    });
  });

  it.each([
    ['an unknown client', { client_id: 'nobody' }, 'invalid_client_id', 'client identifier invalid'],
    ['a wrong secret', { client_secret: 'wrong' }, 'invalid_client', 'invalid client credentials'],
    [
      'another redirect URI',
      { redirect_uri: 'https://app.example.com/other' },
      'redirect_uri_mismatch',
      'redirect_uri must match configuration',
    ],
    [
      'an unknown grant type',
      { grant_type: 'password' },
      'unsupported_grant_type',
      'grant type not supported',
    ],
    ['an unknown code', { code: 'aPrxNOPE' }, 'invalid_grant', 'authentication failure'],
  ])('answers the token endpoint’s error for %s', async (_name, change, error, description) => {
    const code = (await allow(PLAIN)).get('code')!;
    const answer = await token({
      grant_type: 'authorization_code',
      client_id: PLAIN.clientId,
      client_secret: PLAIN.clientSecret,
      redirect_uri: REDIRECT,
      code,
      ...change,
    });
    expect(answer).toEqual({ status: 400, body: { error, error_description: description } });
  });

  it('refreshes without rotation: a new access token, the same refresh token kept', async () => {
    const first = await codeGrant(PLAIN);
    const renewed = await refresh(PLAIN, first.refresh_token!);
    expect(renewed.status).toBe(200);
    expect(renewed.body.refresh_token).toBeUndefined();
    expect(renewed.body.access_token).not.toBe(first.access_token);
    expect(renewed.body.id).toBe(first.id);
    expect(await restStatus(renewed.body.access_token as string)).toBe(200);
    expect((await refresh(PLAIN, first.refresh_token!)).status).toBe(200);
  });

  it('rotates refresh tokens, and a replayed spent one revokes the whole chain', async () => {
    const first = await codeGrant(ROTATING);
    const second = await refresh(ROTATING, first.refresh_token!);
    expect(second.status).toBe(200);
    const secondRefresh = second.body.refresh_token as string;
    expect(secondRefresh).toEqual(expect.any(String));
    expect(secondRefresh).not.toBe(first.refresh_token);
    const third = await refresh(ROTATING, secondRefresh);
    expect(third.status).toBe(200);
    const live = [first.access_token, second.body.access_token as string, third.body.access_token as string];
    for (const access of live) expect(await restStatus(access)).toBe(200);

    const replay = await refresh(ROTATING, first.refresh_token!);
    expect(replay).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'expired access/refresh token' },
    });
    for (const access of live) expect(await restStatus(access)).toBe(401);
    expect((await refresh(ROTATING, third.body.refresh_token as string)).status).toBe(400);
  });

  it('leaves other grants of the same app alone when one chain is revoked', async () => {
    const bystander = await codeGrant(ROTATING);
    const victim = await codeGrant(ROTATING);
    await refresh(ROTATING, victim.refresh_token!);
    await refresh(ROTATING, victim.refresh_token!);
    expect(await restStatus(victim.access_token)).toBe(401);
    expect(await restStatus(bystander.access_token)).toBe(200);
  });

  it('revokes an access token alone, or with a refresh token the whole grant', async () => {
    const revoke = (value: string) =>
      fetch(`${sandbox.loginUrl}/services/oauth2/revoke`, {
        method: 'POST',
        body: new URLSearchParams({ token: value }),
      });
    const grant = await codeGrant(PLAIN);
    expect((await revoke(grant.access_token)).status).toBe(200);
    expect(await restStatus(grant.access_token)).toBe(401);
    const renewed = await refresh(PLAIN, grant.refresh_token!);
    expect(renewed.status).toBe(200);

    expect((await revoke(grant.refresh_token!)).status).toBe(200);
    expect(await restStatus(renewed.body.access_token as string)).toBe(401);
    expect((await refresh(PLAIN, grant.refresh_token!)).body).toEqual({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });

    const unknown = await revoke('not-a-token');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: 'unsupported_token_type',
      error_description: 'this token type is not supported',
    });
  });

  it('serves the identity URL to its own token only', async () => {
    const grant = await codeGrant(PLAIN);
    const withHeader = await fetch(grant.id, { headers: { authorization: `Bearer ${grant.access_token}` } });
    expect(withHeader.status).toBe(200);
    const identity = (await withHeader.json()) as Record<string, unknown> & { urls: Record<string, string> };
    expect(identity).toMatchObject({
      id: grant.id,
      asserted_user: true,
      user_id: org.adminUser.Id,
      organization_id: org.orgId,
      username: org.adminUser.Username,
      email: org.adminUser.Email,
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
    });
    expect(identity.urls.rest).toBe(`${sandbox.instanceUrl}/services/data/v{version}/`);
    expect(identity.urls.query).toBe(`${sandbox.instanceUrl}/services/data/v{version}/query/`);

    const withParam = await fetch(
      `${grant.id}?format=json&oauth_token=${encodeURIComponent(grant.access_token)}`,
    );
    expect(withParam.status).toBe(200);
    const other = [...sandbox.store.orgs.values()][1]!;
    const elsewhere = await fetch(`${sandbox.loginUrl}/id/${other.orgId}/${other.adminUser.Id}`, {
      headers: { authorization: `Bearer ${grant.access_token}` },
    });
    expect([elsewhere.status, await elsewhere.text()]).toEqual([403, 'Bad_Id']);
    const noToken = await fetch(grant.id);
    expect([noToken.status, await noToken.text()]).toEqual([403, 'Bad_OAuth_Token']);
  });

  it('expires access tokens after their lifetime, and a refresh still works', async () => {
    const grant = await codeGrant(SHORT_LIVED);
    expect(await restStatus(grant.access_token)).toBe(200);
    sandbox.store.advanceClock(61_000);
    const response = await fetch(`${sandbox.instanceUrl}/services/data/v64.0/limits`, {
      headers: { authorization: `Bearer ${grant.access_token}` },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
    const renewed = await refresh(SHORT_LIVED, grant.refresh_token!);
    expect(await restStatus(renewed.body.access_token as string)).toBe(200);
  });

  it('ends every session of an org when an admin revokes the connected app', async () => {
    const grant = await codeGrant(PLAIN);
    const faults = await fetch(`${sandbox.instanceUrl}/_sandbox/salesforce/orgs/${org.orgId}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ revokeApps: [PLAIN.clientId] }),
    });
    expect(faults.status).toBe(200);
    expect(await restStatus(grant.access_token)).toBe(401);
    expect((await refresh(PLAIN, grant.refresh_token!)).status).toBe(400);
    expect((await codeGrant(PLAIN)).access_token).toEqual(expect.any(String));
  });
});
