/**
 * The "lost answer" fault of both sandboxes: the request is carried out for real, and the caller
 * gets a gateway's 504 instead of the answer (a timeout or a reset after the CRM committed), so a
 * client's retry of a create meets the record the first try made. Drawn from the fault's seeded
 * PRNG, as the 5xx share is.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../../sandbox/main.js';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../../sandbox/salesforce/main.js';
import type { SalesforceOrg } from '../../sandbox/salesforce/store.js';
import { callApi, installApp, NO_LIMITS, startTestSandbox } from '../support/sandbox-server.js';

const TICKETS = '/crm/objects/2026-03/tickets';

async function send(url: string, method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

describe('HubSpot sandbox: a lost answer', () => {
  let sandbox: RunningSandbox;
  let token: string;
  const faults = '/_sandbox/portals/101/faults';
  const tickets = () => [...sandbox.store.portal(101)!.recordsOf('tickets').values()];
  const newTicket = (subject: string) =>
    callApi(sandbox.url, token, 'POST', TICKETS, {
      properties: { subject, hs_pipeline: '0', hs_pipeline_stage: '1' },
    });

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS });
    token = (await installApp(sandbox.url, 101)).access_token;
  });
  afterAll(async () => {
    await sandbox.close();
  });
  afterEach(async () => {
    await send(sandbox.url, 'DELETE', faults);
  });

  it('carries the create out and answers 504 in HubSpot’s error shape instead', async () => {
    expect((await send(sandbox.url, 'POST', faults, { lostAnswerRate: 1 })).status).toBe(200);
    const lost = await newTicket('Lost on the way back');
    expect(lost.status).toBe(504);
    expect(lost.body).toMatchObject({
      status: 'error',
      category: 'INTERNAL_ERROR',
      correlationId: expect.any(String),
    });
    expect(lost.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    expect(tickets().filter((t) => t.properties.subject === 'Lost on the way back')).toHaveLength(1);

    const state = JSON.parse((await send(sandbox.url, 'GET', faults)).text) as Record<string, unknown>;
    expect(state).toMatchObject({ lostAnswerRate: 1, answersLost: 1, errorsInjected: 0 });

    await send(sandbox.url, 'POST', faults, { lostAnswerRate: 0 });
    const answered = await newTicket('Answered');
    expect(answered.status).toBe(201);
    expect(answered.body).toMatchObject({ properties: { subject: 'Answered' } });
  });

  it('loses a seeded share of answers, the same requests for the same seed', async () => {
    const run = async () => {
      await send(sandbox.url, 'POST', faults, { lostAnswerRate: 0.3, seed: 7 });
      const statuses: number[] = [];
      for (let index = 0; index < 60; index += 1) statuses.push((await newTicket(`Share ${index}`)).status);
      return statuses;
    };
    const before = tickets().length;
    const first = await run();
    const lost = first.filter((status) => status === 504).length;
    expect(lost).toBeGreaterThan(5);
    expect(lost).toBeLessThan(35);
    expect(first.every((status) => status === 201 || status === 504)).toBe(true);
    // Every request was carried out, answered or not.
    expect(tickets().length - before).toBe(60);
    expect(await run()).toEqual(first);
  });

  it('is validated like the other faults', async () => {
    expect((await send(sandbox.url, 'POST', faults, { lostAnswerRate: 1.5 })).status).toBe(400);
    expect((await send(sandbox.url, 'POST', faults, { lostAnswerRate: -0.1 })).status).toBe(400);
  });
});

describe('Salesforce sandbox: a lost answer', () => {
  const APP = {
    clientId: 'lost-answer-client',
    clientSecret: 'lost-answer-secret',
    redirectUris: ['https://a.example/cb'],
  };
  const V = '/services/data/v64.0';
  let sandbox: RunningSalesforceSandbox;
  let org: SalesforceOrg;
  let token: string;
  const faults = () => `/_sandbox/salesforce/orgs/${org.orgId}/faults`;
  const cases = (subject: string) =>
    [...org.records('Case')].filter((c) => c.fields.Subject === subject && c.fields.IsDeleted !== true);

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ apps: [APP], orgs: 1 });
    org = [...sandbox.store.orgs.values()][0]!;
    const issued = await send(sandbox.instanceUrl, 'POST', `/_sandbox/salesforce/orgs/${org.orgId}/tokens`, {
      clientId: APP.clientId,
    });
    token = (JSON.parse(issued.text) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await sandbox.close();
  });
  afterEach(async () => {
    await send(sandbox.instanceUrl, 'DELETE', faults());
  });

  it('carries the create out and answers the gateway’s 504 page, not Salesforce’s JSON', async () => {
    expect((await send(sandbox.instanceUrl, 'POST', faults(), { lostAnswerRate: 1 })).status).toBe(200);
    const lost = await send(
      sandbox.instanceUrl,
      'POST',
      `${V}/sobjects/Case`,
      { Subject: 'Lost case' },
      token,
    );
    expect(lost.status).toBe(504);
    expect(lost.type).toMatch(/^text\/html/);
    expect(lost.text).toContain('504 Gateway Time-out');
    expect(cases('Lost case')).toHaveLength(1);
    const state = JSON.parse((await send(sandbox.instanceUrl, 'GET', faults())).text) as Record<
      string,
      unknown
    >;
    expect(state).toMatchObject({ lostAnswerRate: 1, answersLost: 1 });

    await send(sandbox.instanceUrl, 'POST', faults(), { lostAnswerRate: 0 });
    const answered = await send(
      sandbox.instanceUrl,
      'POST',
      `${V}/sobjects/Case`,
      { Subject: 'Answered case' },
      token,
    );
    expect(answered.status).toBe(201);
    expect(cases('Answered case')).toHaveLength(1);
  });
});
