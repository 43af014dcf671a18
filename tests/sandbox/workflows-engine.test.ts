import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Signature } from '@hubspot/api-client';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { SandboxStore, type PortalData } from '../../sandbox/store.js';
import { createWorkflowsRouter } from '../../sandbox/workflows/router.js';
import type { ClosableRouter } from '../../sandbox/webhooks/router.js';
import { callApi, installApp, NO_LIMITS } from '../support/sandbox-server.js';
import { waitForValue } from '../support/processes.js';

const APP = {
  appId: 600,
  clientId: 'client-600',
  clientSecret: 'secret-600-xyz',
  redirectUris: ['http://127.0.0.1:9/oauth/callback'],
};
/** The app's access tokens: for portal 301, for 301 without `automation`, for portal 302. */
const tokens = { portal301: '', portal301NoAutomation: '', portal302: '' };

interface ActionCall {
  path: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  body: {
    callbackId: string;
    origin: { portalId: number; actionDefinitionId: number; actionDefinitionVersion: number };
    context: { source: string; workflowId: number };
    object: { objectId: number; objectType: string; properties: Record<string, string> };
    inputFields: Record<string, unknown>;
  };
}

interface Enrollment {
  objectId: string;
  status: string;
  history: { type: string; stepId: string; state?: string; matched?: string | null; callbackId?: string }[];
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** Polls the sandbox until `read` gives a value. */
const until = <T>(read: () => Promise<T | undefined> | T | undefined): Promise<T> =>
  waitForValue(read, 'the sandbox', { everyMs: 10 });

describe('workflow engine', () => {
  let store: SandboxStore;
  let portal: PortalData;
  let router: ClosableRouter;
  let sandbox: RunningSandbox;
  let sandboxUrl: string;
  let actions: Server;
  let actionsUrl: string;
  const calls: ActionCall[] = [];
  let flakyFailures = 0;
  let workflowId: number;
  const definitionIds: Record<string, string> = {};

  /** The app's action endpoints: each answers the way a real action might. */
  function actionApp(): express.Express {
    const app = express();
    app.use(express.text({ type: '*/*' }));
    app.post('/actions/:name', (req, res) => {
      const rawBody = String(req.body);
      const call: ActionCall = {
        path: req.path,
        url: `${req.protocol}://${req.get('host')}${req.originalUrl}`,
        headers: req.headers,
        rawBody,
        body: JSON.parse(rawBody),
      };
      calls.push(call);
      const email = call.body.object.properties.email ?? '';
      switch (req.params.name) {
        case 'assign':
          return res.json({
            outputFields: {
              group: email.startsWith('control') ? 'control' : 'treatment',
              hs_execution_state: 'SUCCESS',
            },
          });
        case 'offer':
          return res.json({ outputFields: { offerCode: 'SAVE20', hs_execution_state: 'FAIL_CONTINUE' } });
        case 'survey':
          return res.json({ outputFields: { hs_execution_state: 'BLOCK', hs_expiration_duration: 'P1D' } });
        case 'flaky':
          if (flakyFailures++ < 2) return res.status(503).json({ message: 'busy' });
          return res.json({ outputFields: { hs_execution_state: 'SUCCESS' } });
        default:
          return res.status(400).json({ message: 'bad input' });
      }
    });
    return app;
  }

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${sandboxUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const defineAction = async (name: string) => {
    const created = await api(
      'POST',
      `/automation/actions/2026-03/${APP.appId}?hapikey=${APP.clientSecret}`,
      {
        actionUrl: `${actionsUrl}/actions/${name}`,
        published: true,
        objectTypes: ['CONTACT'],
        inputFields: [
          {
            typeDefinition: { name: 'holdoutPercent', type: 'number', fieldType: 'number' },
            isRequired: false,
          },
        ],
        outputFields: [{ typeDefinition: { name: 'group', type: 'string', fieldType: 'text' } }],
        objectRequestOptions: { properties: ['email', 'churn_risk_tier'] },
        labels: { en: { actionName: `Churn ${name}` } },
      },
    );
    expect(created.status).toBe(201);
    definitionIds[name] = created.body.id;
    return created.body.id as string;
  };

  const enrollmentsOf = async (id: number): Promise<Enrollment[]> =>
    (await api('GET', `/_sandbox/portals/301/workflows/${id}/enrollments`)).body.results;

  const enrollmentFor = (id: number, objectId: string, status: string) =>
    until(async () => (await enrollmentsOf(id)).find((e) => e.objectId === objectId && e.status === status));

  const complete = (callbackId: string, outputFields: Record<string, string>, token = tokens.portal301) =>
    api(
      'POST',
      `/automation/actions/callbacks/2026-03/${callbackId}/complete`,
      { outputFields, typedOutputs: {} },
      {
        Authorization: `Bearer ${token}`,
      },
    );

  beforeAll(async () => {
    store = new SandboxStore();
    router = createWorkflowsRouter(store, { retry: { retryDelayMs: 10, maxAttempts: 4 } });
    sandbox = await startSandbox({
      store,
      apps: [{ ...APP }],
      portals: [301, 302],
      extraRouters: [router],
      rateLimits: NO_LIMITS,
    });
    sandboxUrl = sandbox.url;
    portal = store.portal(301)!;
    const scopes = ['oauth', 'automation', 'crm.objects.contacts.write', 'crm.schemas.contacts.write'];
    tokens.portal301 = (await installApp(sandboxUrl, 301, scopes, APP)).access_token;
    tokens.portal301NoAutomation = (await installApp(sandboxUrl, 301, ['oauth'], APP)).access_token;
    tokens.portal302 = (await installApp(sandboxUrl, 302, scopes, APP)).access_token;
    actions = await listen(actionApp());
    actionsUrl = urlOf(actions);
    for (const name of ['assign', 'offer', 'survey', 'flaky', 'broken']) await defineAction(name);

    const created = await api('POST', '/_sandbox/portals/301/workflows', {
      name: 'High churn risk: retention',
      enrollment: { property: 'churn_risk_tier', operator: 'EQ', value: 'high' },
      steps: [
        {
          id: 'assign',
          type: 'action',
          actionDefinitionId: definitionIds.assign,
          inputFields: { holdoutPercent: 50 },
        },
        {
          id: 'route',
          type: 'branch',
          stepId: 'assign',
          outputField: 'group',
          branches: [{ value: 'control', steps: [] }],
          otherwise: [
            { id: 'offer', type: 'action', actionDefinitionId: definitionIds.offer },
            { id: 'survey', type: 'action', actionDefinitionId: definitionIds.survey },
          ],
        },
      ],
    });
    expect(created.status).toBe(201);
    workflowId = created.body.id;
  });

  afterAll(async () => {
    router.close();
    await sandbox.close();
    actions.closeAllConnections();
    await new Promise((resolve) => actions.close(resolve));
  });

  it('enrolls a contact when the app writes its tier as high, and calls the action with a signed, documented payload', async () => {
    const property = await callApi(sandboxUrl, tokens.portal301, 'POST', '/crm/properties/2026-03/contacts', {
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
    });
    expect(property.status).toBe(201);
    const contact = portal.createRecord(
      'contacts',
      { email: 'treatment-1@example.com', churn_risk_tier: 'low' },
      store.now(),
    );
    expect(await enrollmentsOf(workflowId)).toEqual([]);
    const written = await callApi(
      sandboxUrl,
      tokens.portal301,
      'PATCH',
      `/crm/objects/2026-03/contacts/${contact.id}`,
      {
        properties: { churn_risk_tier: 'high' },
      },
    );
    expect(written.status).toBe(200);

    const call = await until(() =>
      calls.find((c) => c.path === '/actions/assign' && c.body.object.objectId === Number(contact.id)),
    );
    expect(call.body).toMatchObject({
      origin: { portalId: 301, actionDefinitionId: Number(definitionIds.assign), actionDefinitionVersion: 1 },
      context: { source: 'WORKFLOWS', workflowId },
      object: {
        objectId: Number(contact.id),
        objectType: 'CONTACT',
        properties: { email: 'treatment-1@example.com', churn_risk_tier: 'high' },
      },
      inputFields: { holdoutPercent: 50 },
    });
    expect(typeof call.body.callbackId).toBe('string');

    expect(call.headers['x-hubspot-signature-version']).toBe('v2');
    const v2 = {
      signatureVersion: 'v2',
      method: 'POST',
      url: call.url,
      requestBody: call.rawBody,
      signature: String(call.headers['x-hubspot-signature']),
    };
    expect(Signature.isValid({ ...v2, clientSecret: APP.clientSecret })).toBe(true);
    expect(Signature.isValid({ ...v2, clientSecret: 'not-the-secret' })).toBe(false);
    expect(
      Signature.isValid({
        signatureVersion: 'v3',
        method: 'POST',
        url: call.url,
        requestBody: call.rawBody,
        clientSecret: APP.clientSecret,
        signature: String(call.headers['x-hubspot-signature-v3']),
        timestamp: Number(call.headers['x-hubspot-request-timestamp']),
      }),
    ).toBe(true);
  });

  it('follows SUCCESS and FAIL_CONTINUE, waits on BLOCK, and resumes when the app completes the callback', async () => {
    const contact = portal.createRecord(
      'contacts',
      { email: 'treatment-2@example.com', churn_risk_tier: 'high' },
      store.now(),
    );
    const waiting = await enrollmentFor(workflowId, contact.id, 'WAITING');
    expect(waiting.history.map((h) => [h.stepId, h.state ?? h.matched])).toEqual([
      ['assign', 'SUCCESS'],
      ['route', null],
      ['offer', 'FAIL_CONTINUE'],
      ['survey', 'BLOCKED'],
    ]);
    const survey = calls.find(
      (c) => c.path === '/actions/survey' && c.body.object.objectId === Number(contact.id),
    )!;
    expect(survey.body.callbackId).toBe(waiting.history[3]!.callbackId);

    const completed = await complete(survey.body.callbackId, {
      hs_execution_state: 'SUCCESS',
      answer: 'too expensive',
    });
    expect(completed.status).toBe(204);
    const done = await enrollmentFor(workflowId, contact.id, 'COMPLETED');
    expect(done.history.at(-1)).toMatchObject({ stepId: 'survey', state: 'SUCCESS' });
    // A second completion of the same callback finds nothing waiting.
    expect((await complete(survey.body.callbackId, { hs_execution_state: 'SUCCESS' })).status).toBe(404);
  });

  it('routes the control group past the treatment steps', async () => {
    const contact = portal.createRecord('contacts', { email: 'control-1@example.com' }, store.now());
    portal.updateRecord('contacts', contact.id, { churn_risk_tier: 'high' }, store.now());
    const done = await enrollmentFor(workflowId, contact.id, 'COMPLETED');
    expect(done.history.map((h) => [h.stepId, h.state ?? h.matched])).toEqual([
      ['assign', 'SUCCESS'],
      ['route', 'control'],
    ]);
    expect(calls.filter((c) => c.body.object.objectId === Number(contact.id)).map((c) => c.path)).toEqual([
      '/actions/assign',
    ]);
  });

  it('enrolls a contact once, and enrolls contacts that already qualified only on re-evaluation', async () => {
    const before = portal.createRecord(
      'contacts',
      { email: 'control-early@example.com', churn_risk_tier: 'high' },
      store.now(),
    );
    const late = await api('POST', '/_sandbox/portals/301/workflows', {
      name: 'Late workflow',
      enrollment: { property: 'churn_risk_tier', operator: 'IN', values: ['high', 'medium'] },
      steps: [{ type: 'action', actionDefinitionId: definitionIds.assign }],
    });
    expect(late.status).toBe(201);
    expect(await enrollmentsOf(late.body.id)).toEqual([]);

    const evaluated = await api('POST', `/_sandbox/portals/301/workflows/${late.body.id}/evaluate`);
    expect(evaluated.body.enrolled).toContain(before.id);
    await enrollmentFor(late.body.id, before.id, 'COMPLETED');

    portal.updateRecord('contacts', before.id, { churn_risk_tier: 'medium' }, store.now());
    portal.updateRecord('contacts', before.id, { churn_risk_tier: 'high' }, store.now());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await enrollmentsOf(late.body.id)).filter((e) => e.objectId === before.id)).toHaveLength(1);
    expect(
      (await api('POST', `/_sandbox/portals/301/workflows/${late.body.id}/evaluate`)).body.enrolled,
    ).toEqual([]);
  });

  it('retries an action that answers 503 and fails the enrollment on a 4xx answer', async () => {
    const flaky = await api('POST', '/_sandbox/portals/301/workflows', {
      name: 'Flaky then broken',
      enrollment: { property: 'lifecyclestage', operator: 'EQ', value: 'customer' },
      steps: [
        { id: 'flaky', type: 'action', actionDefinitionId: definitionIds.flaky },
        { id: 'broken', type: 'action', actionDefinitionId: definitionIds.broken },
        { id: 'never', type: 'action', actionDefinitionId: definitionIds.assign },
      ],
    });
    const contact = portal.createRecord(
      'contacts',
      { email: 'x@example.com', lifecyclestage: 'customer' },
      store.now(),
    );
    const failed = await enrollmentFor(flaky.body.id, contact.id, 'FAILED');
    const [first, second] = failed.history as unknown as {
      state: string;
      attempts: { status: number }[];
      error?: string;
    }[];
    expect(first!.attempts.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(first!.state).toBe('SUCCESS');
    expect(second!.attempts.map((a) => a.status)).toEqual([400]);
    expect(second!.state).toBe('FAILED');
    expect(failed.history).toHaveLength(2);
  });

  it('lets only the installing app, in its portal, with the automation scope complete a callback', async () => {
    const a = portal.createRecord(
      'contacts',
      { email: 'treatment-3@example.com', churn_risk_tier: 'high' },
      store.now(),
    );
    const b = portal.createRecord(
      'contacts',
      { email: 'treatment-4@example.com', churn_risk_tier: 'high' },
      store.now(),
    );
    const callbackIds = await Promise.all(
      [a, b].map(async (c) => (await enrollmentFor(workflowId, c.id, 'WAITING')).history[3]!.callbackId!),
    );
    const path = `/automation/actions/callbacks/2026-03/${callbackIds[0]}/complete`;
    const body = { outputFields: { hs_execution_state: 'SUCCESS' }, typedOutputs: {} };
    expect((await api('POST', path, body)).status).toBe(401);
    const noScope = await api('POST', path, body, {
      Authorization: `Bearer ${tokens.portal301NoAutomation}`,
    });
    expect(noScope.status).toBe(403);
    expect(noScope.body.category).toBe('MISSING_SCOPES');
    expect((await api('POST', path, body, { Authorization: `Bearer ${tokens.portal302}` })).status).toBe(404);
    expect((await complete(callbackIds[0]!, { hs_execution_state: 'MAYBE' })).status).toBe(400);

    const batch = await api(
      'POST',
      '/automation/v4/actions/callbacks/complete',
      {
        inputs: callbackIds.map((callbackId) => ({
          callbackId,
          outputFields: { hs_execution_state: 'SUCCESS' },
          typedOutputs: {},
        })),
      },
      { Authorization: `Bearer ${tokens.portal301}` },
    );
    expect(batch.status).toBe(204);
    await enrollmentFor(workflowId, a.id, 'COMPLETED');
    await enrollmentFor(workflowId, b.id, 'COMPLETED');
  });

  it('refuses a workflow whose steps cannot run, saying why', async () => {
    const refused = await api('POST', '/_sandbox/portals/301/workflows', {
      name: 'Broken',
      enrollment: { property: 'churn_risk_tier', operator: 'EQ', value: 'high' },
      steps: [
        { id: 'x', type: 'action', actionDefinitionId: '999' },
        { type: 'branch', stepId: 'nope', outputField: 'group', branches: [{ value: 'a', steps: [] }] },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('no action definition 999');
    expect(refused.body.message).toContain('not an earlier action step');
    const noValue = await api('POST', '/_sandbox/portals/301/workflows', {
      name: 'No value',
      enrollment: { property: 'churn_risk_tier', operator: 'EQ' },
      steps: [{ type: 'action', actionDefinitionId: definitionIds.assign }],
    });
    expect(noValue.body.errors.map((e: { in: string }) => e.in)).toEqual(['enrollment.value']);
  });
});
