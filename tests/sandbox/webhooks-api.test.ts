import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { SandboxStore } from '../../sandbox/store.js';
import { spec, specsPresent } from '../support/openapi.js';
import { createWebhooksRouter, type ClosableRouter } from '../../sandbox/webhooks/router.js';

/** Problems with `body` as an instance of a schema in HubSpot's 2026-03 webhooks spec (none without the specs). */
function schemaErrors(component: string, body: unknown): string[] {
  return specsPresent ? spec('webhooks').schemaErrors(component, body) : [];
}

const APP = { appId: 77, clientId: 'c-77', clientSecret: 'dev-secret-77', redirectUris: [] };

describe('webhooks API', () => {
  let router: ClosableRouter;
  let sandbox: RunningSandbox;
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
    router = createWebhooksRouter(store);
    sandbox = await startSandbox({ store, apps: [{ ...APP }], extraRouters: [router] });
    base = sandbox.url;
  });

  afterAll(async () => {
    router.close();
    await sandbox.close();
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
    expect(schemaErrors('SettingsResponse', got.body)).toEqual([]);
    expect((await call('PUT', '/settings', { targetUrl: 'not a url', throttling: {} })).status).toBe(400);
  });

  it('creates, lists, deactivates and deletes subscriptions', async () => {
    const created = await call('POST', '/subscriptions', {
      eventType: 'contact.propertyChange',
      propertyName: 'churn_risk_tier',
      active: true,
    });
    expect(created.status).toBe(201);
    expect(schemaErrors('SubscriptionResponse', created.body)).toEqual([]);
    const id = created.body.id as string;

    const list = await call('GET', '/subscriptions');
    expect(list.body.results.map((s: { id: string }) => s.id)).toEqual([id]);
    expect(schemaErrors('SubscriptionListResponse', list.body)).toEqual([]);

    expect((await call('PATCH', `/subscriptions/${id}`, { active: false })).body.active).toBe(false);
    const batch = await call('POST', '/subscriptions/batch/update', {
      inputs: [
        { id: Number(id), active: true },
        { id: 999999, active: true },
      ],
    });
    expect(batch.status).toBe(207);
    expect(batch.body.results[0]).toMatchObject({ id, active: true });
    expect(schemaErrors('BatchResponseSubscriptionResponse', batch.body)).toEqual([]);

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
