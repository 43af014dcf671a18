/**
 * Enrolling contacts by hand in a sandbox workflow, as HubSpot's "Enroll manually": a workflow
 * without an enrollment condition runs only for the contacts named, and a retried enrollment of a
 * contact already in the workflow changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { SandboxStore, type PortalData } from '../../sandbox/store.js';
import type { ClosableRouter } from '../../sandbox/webhooks/router.js';
import { createWorkflowsRouter } from '../../sandbox/workflows/router.js';
import { installApp, NO_LIMITS } from '../support/sandbox-server.js';
import { waitForValue } from '../support/processes.js';

const APP = {
  appId: 610,
  clientId: 'client-610',
  clientSecret: 'secret-610-xyz',
  redirectUris: ['http://127.0.0.1:9/oauth/callback'],
};
const HUB = 311;

interface Enrollment {
  objectId: string;
  status: string;
}

let store: SandboxStore;
let portal: PortalData;
let router: ClosableRouter;
let sandbox: RunningSandbox;
let actions: Server;
const called: number[] = [];

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function enrollmentsWhenDone(workflowId: number, count: number): Promise<Enrollment[]> {
  return waitForValue(
    async () => {
      const { body } = await api('GET', `/_sandbox/portals/${HUB}/workflows/${workflowId}/enrollments`);
      const results = body.results as Enrollment[];
      return results.length === count && results.every((e) => e.status === 'COMPLETED') ? results : undefined;
    },
    `${count} completed enrollments`,
    { everyMs: 10 },
  );
}

beforeAll(async () => {
  store = new SandboxStore();
  router = createWorkflowsRouter(store, { retry: { retryDelayMs: 10, maxAttempts: 2 } });
  sandbox = await startSandbox({
    store,
    apps: [{ ...APP }],
    portals: [HUB],
    extraRouters: [router],
    rateLimits: NO_LIMITS,
  });
  portal = store.portal(HUB)!;
  await installApp(sandbox.url, HUB, ['oauth', 'automation'], APP);
  const app = express();
  app.use(express.json());
  app.post('/survey', (req, res) => {
    called.push(req.body.object.objectId);
    res.json({ outputFields: { survey_url: 'https://example.com/s/1', hs_execution_state: 'SUCCESS' } });
  });
  actions = await new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
});

afterAll(async () => {
  router.close();
  await sandbox.close();
  actions.closeAllConnections();
  await new Promise((resolve) => actions.close(resolve));
});

describe('a workflow enrolled by hand', () => {
  it('runs for the contacts named, never for a change, and once per contact', async () => {
    const definition = await api('POST', `/automation/v4/actions/${APP.appId}?hapikey=${APP.clientSecret}`, {
      actionUrl: `http://127.0.0.1:${(actions.address() as AddressInfo).port}/survey`,
      published: true,
      objectTypes: ['CONTACT'],
      inputFields: [],
      labels: { en: { actionName: 'Request feedback' } },
    });
    expect(definition.status).toBe(201);
    const workflow = await api('POST', `/_sandbox/portals/${HUB}/workflows`, {
      name: 'Ask for feedback',
      steps: [{ type: 'action', actionDefinitionId: definition.body.id }],
    });
    expect(workflow.status).toBe(201);
    const [a, b, c] = ['a', 'b', 'c'].map((name) =>
      portal.createRecord('contacts', { email: `${name}@example.com` }, store.now()),
    );
    // A change enrolls in workflows with a condition only.
    portal.updateRecord('contacts', c!.id, { churn_risk_tier: 'high' }, store.now());

    const path = `/_sandbox/portals/${HUB}/workflows/${workflow.body.id}/enrollments`;
    const enrolled = await api('POST', path, { objectIds: [a!.id, b!.id] });
    expect(enrolled).toEqual({ status: 200, body: { enrolled: [a!.id, b!.id] } });
    const done = await enrollmentsWhenDone(workflow.body.id, 2);
    expect(done.map((e) => e.objectId).sort()).toEqual([a!.id, b!.id].sort());

    expect(await api('POST', path, { objectIds: [a!.id] })).toEqual({ status: 200, body: { enrolled: [] } });
    expect(called.sort()).toEqual([Number(a!.id), Number(b!.id)].sort());
    // Evaluating a workflow without a condition enrolls nobody.
    const evaluated = await api('POST', `/_sandbox/portals/${HUB}/workflows/${workflow.body.id}/evaluate`);
    expect(evaluated.body).toEqual({ enrolled: [] });
  });

  it('refuses ids that name no contact of the portal, and enrolls none of the list', async () => {
    const workflows = (await api('GET', `/_sandbox/portals/${HUB}/workflows`)).body.results as {
      id: number;
    }[];
    const path = `/_sandbox/portals/${HUB}/workflows/${workflows[0]!.id}/enrollments`;
    const fresh = portal.createRecord('contacts', { email: 'd@example.com' }, store.now());
    const refused = await api('POST', path, { objectIds: [fresh.id, '999999'] });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('has no contact 999999');
    expect((await api('GET', path)).body.results).toHaveLength(2);
    expect((await api('POST', path, { objectIds: [] })).status).toBe(400);
  });
});
