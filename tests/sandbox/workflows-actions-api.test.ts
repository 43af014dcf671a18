import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { SandboxStore } from '../../sandbox/store.js';
import { spec, specsPresent } from '../support/openapi.js';
import { createWorkflowsRouter } from '../../sandbox/workflows/router.js';
import type { ClosableRouter } from '../../sandbox/webhooks/router.js';

/** Problems with `body` as an instance of a schema in HubSpot's 2026-03 actionsV4 spec (none without the specs). */
function schemaErrors(component: string, body: unknown): string[] {
  return specsPresent ? spec('actionsV4').schemaErrors(component, body) : [];
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
  let sandbox: RunningSandbox;
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
    router = createWorkflowsRouter(store);
    sandbox = await startSandbox({ store, apps: [{ ...APP }, { ...OTHER }], extraRouters: [router] });
    base = sandbox.url;
  });

  afterAll(async () => {
    router.close();
    await sandbox.close();
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
