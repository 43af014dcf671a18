/**
 * What a HubSpot call does when HubSpot answers 429: it waits its turn (pausing the portal for
 * every process) without spending its attempts, gives up only after a time cap with a reason, and
 * stops at once on a used-up daily limit. And a call whose job another worker has taken over is
 * never sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { RunningSandbox } from '../../sandbox/main.js';
import { CallAbortedError, withAbortSignal } from '../../server/crm/abort-scope.js';
import { CrmUnavailableError } from '../../server/crm/errors.js';
import { HubSpotRequester } from '../../server/crm/hubspot/requester.js';
import type { AccessTokenSource } from '../../server/crm/oauth.js';
import { PortalRateLimiter } from '../../server/crm/rate-limit.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { installApp, startTestSandbox } from '../support/sandbox-server.js';

const HUB = 404;
const CONTACTS = '/crm/objects/2026-03/contacts';
const FAST = { generalPerSecond: 1000, searchPerSecond: 1000 };

let redis: EmbeddedRedis;
let connection: Redis;
let sandbox: RunningSandbox;
let tokens: AccessTokenSource;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  connection = new Redis(redis.url);
  sandbox = await startTestSandbox({ portals: [HUB] });
  const token = (await installApp(sandbox.url, HUB)).access_token;
  tokens = {
    accessToken: () => Promise.resolve(token),
    apiBase: () => Promise.resolve(null),
    refreshAccessToken: () => Promise.reject(new Error('no refresh in this test')),
  };
});

afterAll(async () => {
  connection.disconnect();
  await sandbox.close();
  await redis.stop();
});

async function faults(body: Record<string, unknown>) {
  const answer = await fetch(`${sandbox.url}/_sandbox/portals/${HUB}/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(answer.ok).toBe(true);
  return (await answer.json()) as { rateLimitBurstRemaining: number };
}

function requester(prefix: string, options: { rateLimitPatienceMs?: number; apiBase?: string } = {}) {
  return new HubSpotRequester({
    apiBase: options.apiBase ?? sandbox.url,
    tokens,
    limiter: new PortalRateLimiter(connection, prefix, FAST),
    maxAttempts: 3,
    backoffMs: 5,
    ...(options.rateLimitPatienceMs !== undefined
      ? { rateLimitPatienceMs: options.rateLimitPatienceMs }
      : {}),
  });
}

describe('HubSpot answering 429', () => {
  it('waits out a storm longer than its attempts allow, and the call succeeds', async () => {
    // Five 429s in a row against three attempts: 429s are "not yet", so none is spent on them.
    await faults({ rateLimitBurst: 5 });
    const answer = await requester('storm').request(HUB, { method: 'GET', path: CONTACTS });
    expect(answer.status).toBe(200);
    expect((await faults({})).rateLimitBurstRemaining).toBe(0);
  }, 300_000);

  it('pauses the portal for every process while it waits', async () => {
    await faults({ rateLimitBurst: 1 });
    const before = await connection.time();
    await requester('storm-pause').request(HUB, { method: 'GET', path: CONTACTS });
    // The sandbox's 429 said "retry after 1 s": another process's limiter finds the portal paused.
    const otherConnection = new Redis(redis.url);
    try {
      const other = new PortalRateLimiter(otherConnection, 'storm-pause', FAST);
      const pausedUntil = Number(before[0]) * 1000 + 1000;
      expect((await other.take(HUB, 'general')).at).toBeGreaterThanOrEqual(pausedUntil);
    } finally {
      otherConnection.disconnect();
    }
  }, 300_000);

  it('gives up after its time cap with a reason naming the 429s, having made no extra attempts', async () => {
    await faults({ rateLimitBurst: 1000 });
    const call = requester('storm-cap', { rateLimitPatienceMs: 2500 }).request(HUB, {
      method: 'GET',
      path: CONTACTS,
    });
    await expect(call).rejects.toThrow(CrmUnavailableError);
    await expect(call).rejects.toThrow(
      /kept answering GET .*contacts for portal 404 with 429.*times in a row/,
    );
    // Retry-After 1 s against a 2.5 s cap: the first answer and two waits, then it stops.
    expect((await faults({})).rateLimitBurstRemaining).toBe(1000 - 3);
    await faults({ rateLimitBurst: 0 });
  }, 300_000);

  it('stops at once when the daily limit is used up', async () => {
    let calls = 0;
    const daily: Server = createServer((_req, res) => {
      calls++;
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'error',
          message: 'You have reached your daily limit.',
          errorType: 'RATE_LIMIT',
          correlationId: 'c0ffee00-0000-4000-8000-000000000000',
          policyName: 'DAILY',
        }),
      );
    });
    await new Promise<void>((resolve) => daily.listen(0, '127.0.0.1', resolve));
    const { port } = daily.address() as AddressInfo;
    try {
      const call = requester('storm-daily', { apiBase: `http://127.0.0.1:${port}` }).request(HUB, {
        method: 'GET',
        path: CONTACTS,
      });
      await expect(call).rejects.toThrow(/daily API limit for portal 404 is used up/);
      expect(calls).toBe(1);
    } finally {
      await new Promise((resolve) => daily.close(resolve));
    }
  });
});

describe('a job that lost its lock', () => {
  it('sends nothing more to the CRM: the call stops before it leaves', async () => {
    const seen = async () =>
      (
        (await (await fetch(`${sandbox.url}/_sandbox/portals/${HUB}/faults`)).json()) as {
          requestsSeen: number;
        }
      ).requestsSeen;
    const before = await seen();
    const owned = withAbortSignal(
      new AbortController().signal,
      () => requester('lock-owned').request(HUB, { method: 'GET', path: CONTACTS }),
      async () => true,
    );
    expect((await owned).status).toBe(200);
    const lost = withAbortSignal(
      new AbortController().signal,
      () => requester('lock-lost').request(HUB, { method: 'GET', path: CONTACTS }),
      async () => false,
    );
    await expect(lost).rejects.toThrow(CallAbortedError);
    await expect(lost).rejects.toThrow(/another worker took this job over/);
    expect(await seen()).toBe(before + 1);
  });
});
