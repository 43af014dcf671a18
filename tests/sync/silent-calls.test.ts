/**
 * A CRM call whose connection goes silent is dropped and sent again, on HubSpot (its SDK's
 * `apiRequest` and its typed APIs) as on Salesforce (jsforce); a call out when its job is cancelled
 * stops at once. The CRM here is a server that takes the request and never answers the first ones.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { CallAbortedError, withAbortSignal } from '../../server/crm/abort-scope.js';
import { CrmUnavailableError } from '../../server/crm/errors.js';
import { HubSpotRequester } from '../../server/crm/hubspot/requester.js';
import type { AccessTokenSource } from '../../server/crm/oauth.js';
import { PortalRateLimiter } from '../../server/crm/rate-limit.js';
import { SalesforceRequester } from '../../server/crm/salesforce/requester.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';

const PORTAL = 1;
const FAST = { generalPerSecond: 1000, searchPerSecond: 1000 };
const STALL_MS = 300;

/** A CRM that leaves the first `silentFor` requests unanswered, then answers `{ ok: true }`. */
class SilentCrm {
  received = 0;
  /** Requests the caller gave up on: their connection closed with no answer sent. */
  dropped = 0;
  silentFor = 0;
  private readonly server: Server;

  constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      this.received++;
      req.resume();
      if (this.received <= this.silentFor) {
        res.on('close', () => {
          if (!res.writableEnded) this.dropped++;
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, results: [] }));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(silentFor: number): void {
    this.received = 0;
    this.dropped = 0;
    this.silentFor = silentFor;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let redis: EmbeddedRedis;
let connection: Redis;
let crm: SilentCrm;
let crmUrl: string;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  connection = new Redis(redis.url);
  crm = new SilentCrm();
  crmUrl = await crm.start();
});

afterAll(async () => {
  await crm.close();
  connection.disconnect();
  await redis.stop();
});

const tokens: AccessTokenSource = {
  accessToken: () => Promise.resolve('token'),
  apiBase: () => Promise.resolve(crmUrl),
  refreshAccessToken: () => Promise.reject(new Error('no refresh in this test')),
};

function hubspot(prefix: string, stallMs = STALL_MS) {
  return new HubSpotRequester({
    apiBase: crmUrl,
    tokens,
    limiter: new PortalRateLimiter(connection, prefix, FAST),
    maxAttempts: 3,
    backoffMs: 5,
    stallMs,
  });
}

function salesforce(prefix: string, stallMs = STALL_MS) {
  return new SalesforceRequester({
    tokens,
    limiter: new PortalRateLimiter(connection, prefix, FAST),
    maxAttempts: 3,
    backoffMs: 5,
    stallMs,
  });
}

/** Resolves once `crm` has received `count` requests. */
async function received(count: number): Promise<void> {
  while (crm.received < count) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('a HubSpot call whose connection goes silent', () => {
  it('is dropped and sent again, and the retry answers', async () => {
    crm.reset(1);
    const answer = await hubspot('silent-retry').request(PORTAL, {
      method: 'GET',
      path: '/crm/v3/objects/contacts',
    });
    expect(answer).toEqual({ status: 200, body: { ok: true, results: [] } });
    expect({ received: crm.received, dropped: crm.dropped }).toEqual({ received: 2, dropped: 1 });
  });

  it('gives up after its attempts, saying the CRM did not answer', async () => {
    crm.reset(Infinity);
    const call = hubspot('silent-give-up').request(PORTAL, {
      method: 'GET',
      path: '/crm/v3/objects/contacts',
    });
    await expect(call).rejects.toThrow(CrmUnavailableError);
    await expect(call).rejects.toThrow(
      /did not answer GET \/crm\/v3\/objects\/contacts .*after 3 attempts.*no answer for 0\.3 s/,
    );
    expect({ received: crm.received, dropped: crm.dropped }).toEqual({ received: 3, dropped: 3 });
  });

  it("is dropped on the SDK's typed APIs too", async () => {
    crm.reset(1);
    const page = await hubspot('silent-typed').sdkCall(PORTAL, 'GET /crm/v3/owners', (client) =>
      client.crm.owners.ownersApi.getPage(),
    );
    expect(page.results).toEqual([]);
    expect({ received: crm.received, dropped: crm.dropped }).toEqual({ received: 2, dropped: 1 });
  });

  it('stops at once when its job is cancelled while it is out, and is not sent again', async () => {
    crm.reset(Infinity);
    const job = new AbortController();
    // A call that would otherwise wait a minute for its answer.
    const call = withAbortSignal(job.signal, () =>
      hubspot('silent-cancel', 60_000).request(PORTAL, { method: 'GET', path: '/crm/v3/objects/contacts' }),
    );
    await received(1);
    job.abort('the worker is shutting down');
    await expect(call).rejects.toThrow(CallAbortedError);
    // The CRM sees the connection closed (a busy machine only takes longer), and no retry follows.
    while (crm.dropped < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect({ received: crm.received, dropped: crm.dropped }).toEqual({ received: 1, dropped: 1 });
  });

  it('is not dropped while its answer is on time, however long the connection then sits idle', async () => {
    crm.reset(0);
    const requester = hubspot('silent-idle');
    await requester.request(PORTAL, { method: 'GET', path: '/crm/v3/objects/contacts' });
    // The kept-alive connection waits past the stall time between two calls: the second is served.
    await new Promise((resolve) => setTimeout(resolve, STALL_MS * 2));
    await requester.request(PORTAL, { method: 'GET', path: '/crm/v3/objects/contacts' });
    expect({ received: crm.received, dropped: crm.dropped }).toEqual({ received: 2, dropped: 0 });
  });
});

describe('a Salesforce call whose connection goes silent', () => {
  it('is dropped and sent again, and the retry answers', async () => {
    crm.reset(1);
    const answer = await salesforce('sf-silent-retry').call(PORTAL, (conn) =>
      conn.request<{ ok: boolean }>('/services/data/v62.0/limits'),
    );
    expect(answer).toEqual({ ok: true, results: [] });
    expect({ received: crm.received, dropped: crm.dropped }).toEqual({ received: 2, dropped: 1 });
  });

  it('stops at once when its job is cancelled while it is out', async () => {
    crm.reset(Infinity);
    const job = new AbortController();
    const call = withAbortSignal(job.signal, () =>
      salesforce('sf-silent-cancel', 60_000).call(PORTAL, (conn) =>
        conn.request('/services/data/v62.0/limits'),
      ),
    );
    await received(1);
    job.abort('the worker is shutting down');
    await expect(call).rejects.toThrow(CallAbortedError);
    expect(crm.received).toBe(1);
  });
});
