import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { SandboxStore } from '../../sandbox/store.js';
import { createWebhooksRouter, type ClosableRouter } from '../../sandbox/webhooks/router.js';

const SPEC_FILE = new URL('../../../shared/hubspot/specs/2026-03/webhooks.json', import.meta.url);
const specPresent = existsSync(SPEC_FILE);
if (!specPresent) console.warn(`HubSpot specs absent (${SPEC_FILE.pathname}): schema checks skipped`);

/** Validates a body against a component schema of HubSpot's 2026-03 webhooks spec. */
function schemaErrors(component: string, body: unknown): string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  for (const format of ['int32', 'int64']) ajv.addFormat(format, true);
  ajv.addSchema(JSON.parse(readFileSync(SPEC_FILE, 'utf8')), 'spec');
  const validate = ajv.getSchema(`spec#/components/schemas/${component}`)!;
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const APP = { appId: 77, clientId: 'c-77', clientSecret: 'dev-secret-77', redirectUris: [] };

describe('webhooks API', () => {
  let router: ClosableRouter;
  let server: Server;
  let base: string;

  const call = async (method: string, path: string, body?: unknown, key = APP.clientSecret) => {
    const response = await fetch(`${base}/webhooks/2026-03/${APP.appId}${path}?hapikey=${key}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    const store = new SandboxStore();
    store.registerApp({ ...APP });
    router = createWebhooksRouter(store);
    const app = express();
    app.use(router);
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    router.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses a wrong developer key with a HubSpot error body', async () => {
    const response = await call('GET', '/subscriptions', undefined, 'wrong');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(typeof response.body.correlationId).toBe('string');
  });

  it('stores settings and reports them in the documented shape', async () => {
    expect((await call('GET', '/settings')).status).toBe(404);
    const put = await call('PUT', '/settings', {
      targetUrl: 'http://127.0.0.1:9/hooks',
      throttling: { maxConcurrentRequests: 3 },
    });
    expect(put.status).toBe(200);
    const got = await call('GET', '/settings');
    expect(got.body).toMatchObject({
      targetUrl: 'http://127.0.0.1:9/hooks',
      throttling: { maxConcurrentRequests: 3 },
    });
    if (specPresent) expect(schemaErrors('SettingsResponse', got.body)).toEqual([]);
    expect((await call('PUT', '/settings', { targetUrl: 'not a url', throttling: {} })).status).toBe(400);
  });

  it('creates, lists, deactivates and deletes subscriptions', async () => {
    const created = await call('POST', '/subscriptions', {
      eventType: 'contact.propertyChange',
      propertyName: 'churn_risk_tier',
      active: true,
    });
    expect(created.status).toBe(201);
    if (specPresent) expect(schemaErrors('SubscriptionResponse', created.body)).toEqual([]);
    const id = created.body.id as string;

    const list = await call('GET', '/subscriptions');
    expect(list.body.results.map((s: { id: string }) => s.id)).toEqual([id]);
    if (specPresent) expect(schemaErrors('SubscriptionListResponse', list.body)).toEqual([]);

    expect((await call('PATCH', `/subscriptions/${id}`, { active: false })).body.active).toBe(false);
    const batch = await call('POST', '/subscriptions/batch/update', {
      inputs: [
        { id: Number(id), active: true },
        { id: 999999, active: true },
      ],
    });
    expect(batch.status).toBe(207);
    expect(batch.body.results[0]).toMatchObject({ id, active: true });
    if (specPresent) expect(schemaErrors('BatchResponseSubscriptionResponse', batch.body)).toEqual([]);

    expect((await call('DELETE', `/subscriptions/${id}`)).status).toBe(204);
    expect((await call('GET', `/subscriptions/${id}`)).status).toBe(404);
  });

  it('explains which fields are wrong in an invalid subscription', async () => {
    const noProperty = await call('POST', '/subscriptions', {
      eventType: 'contact.propertyChange',
      active: true,
    });
    expect(noProperty.status).toBe(400);
    expect(noProperty.body.category).toBe('VALIDATION_ERROR');
    expect(noProperty.body.errors.map((e: { in: string }) => e.in)).toEqual(['propertyName']);

    const unknownType = await call('POST', '/subscriptions', { eventType: 'contact.teleport', active: true });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.message).toContain('contact.creation');

    const genericWithoutType = await call('POST', '/subscriptions', {
      eventType: 'object.creation',
      active: true,
    });
    expect(genericWithoutType.body.errors.map((e: { in: string }) => e.in)).toEqual(['objectTypeId']);
  });
});
