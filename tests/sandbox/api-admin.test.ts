import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { approveInstall, callApi, postForm } from '../support/sandbox-server.js';

async function admin(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

const APP = {
  appId: 555,
  clientId: 'admin-client',
  clientSecret: 'admin-secret',
  redirectUris: ['http://127.0.0.1:9/cb'],
  webhookTargetUrl: 'http://127.0.0.1:9/hooks',
};

describe('sandbox admin API', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('answers the health check on loopback', async () => {
    expect(new URL(sandbox.url).hostname).toBe('127.0.0.1');
    const health = await admin(sandbox.url, 'GET', '/_sandbox/healthz');
    expect(health).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok', portals: 0 }) });
  });

  it('creates portals and registers apps that can then be installed', async () => {
    const portal = await admin(sandbox.url, 'POST', '/_sandbox/portals', {
      portalId: 4242,
      domain: 'acme.sandbox',
    });
    expect(portal.status).toBe(201);
    expect((await admin(sandbox.url, 'POST', '/_sandbox/portals', { portalId: 4242 })).status).toBe(409);
    const app = await admin(sandbox.url, 'POST', '/_sandbox/apps', APP);
    expect(app.status).toBe(201);
    expect(app.body).not.toHaveProperty('clientSecret');
    expect(sandbox.store.apps.get(555)).toEqual(APP);
    const badApp = await admin(sandbox.url, 'POST', '/_sandbox/apps', { appId: 'x', clientId: '' });
    expect(badApp.status).toBe(400);
    expect(badApp.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });

    const code = await approveInstall(sandbox.url, 4242, ['oauth', 'crm.objects.contacts.read'], APP);
    const token = await postForm(sandbox.url, '/oauth/2026-03/token', {
      grant_type: 'authorization_code',
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
      redirect_uri: APP.redirectUris[0]!,
      code,
    });
    expect(((await token.json()) as { hub_id: number }).hub_id).toBe(4242);

    const portals = await admin(sandbox.url, 'GET', '/_sandbox/portals');
    expect(portals.body.results).toEqual([
      expect.objectContaining({ portalId: 4242, domain: 'acme.sandbox', installedAppIds: [555] }),
    ]);
  });

  it('installs an app without the browser step and moves the clock', async () => {
    const tokens = await admin(sandbox.url, 'POST', '/_sandbox/portals/4242/installs', {
      appId: 555,
      scopes: ['crm.objects.contacts.read'],
    });
    expect(tokens.status).toBe(201);
    const accessToken = String(tokens.body.access_token);
    expect((await callApi(sandbox.url, accessToken, 'GET', '/crm/objects/2026-03/contacts')).status).toBe(
      200,
    );

    const before = Date.parse(String((await admin(sandbox.url, 'GET', '/_sandbox/clock')).body.now));
    const moved = await admin(sandbox.url, 'POST', '/_sandbox/clock', { advanceMs: 31 * 60 * 1000 });
    expect(Date.parse(String(moved.body.now)) - before).toBeGreaterThanOrEqual(31 * 60 * 1000);
    const expired = await callApi(sandbox.url, accessToken, 'GET', '/crm/objects/2026-03/contacts');
    expect(expired.body).toMatchObject({ category: 'EXPIRED_AUTHENTICATION' });
    expect(
      (await admin(sandbox.url, 'POST', '/_sandbox/portals/1/installs', { appId: 555, scopes: ['oauth'] }))
        .status,
    ).toBe(404);
  });

  it('answers unknown paths with a HubSpot error body', async () => {
    const missing = await admin(sandbox.url, 'GET', '/crm/objects/2026-03');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    const unknownType = await fetch(`${sandbox.url}/crm/objects/2026-03/widgets`, {
      headers: { Authorization: 'Bearer whatever' },
    });
    expect(unknownType.status).toBe(401);
  });
});
