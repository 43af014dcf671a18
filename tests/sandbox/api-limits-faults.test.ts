import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import type { RunningSandbox } from '../../sandbox/main.js';
import { callApi, installApp, postForm, startTestSandbox, TEST_APP } from '../support/sandbox-server.js';

const CONTACTS = '/crm/objects/2026-03/contacts';
const SEARCH = '/crm/objects/2026-03/contacts/search';

async function admin(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

describe('sandbox rate limits', () => {
  let sandbox: RunningSandbox;
  let token: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    token = (await installApp(sandbox.url, 101)).access_token;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('refuses the 111th request inside 10 seconds with HubSpot 429 body and headers', async () => {
    const answers = [];
    for (let index = 0; index < 111; index += 1)
      answers.push(await callApi(sandbox.url, token, 'GET', CONTACTS));
    expect(answers.slice(0, 110).every((answer) => answer.status === 200)).toBe(true);
    expect(answers[0]!.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    expect(answers[0]!.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(answers[0]!.headers.get('x-hubspot-ratelimit-remaining')).toBe('109');
    expect(answers[109]!.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');

    const refused = answers[110]!;
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(refused.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(10);

    sandbox.store.advanceClock(10_001);
    const later = await callApi(sandbox.url, token, 'GET', CONTACTS);
    expect(later.status).toBe(200);
    expect(later.headers.get('x-hubspot-ratelimit-remaining')).toBe('109');
  });

  it('counts each app in each portal separately', async () => {
    const other = (await installApp(sandbox.url, 202)).access_token;
    for (let index = 0; index < 110; index += 1) await callApi(sandbox.url, token, 'GET', CONTACTS);
    expect((await callApi(sandbox.url, token, 'GET', CONTACTS)).status).toBe(429);
    expect((await callApi(sandbox.url, other, 'GET', CONTACTS)).status).toBe(200);
    sandbox.store.advanceClock(10_001);
  });

  it('limits search separately, per second, without the rate-limit headers', async () => {
    const answers = [];
    for (let index = 0; index < 6; index += 1)
      answers.push(await callApi(sandbox.url, token, 'POST', SEARCH, {}));
    expect(answers.slice(0, 5).map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]!.headers.get('x-hubspot-ratelimit-remaining')).toBeNull();
    expect(answers[5]!.status).toBe(429);
    expect(answers[5]!.body).toMatchObject({
      message: 'You have reached your secondly limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'SECONDLY',
    });
    expect((await callApi(sandbox.url, token, 'GET', CONTACTS)).status).toBe(200);
    sandbox.store.advanceClock(1001);
    expect((await callApi(sandbox.url, token, 'POST', SEARCH, {})).status).toBe(200);
  });

  it('lets the admin API scale the limits', async () => {
    const changed = await admin(sandbox.url, 'PUT', '/_sandbox/rate-limits', { tenSecondlyMax: 3 });
    expect(changed.body).toMatchObject({ tenSecondlyMax: 3, enabled: true });
    const statuses = [];
    for (let index = 0; index < 4; index += 1)
      statuses.push((await callApi(sandbox.url, token, 'GET', CONTACTS)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await admin(sandbox.url, 'PUT', '/_sandbox/rate-limits', { windowMs: -1 })).status).toBe(400);
    await admin(sandbox.url, 'PUT', '/_sandbox/rate-limits', { tenSecondlyMax: 110 });
  });
});

describe('sandbox fault injection', () => {
  let sandbox: RunningSandbox;
  let token: string;
  const faults = '/_sandbox/portals/101/faults';

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: { enabled: false } });
    token = (await installApp(sandbox.url, 101)).access_token;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  afterEach(async () => {
    await admin(sandbox.url, 'DELETE', faults);
  });

  it('answers a seeded share of requests with 5xx, the same ones for the same seed', async () => {
    const run = async () => {
      await admin(sandbox.url, 'POST', faults, { errorRate: 0.3, errorStatus: 503, seed: 42 });
      const statuses = [];
      for (let index = 0; index < 200; index += 1)
        statuses.push((await callApi(sandbox.url, token, 'GET', CONTACTS)).status);
      return statuses;
    };
    const first = await run();
    const failures = first.filter((status) => status === 503).length;
    expect(failures).toBeGreaterThan(40);
    expect(failures).toBeLessThan(80);
    expect(first.every((status) => status === 200 || status === 503)).toBe(true);
    expect(await run()).toEqual(first);
    const state = await admin(sandbox.url, 'GET', faults);
    expect(state.body).toMatchObject({
      errorRate: 0.3,
      errorStatus: 503,
      seed: 42,
      errorsInjected: failures * 2,
    });
  });

  it('adds latency to every call into the portal', async () => {
    await admin(sandbox.url, 'POST', faults, { latencyMs: 150 });
    const started = Date.now();
    expect((await callApi(sandbox.url, token, 'GET', CONTACTS)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('sends a burst of N 429s, then recovers', async () => {
    await admin(sandbox.url, 'POST', faults, { rateLimitBurst: 3 });
    const answers = [];
    for (let index = 0; index < 4; index += 1)
      answers.push(await callApi(sandbox.url, token, 'GET', CONTACTS));
    expect(answers.map((answer) => answer.status)).toEqual([429, 429, 429, 200]);
    expect(answers[0]!.body).toMatchObject({ policyName: 'TEN_SECONDLY_ROLLING', errorType: 'RATE_LIMIT' });
    expect(answers[0]!.headers.get('retry-after')).toBe('1');
  });

  it('expires access tokens early: 401 EXPIRED_AUTHENTICATION until the app refreshes', async () => {
    const tokens = await installApp(sandbox.url, 101);
    await admin(sandbox.url, 'POST', faults, { expireTokens: true });
    const expired = await callApi(sandbox.url, tokens.access_token, 'GET', CONTACTS);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ status: 'error', category: 'EXPIRED_AUTHENTICATION' });
    expect(expired.body.message).toMatch(
      /^The OAuth token used to make this call expired \d+ second\(s\) ago\.$/,
    );
    const refreshed = await postForm(sandbox.url, '/oauth/2026-03/token', {
      grant_type: 'refresh_token',
      client_id: TEST_APP.clientId,
      client_secret: TEST_APP.clientSecret,
      refresh_token: tokens.refresh_token,
    });
    const fresh = (await refreshed.json()) as { access_token: string };
    expect((await callApi(sandbox.url, fresh.access_token, 'GET', CONTACTS)).status).toBe(200);
    token = fresh.access_token;
  });

  it('revokes the install: 401 on calls and invalid_grant on refresh', async () => {
    const tokens = await installApp(sandbox.url, 101);
    await admin(sandbox.url, 'POST', faults, { revokeInstall: true });
    expect((await callApi(sandbox.url, tokens.access_token, 'GET', CONTACTS)).status).toBe(401);
    const refresh = await postForm(sandbox.url, '/oauth/2026-03/token', {
      grant_type: 'refresh_token',
      client_id: TEST_APP.clientId,
      client_secret: TEST_APP.clientSecret,
      refresh_token: tokens.refresh_token,
    });
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant', status: 'BAD_REFRESH_TOKEN' });
  });

  it('validates fault settings and leaves other portals alone', async () => {
    const bad = await admin(sandbox.url, 'POST', faults, { errorRate: 2 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect((await admin(sandbox.url, 'POST', faults, { surprise: true })).status).toBe(400);
    expect((await admin(sandbox.url, 'POST', '/_sandbox/portals/999/faults', {})).status).toBe(404);

    await admin(sandbox.url, 'POST', '/_sandbox/portals/202/faults', { errorRate: 1 });
    const other = (await installApp(sandbox.url, 101)).access_token;
    expect((await callApi(sandbox.url, other, 'GET', CONTACTS)).status).toBe(200);
    await admin(sandbox.url, 'DELETE', '/_sandbox/portals/202/faults');
  });
});
