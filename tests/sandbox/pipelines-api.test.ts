/**
 * The sandbox's pipelines API, driven with the official client and by hand; every body checked
 * against HubSpot's `pipelines.json` (2026-03). The SDK calls the numbered `/crm/v3/pipelines`
 * paths, which answer as the dated ones the spec describes.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import { generatePortal } from '../../sandbox/generator/index.js';
import type { RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { describeWithSpecs, spec } from '../support/openapi.js';
import {
  ALL_SCOPES,
  callApi,
  hubspotClient,
  installApp,
  NO_LIMITS,
  startTestSandbox,
  type Tokens,
} from '../support/sandbox-server.js';

const HUB = 101;
const DATED = '/crm/pipelines/2026-03';
const NOW = new Date('2026-03-01T00:00:00.000Z');

interface StageBody {
  id: string;
  label: string;
  displayOrder: number;
  metadata: Record<string, string>;
  archived: boolean;
}
interface PipelineBody {
  id: string;
  label: string;
  displayOrder: number;
  stages: StageBody[];
}

describeWithSpecs('the sandbox pipelines API', () => {
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let tokens: Tokens;
  let client: Client;
  const get = <T>(path: string, token = tokens.access_token) => callApi<T>(sandbox.url, token, 'GET', path);
  /** Problems with an answer, by the dated path's operation in the spec. */
  const errors = (path: string, status: number, body: unknown) =>
    spec('pipelines').responseErrors('GET', path.replace('/crm/v3/pipelines', DATED), status, body);

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [HUB] });
    portal = sandbox.store.portal(HUB)!;
    generatePortal(portal, { contacts: 200, seed: 5, now: NOW });
    tokens = await installApp(sandbox.url, HUB, [...ALL_SCOPES, 'crm.objects.deals.write']);
    client = hubspotClient(sandbox.url, tokens.access_token);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it("lists HubSpot's default ticket pipeline first, with its stages' state, then the portal's own", async () => {
    for (const prefix of [DATED, '/crm/v3/pipelines']) {
      const answer = await get<{ results: PipelineBody[] }>(`${prefix}/tickets`);
      expect(answer.status).toBe(200);
      expect(errors(`${prefix}/tickets`, 200, answer.body)).toEqual([]);
      const [support, custom] = answer.body.results;
      expect(support).toMatchObject({ id: '0', label: 'Support Pipeline', displayOrder: 0 });
      expect(support!.stages.map((s) => [s.id, s.metadata])).toEqual([
        ['1', { ticketState: 'OPEN', isClosed: 'false' }],
        ['2', { ticketState: 'OPEN', isClosed: 'false' }],
        ['3', { ticketState: 'OPEN', isClosed: 'false' }],
        ['4', { ticketState: 'CLOSED', isClosed: 'true' }],
      ]);
      expect(custom!.id).toMatch(/^\d+$/);
      expect(custom!.stages.map((s) => s.metadata.ticketState)).toEqual(['OPEN', 'OPEN', 'OPEN', 'CLOSED']);
      expect(custom!.stages.every((s) => /^\d+$/.test(s.id))).toBe(true);
    }
  });

  it("reads deal pipelines, a pipeline, its stages and one stage through the SDK, in the spec's shapes", async () => {
    const deals = await client.crm.pipelines.pipelinesApi.getAll('deals');
    expect(deals.results.map((p) => p.id)[0]).toBe('default');
    const sales = deals.results[0]!;
    expect(sales.createdAt).toEqual(new Date(0));
    expect(sales.stages.map((s) => [s.id, s.metadata])).toEqual([
      ['appointmentscheduled', { isClosed: 'false', probability: '0.2' }],
      ['qualifiedtobuy', { isClosed: 'false', probability: '0.4' }],
      ['presentationscheduled', { isClosed: 'false', probability: '0.6' }],
      ['decisionmakerboughtin', { isClosed: 'false', probability: '0.8' }],
      ['contractsent', { isClosed: 'false', probability: '0.9' }],
      ['closedwon', { isClosed: 'true', probability: '1.0' }],
      ['closedlost', { isClosed: 'true', probability: '0.0' }],
    ]);
    const custom = deals.results[1]!;
    expect(
      custom.stages.some((s) => s.metadata?.probability === '1.0' && s.metadata.isClosed === 'true'),
    ).toBe(true);

    const one = await client.crm.pipelines.pipelinesApi.getById('deals', custom.id);
    expect(one.stages.map((s) => s.id)).toEqual(custom.stages.map((s) => s.id));
    const stages = await client.crm.pipelines.pipelineStagesApi.getAll('0-3', custom.id);
    expect(stages.results.map((s) => s.id)).toEqual(custom.stages.map((s) => s.id));
    const stage = await client.crm.pipelines.pipelineStagesApi.getById('deals', 'default', 'closedwon');
    expect(stage).toMatchObject({
      id: 'closedwon',
      label: 'Closed Won',
      writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
    });

    for (const path of [
      '/crm/v3/pipelines/deals',
      `/crm/v3/pipelines/deals/${custom.id}`,
      `/crm/v3/pipelines/deals/${custom.id}/stages`,
      '/crm/v3/pipelines/deals/default/stages/closedwon',
      `${DATED}/tickets/0/stages/4`,
    ]) {
      const answer = await get(path);
      expect(answer.status).toBe(200);
      expect(errors(path, 200, answer.body)).toEqual([]);
    }
  });

  it('answers 404 for a pipeline or stage the portal lacks, 400 for an object without pipelines', async () => {
    for (const path of [`${DATED}/tickets/999`, `${DATED}/deals/default/stages/nope`]) {
      const answer = await get<{ category: string }>(path);
      expect(answer.status).toBe(404);
      expect(answer.body.category).toBe('OBJECT_NOT_FOUND');
      expect(errors(path, 404, answer.body)).toEqual([]);
    }
    const contacts = await get<{ category: string }>(`${DATED}/contacts`);
    expect(contacts.status).toBe(400);
    expect(contacts.body.category).toBe('VALIDATION_ERROR');
    await expect(client.crm.pipelines.pipelinesApi.getById('tickets', '999')).rejects.toMatchObject({
      code: 404,
    });
  });

  it('needs a read scope', async () => {
    const bare = await installApp(sandbox.url, HUB, ['oauth']);
    const refused = await get<{ category: string }>(`${DATED}/tickets`, bare.access_token);
    expect(refused.status).toBe(403);
    expect(refused.body.category).toBe('MISSING_SCOPES');
  });

  it('refuses a ticket or deal in a pipeline or stage the portal does not have, and takes its custom ones', async () => {
    const create = (type: string, properties: Record<string, string>) =>
      callApi<{ category: string; id: string; properties: Record<string, string> }>(
        sandbox.url,
        tokens.access_token,
        'POST',
        `/crm/v3/objects/${type}`,
        { properties },
      );
    const custom = [...portal.pipelines.get('tickets')!.values()].find((p) => p.id !== '0')!;
    const refusals = [
      await create('tickets', { subject: 'x', hs_pipeline: '0', hs_pipeline_stage: custom.stages[0]!.id }),
      await create('tickets', { subject: 'x', hs_pipeline: '424242', hs_pipeline_stage: '1' }),
      await create('tickets', { subject: 'x', hs_pipeline_stage: '99' }),
      await create('deals', { dealname: 'x', pipeline: 'default', dealstage: custom.stages[0]!.id }),
    ];
    for (const refused of refusals) {
      expect(refused.status).toBe(400);
      expect(refused.body.category).toBe('VALIDATION_ERROR');
    }
    const filed = await create('tickets', {
      subject: 'Where is my invoice?',
      hs_pipeline: custom.id,
      hs_pipeline_stage: custom.stages[0]!.id,
    });
    expect(filed.status).toBe(201);
    expect(filed.body.properties.hs_pipeline_stage).toBe(custom.stages[0]!.id);
  });
});
