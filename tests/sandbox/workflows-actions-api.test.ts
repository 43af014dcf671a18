import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { SandboxStore } from '../../sandbox/store.js';
import { createWorkflowsRouter } from '../../sandbox/workflows/router.js';
import type { ClosableRouter } from '../../sandbox/webhooks/router.js';

const SPEC_FILE = new URL('../../../shared/hubspot/specs/2026-03/actionsV4.json', import.meta.url);
const specPresent = existsSync(SPEC_FILE);
if (!specPresent) console.warn(`HubSpot specs absent (${SPEC_FILE.pathname}): schema checks skipped`);

/** Validates a body against a component schema of HubSpot's 2026-03 automation actions spec. */
function schemaErrors(component: string, body: unknown): string[] {
  if (!specPresent) return [];
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  for (const format of ['int32', 'int64']) ajv.addFormat(format, true);
  ajv.addSchema(JSON.parse(readFileSync(SPEC_FILE, 'utf8')), 'spec');
  const validate = ajv.getSchema(`spec#/components/schemas/${component}`)!;
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const APP = { appId: 808, clientId: 'c-808', clientSecret: 'dev-808', redirectUris: [] };
const OTHER = { appId: 909, clientId: 'c-909', clientSecret: 'dev-909', redirectUris: [] };

const EGG = {
  actionUrl: 'https://churn.example.com/hubspot/actions/offer',
  published: true,
  objectTypes: ['CONTACT'],
  inputFields: [
    {
      typeDefinition: { name: 'holdoutPercent', type: 'number', fieldType: 'number' },
      supportedValueTypes: ['STATIC_VALUE'],
      isRequired: false,
    },
  ],
  outputFields: [
    {
      typeDefinition: {
        name: 'group',
        type: 'enumeration',
        fieldType: 'select',
        options: [
          { label: 'Control', value: 'control' },
          { label: 'Treatment', value: 'treatment' },
        ],
      },
    },
  ],
  objectRequestOptions: { properties: ['email', 'churn_risk_score'] },
  labels: {
    en: {
      actionName: 'Send retention offer',
      inputFieldLabels: { holdoutPercent: 'Holdout %' },
      outputFieldLabels: { group: 'Group' },
    },
  },
  functions: [],
};

describe('custom action definitions API', () => {
  let router: ClosableRouter;
  let server: Server;
  let base: string;

  const call = async (method: string, path: string, body?: unknown, key = APP.clientSecret) => {
    const separator = path.includes('?') ? '&' : '?';
    const response = await fetch(`${base}${path}${separator}hapikey=${key}`, {
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
    store.registerApp({ ...OTHER });
    router = createWorkflowsRouter(store, { lookupAccessToken: () => undefined });
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

  it('creates a definition and returns it in the documented shape, on both API versions', async () => {
    const created = await call('POST', `/automation/actions/2026-03/${APP.appId}`, EGG);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ actionUrl: EGG.actionUrl, published: true, revisionId: '1' });
    expect(schemaErrors('PublicActionDefinition', created.body)).toEqual([]);

    const viaV4 = await call('GET', `/automation/v4/actions/${APP.appId}/${created.body.id}`);
    expect(viaV4.body).toEqual(created.body);
  });

  it('pages the list and keeps one app from seeing another app’s definitions', async () => {
    for (let i = 0; i < 3; i += 1) await call('POST', `/automation/actions/2026-03/${APP.appId}`, EGG);
    const first = await call('GET', `/automation/actions/2026-03/${APP.appId}?limit=2`);
    expect(first.body.results).toHaveLength(2);
    expect(schemaErrors('CollectionResponsePublicActionDefinitionForwardPaging', first.body)).toEqual([]);
    const second = await call(
      'GET',
      `/automation/actions/2026-03/${APP.appId}?limit=2&after=${first.body.paging.next.after}`,
    );
    const ids = [...first.body.results, ...second.body.results].map((d: { id: string }) => d.id);
    expect(new Set(ids).size).toBe(4);
    expect(second.body.paging).toBeUndefined();

    const other = await call(
      'GET',
      `/automation/actions/2026-03/${OTHER.appId}`,
      undefined,
      OTHER.clientSecret,
    );
    expect(other.body.results).toEqual([]);
    expect(
      (
        await call(
          'GET',
          `/automation/actions/2026-03/${OTHER.appId}/${ids[0]}`,
          undefined,
          OTHER.clientSecret,
        )
      ).status,
    ).toBe(404);
    expect(
      (await call('GET', `/automation/actions/2026-03/${APP.appId}`, undefined, OTHER.clientSecret)).status,
    ).toBe(401);
  });

  it('updates with a new revision and archives', async () => {
    const created = await call('POST', `/automation/actions/2026-03/${APP.appId}`, EGG);
    const path = `/automation/actions/2026-03/${APP.appId}/${created.body.id}`;
    const patched = await call('PATCH', path, {
      published: false,
      actionUrl: 'https://churn.example.com/v2/offer',
    });
    expect(patched.body).toMatchObject({
      published: false,
      actionUrl: 'https://churn.example.com/v2/offer',
      revisionId: '2',
    });
    const revisions = await call('GET', `${path}/revisions`);
    expect(revisions.body.results.map((r: { revisionId: string }) => r.revisionId)).toEqual(['1', '2']);
    expect(schemaErrors('CollectionResponsePublicActionRevisionForwardPaging', revisions.body)).toEqual([]);

    expect((await call('DELETE', path)).status).toBe(204);
    const active = await call('GET', `/automation/actions/2026-03/${APP.appId}`);
    expect(active.body.results.map((d: { id: string }) => d.id)).not.toContain(created.body.id);
    const archived = await call('GET', `/automation/actions/2026-03/${APP.appId}?archived=true`);
    expect(archived.body.results.map((d: { id: string }) => d.id)).toEqual([created.body.id]);
    expect(typeof archived.body.results[0].archivedAt).toBe('number');
  });

  it('names each invalid field of a bad definition', async () => {
    const bad = await call('POST', `/automation/actions/2026-03/${APP.appId}`, {
      ...EGG,
      actionUrl: 'ftp://nope',
      labels: { en: {} },
      inputFields: [{ typeDefinition: { name: 'x', type: 'texty' }, isRequired: false }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.category).toBe('VALIDATION_ERROR');
    expect(bad.body.errors.map((e: { in: string }) => e.in).sort()).toEqual([
      'actionUrl',
      'inputFields.0.typeDefinition.type',
      'labels.en.actionName',
    ]);
  });
});
