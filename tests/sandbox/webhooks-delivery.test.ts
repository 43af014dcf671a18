import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Client, Signature } from '@hubspot/api-client';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { SandboxStore, type PortalData } from '../../sandbox/store.js';
import { createWebhooksRouter, type ClosableRouter } from '../../sandbox/webhooks/router.js';
import { callApi, installApp, NO_LIMITS } from '../support/sandbox-server.js';
import { waitForValue } from '../support/processes.js';

interface Received {
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  events: { eventId: number; attemptNumber: number; [key: string]: unknown }[];
}

/** The app's side: records each webhook request and answers with the next scripted status. */
async function startReceiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  const app = express();
  app.post('/hooks', express.text({ type: '*/*' }), (req, res) => {
    const rawBody = String(req.body);
    received.push({
      url: `${req.protocol}://${req.get('host')}${req.originalUrl}`,
      headers: req.headers,
      rawBody,
      events: JSON.parse(rawBody),
    });
    res.status(statuses.shift() ?? 204).end();
  });
  const server = await listen(app);
  return { received, statuses, server, url: `${baseUrl(server)}/hooks` };
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function baseUrl(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Polls until `read` gives a value. */
const until = <T>(read: () => T | undefined | Promise<T | undefined>, timeoutMs?: number): Promise<T> =>
  waitForValue(read, 'a delivery', { everyMs: 10, ...(timeoutMs === undefined ? {} : { timeoutMs }) });

interface DeliveryLogEntry {
  targetUrl: string;
  eventIds: number[];
  attemptNumber: number;
  status?: number;
  error?: string;
  outcome: string;
}

const APP = {
  appId: 4242,
  clientId: 'client-4242',
  clientSecret: 'secret-4242-abc',
  redirectUris: ['http://127.0.0.1:9/oauth/callback'],
};
const OTHER_APP = { appId: 5151, clientId: 'client-5151', clientSecret: 'secret-5151', redirectUris: [] };

describe('webhook delivery', () => {
  let store: SandboxStore;
  let portal: PortalData;
  let router: ClosableRouter;
  let sandbox: RunningSandbox;
  let sandboxUrl: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let otherReceiver: Awaited<ReturnType<typeof startReceiver>>;
  let hubspot: Client;

  beforeAll(async () => {
    store = new SandboxStore();
    router = createWebhooksRouter(store, {
      delivery: { batchWindowMs: 50, retryDelayMs: 20, maxAttempts: 4 },
    });
    sandbox = await startSandbox({
      store,
      apps: [{ ...APP }, { ...OTHER_APP }],
      portals: [101, 202],
      extraRouters: [router],
      rateLimits: NO_LIMITS,
    });
    sandboxUrl = sandbox.url;
    portal = store.portal(101)!;
    store.install(APP.appId, 101);
    receiver = await startReceiver();
    otherReceiver = await startReceiver();
    hubspot = new Client({
      developerApiKey: APP.clientSecret,
      basePath: sandboxUrl,
      numberOfApiCallRetries: 0,
    });

    // Configured the way an app developer would: through HubSpot's SDK (the v3 paths)…
    await hubspot.webhooks.settingsApi.configure(APP.appId, {
      targetUrl: receiver.url,
      throttling: { maxConcurrentRequests: 5 },
    });
    for (const subscription of [
      { eventType: 'contact.creation', active: true },
      { eventType: 'contact.propertyChange', propertyName: 'churn_risk_tier', active: true },
      { eventType: 'contact.deletion', active: true },
      { eventType: 'ticket.creation', active: true },
      { eventType: 'object.creation', objectTypeId: '0-49', active: true },
    ]) {
      await hubspot.webhooks.subscriptionsApi.create(APP.appId, subscription as never);
    }
    // …and through the admin route for the app that is not installed in portal 101.
    const admin = await fetch(`${sandboxUrl}/_sandbox/apps/${OTHER_APP.appId}/webhooks`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        targetUrl: otherReceiver.url,
        subscriptions: [{ eventType: 'contact.creation', active: true }],
      }),
    });
    expect(admin.status).toBe(200);
  });

  async function deliveries(): Promise<DeliveryLogEntry[]> {
    const response = await fetch(`${sandboxUrl}/_sandbox/apps/${APP.appId}/deliveries`);
    return ((await response.json()) as { results: DeliveryLogEntry[] }).results;
  }

  afterAll(async () => {
    router.close();
    await sandbox.close();
    for (const server of [receiver.server, otherReceiver.server]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  beforeEach(() => {
    receiver.received.length = 0;
    receiver.statuses.length = 0;
  });

  it('signs each batch with v3 and v1 signatures that the HubSpot SDK accepts', async () => {
    portal.createRecord('contacts', { email: 'signed@example.com' }, store.now());
    const request = await until(() => receiver.received[0]);

    const timestamp = Number(request.headers['x-hubspot-request-timestamp']);
    expect(
      Signature.isValid({
        signatureVersion: 'v3',
        signature: String(request.headers['x-hubspot-signature-v3']),
        clientSecret: APP.clientSecret,
        requestBody: request.rawBody,
        url: request.url,
        method: 'POST',
        timestamp,
      }),
    ).toBe(true);
    expect(request.headers['x-hubspot-signature-version']).toBe('v1');
    expect(
      Signature.isValid({
        signatureVersion: 'v1',
        signature: String(request.headers['x-hubspot-signature']),
        clientSecret: APP.clientSecret,
        requestBody: request.rawBody,
      }),
    ).toBe(true);
    // A different secret must not verify: the check above is not vacuous.
    expect(
      Signature.isValid({
        signatureVersion: 'v1',
        signature: String(request.headers['x-hubspot-signature']),
        clientSecret: 'someone-else',
        requestBody: request.rawBody,
      }),
    ).toBe(false);
  });

  it('coalesces changes made close together into one batch with unique, increasing event ids', async () => {
    const at = store.now();
    const a = portal.createRecord('contacts', { email: 'a@example.com' }, at);
    const b = portal.createRecord('contacts', { email: 'b@example.com' }, at);
    portal.updateRecord('contacts', a.id, { churn_risk_tier: 'high', firstname: 'Ann' }, at);
    portal.archiveRecord('contacts', b.id, at);
    const email = portal.createRecord('emails', { hs_email_subject: 'Hello' }, at);

    const [request] = await until(() => (receiver.received.length > 0 ? receiver.received : undefined));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(receiver.received).toHaveLength(1);
    const events = request!.events;
    expect(events.map((event) => event.subscriptionType)).toEqual([
      'contact.creation',
      'contact.creation',
      'contact.propertyChange',
      'contact.deletion',
      'object.creation',
    ]);
    const ids = events.map((event) => event.eventId);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events[0]).toMatchObject({
      portalId: 101,
      appId: APP.appId,
      objectId: Number(a.id),
      attemptNumber: 0,
      occurredAt: at.getTime(),
      changeSource: 'CRM',
      changeFlag: 'NEW',
    });
    expect(typeof events[0]!.subscriptionId).toBe('number');
    // Only the subscribed property produces an event, with its new value.
    expect(events[2]).toMatchObject({ propertyName: 'churn_risk_tier', propertyValue: 'high' });
    expect(events[3]).toMatchObject({ objectId: Number(b.id), changeFlag: 'DELETED' });
    expect(events[4]).toMatchObject({ objectId: Number(email.id), objectTypeId: '0-49' });
  });

  it('splits more than 100 events into batches of at most 100', async () => {
    const at = store.now();
    for (let i = 0; i < 230; i += 1) portal.createRecord('tickets', { subject: `Ticket ${i}` }, at);
    await until(() => (receiver.received.flatMap((r) => r.events).length >= 230 ? true : undefined));
    expect(receiver.received.map((r) => r.events.length).sort((x, y) => y - x)).toEqual([100, 100, 30]);
  });

  it('retries a batch the app refuses, with the same event ids and a rising attemptNumber', async () => {
    receiver.statuses.push(500, 500);
    portal.createRecord('contacts', { email: 'retry@example.com' }, store.now());
    await until(() => receiver.received[2]);

    expect(receiver.received.map((r) => r.events.map((e) => e.attemptNumber))).toEqual([[0], [1], [2]]);
    const ids = receiver.received.map((r) => r.events.map((e) => e.eventId));
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    // Each attempt is signed afresh (its body differs by attemptNumber).
    expect(
      Signature.isValid({
        signatureVersion: 'v1',
        signature: String(receiver.received[2]!.headers['x-hubspot-signature']),
        clientSecret: APP.clientSecret,
        requestBody: receiver.received[2]!.rawBody,
      }),
    ).toBe(true);

    const forBatch = (await deliveries()).filter((entry) => entry.eventIds[0] === ids[0]![0]);
    expect(forBatch.map((entry) => [entry.attemptNumber, entry.status, entry.outcome])).toEqual([
      [0, 500, 'WILL_RETRY'],
      [1, 500, 'WILL_RETRY'],
      [2, 204, 'DELIVERED'],
    ]);
  });

  it('gives up after the configured number of attempts', async () => {
    receiver.statuses.push(503, 503, 503, 503, 503, 503);
    portal.createRecord('contacts', { email: 'never@example.com' }, store.now());
    await until(() => receiver.received[3]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(4);
    expect((await deliveries()).at(-1)!.outcome).toBe('GAVE_UP');
  });

  it('retries when the app cannot be reached, and logs the connection error', async () => {
    const closed = await startReceiver();
    await new Promise((resolve) => closed.server.close(resolve));
    await hubspot.webhooks.settingsApi.configure(APP.appId, {
      targetUrl: closed.url,
      throttling: { maxConcurrentRequests: 5 },
    });
    try {
      portal.createRecord('contacts', { email: 'unreachable@example.com' }, store.now());
      const attempts = await until(async () => {
        const entries = (await deliveries()).filter((entry) => entry.targetUrl === closed.url);
        return entries.length >= 4 ? entries : undefined;
      });
      expect(attempts.map((entry) => entry.attemptNumber)).toEqual([0, 1, 2, 3]);
      expect(attempts.every((entry) => entry.status === undefined && Boolean(entry.error))).toBe(true);
      expect(attempts.at(-1)!.outcome).toBe('GAVE_UP');
    } finally {
      await hubspot.webhooks.settingsApi.configure(APP.appId, {
        targetUrl: receiver.url,
        throttling: { maxConcurrentRequests: 5 },
      });
    }
  });

  it('sends nothing to apps that are not installed in the portal or not subscribed', async () => {
    portal.createRecord('contacts', { email: 'only-installed@example.com' }, store.now());
    portal.createRecord('deals', { dealname: 'not subscribed' }, store.now());
    store.portal(202)!.createRecord('contacts', { email: 'elsewhere@example.com' }, store.now());
    await until(() => receiver.received[0]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(otherReceiver.received).toHaveLength(0);
    expect(receiver.received.flatMap((r) => r.events.map((e) => e.portalId))).toEqual([101]);

    store.install(OTHER_APP.appId, 202);
    store.portal(202)!.createRecord('contacts', { email: 'now-installed@example.com' }, store.now());
    const request = await until(() => otherReceiver.received[0]);
    expect(request.events[0]).toMatchObject({ portalId: 202, appId: OTHER_APP.appId });
  });

  it('reports the app’s own API writes as INTEGRATION changes, with the app as their source', async () => {
    const tokens = await installApp(
      sandboxUrl,
      101,
      ['oauth', 'crm.objects.contacts.write', 'crm.schemas.contacts.write'],
      APP,
    );
    const property = await callApi(
      sandboxUrl,
      tokens.access_token,
      'POST',
      '/crm/properties/2026-03/contacts',
      {
        name: 'churn_risk_tier',
        label: 'Churn risk tier',
        type: 'enumeration',
        fieldType: 'select',
        groupName: 'contactinformation',
        options: ['low', 'medium', 'high'].map((value, displayOrder) => ({
          label: value,
          value,
          displayOrder,
        })),
      },
    );
    expect(property.status).toBe(201);
    const created = await callApi<{ id: string }>(
      sandboxUrl,
      tokens.access_token,
      'POST',
      '/crm/objects/2026-03/contacts',
      { properties: { email: 'via-api@example.com' } },
    );
    expect(created.status).toBe(201);
    const scored = await callApi(
      sandboxUrl,
      tokens.access_token,
      'PATCH',
      `/crm/objects/2026-03/contacts/${created.body.id}`,
      { properties: { churn_risk_tier: 'medium' } },
    );
    expect(scored.status).toBe(200);

    const events = await until(() => {
      const all = receiver.received.flatMap((r) => r.events);
      return all.length >= 2 ? all : undefined;
    });
    expect(events.map((e) => [e.subscriptionType, e.objectId, e.changeSource, e.sourceId])).toEqual([
      ['contact.creation', Number(created.body.id), 'INTEGRATION', String(APP.appId)],
      ['contact.propertyChange', Number(created.body.id), 'INTEGRATION', String(APP.appId)],
    ]);
    expect(events[1]).toMatchObject({ propertyName: 'churn_risk_tier', propertyValue: 'medium' });
  });
});

describe('webhook delivery whose answers are lost on the way back', () => {
  it('delivers a batch the app took again, with the same event ids, until an answer comes through', async () => {
    const store = new SandboxStore();
    const router = createWebhooksRouter(store, {
      delivery: { batchWindowMs: 20, retryDelayMs: 10, maxAttempts: 10, lostAnswerRate: 0.6, seed: 7 },
    });
    const sandbox = await startSandbox({
      store,
      apps: [{ ...APP }],
      portals: [101],
      extraRouters: [router],
      rateLimits: NO_LIMITS,
    });
    const receiver = await startReceiver();
    try {
      store.install(APP.appId, 101);
      const admin = await fetch(`${sandbox.url}/_sandbox/apps/${APP.appId}/webhooks`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          targetUrl: receiver.url,
          subscriptions: [{ eventType: 'contact.creation', active: true }],
        }),
      });
      expect(admin.status).toBe(200);
      for (let i = 0; i < 8; i += 1) {
        store.portal(101)!.createRecord('contacts', { email: `lost-${i}@example.com` }, store.now());
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      const log = async () =>
        (
          (await (await fetch(`${sandbox.url}/_sandbox/apps/${APP.appId}/deliveries`)).json()) as {
            results: DeliveryLogEntry[];
          }
        ).results;
      const done = await until(async () => {
        const entries = await log();
        const delivered = new Set(
          entries.filter((e) => e.outcome === 'DELIVERED').flatMap((e) => e.eventIds),
        );
        return delivered.size === 8 ? entries : undefined;
      }, 300_000);
      const lost = done.filter((e) => e.status === 204 && e.outcome === 'WILL_RETRY');
      expect(lost.length).toBeGreaterThan(0);
      expect(lost.every((e) => /lost on the way back/.test(e.error ?? ''))).toBe(true);
      // The app saw some events more than once, each time under the same id.
      const seen = receiver.received.flatMap((r) => r.events.map((e) => e.eventId));
      expect(seen.length).toBe(8 + lost.reduce((sum, e) => sum + e.eventIds.length, 0));
      expect(new Set(seen).size).toBe(8);
    } finally {
      router.close();
      await sandbox.close();
      await new Promise((resolve) => receiver.server.close(resolve));
    }
  });
});
