/**
 * Batch upsert by a unique property, through the official Node client (`@hubspot/api-client` 13.5,
 * which calls `/crm/v3/objects/…/batch/upsert`) and on the 2026-03 path, each raw body checked
 * against HubSpot's 2026-03 specs: a unique property names the record, a value no record holds
 * creates one (`new: true`), the same value again updates it (`new: false`), and a create that
 * repeats a unique value is refused. Also the default association PUT that links such a ticket.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import type { RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { describeWithSpecs } from '../support/openapi.js';
import {
  ALL_SCOPES,
  hubspotClient,
  installApp,
  NO_LIMITS,
  startTestSandbox,
} from '../support/sandbox-server.js';
import { rawCall, type RawAnswer, expectConforms } from '../support/raw-calls.js';

type Raw = RawAnswer<
  Record<string, unknown> & {
    results?: { id: string; new?: boolean; properties?: Record<string, string> }[];
  }
>;

const KEY = 'churn_radar_action_key';
const UPSERT = '/crm/objects/2026-03/tickets/batch/upsert';

describeWithSpecs(
  'batch upsert by a unique property, against the 2026-03 specs, through @hubspot/api-client',
  () => {
    let sandbox: RunningSandbox;
    let portal: PortalData;
    let client: Client;
    let contactId: string;

    const raw = (method: string, path: string, body?: unknown) =>
      rawCall<Raw['body']>(client, method, path, body);
    const conforms = expectConforms;
    const ticketsKeyed = (value: string) =>
      [...portal.recordsOf('tickets').values()].filter((t) => t.properties[KEY] === value && !t.archived);
    const ticket = (key: string, subject: string) => ({
      idProperty: KEY,
      id: key,
      properties: { subject, hs_pipeline: '0', hs_pipeline_stage: '1', hs_ticket_priority: 'HIGH' },
    });

    beforeAll(async () => {
      sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101] });
      portal = sandbox.store.portal(101)!;
      // `tickets` alone lets an app create ticket properties, as the properties spec says.
      const tokens = await installApp(sandbox.url, 101, ALL_SCOPES);
      client = hubspotClient(sandbox.url, tokens.access_token);
      contactId = portal.createRecord(
        'contacts',
        { email: 'nora@globex.example' },
        new Date('2026-02-01'),
      ).id;
      await client.crm.properties.groupsApi.create('tickets', { name: 'churn_risk', label: 'Churn risk' });
      const created = await client.crm.properties.coreApi.create('tickets', {
        name: KEY,
        label: 'Churn Radar action key',
        type: 'string' as never,
        fieldType: 'text' as never,
        groupName: 'churn_risk',
        hasUniqueValue: true,
      });
      expect(created.hasUniqueValue).toBe(true);
    });

    afterAll(async () => {
      await sandbox.close();
    });

    it('creates the record no one holds the value of, then updates it by the same value', async () => {
      const first = await client.crm.tickets.batchApi.upsert({
        inputs: [ticket('action-1', 'Check in with Nora')],
      });
      expect(first.results).toHaveLength(1);
      expect(first.results[0]).toMatchObject({
        _new: true,
        properties: { [KEY]: 'action-1', subject: 'Check in with Nora' },
      });
      const again = await client.crm.tickets.batchApi.upsert({
        inputs: [ticket('action-1', 'Check in with Nora, again')],
      });
      expect(again.results[0]).toMatchObject({ id: first.results[0]!.id, _new: false });
      expect(ticketsKeyed('action-1')).toHaveLength(1);
      expect(ticketsKeyed('action-1')[0]!.properties.subject).toBe('Check in with Nora, again');

      const created = await raw('POST', UPSERT, { inputs: [ticket('action-2', 'Raw create')] });
      expect(created.status).toBe(200);
      expect(created.body.results![0]).toMatchObject({ new: true, properties: { [KEY]: 'action-2' } });
      conforms('tickets', 'POST', UPSERT, created);
      const updated = await raw('POST', UPSERT, { inputs: [ticket('ACTION-2', 'Raw update')] });
      expect(updated.body.results![0]).toMatchObject({ id: created.body.results![0]!.id, new: false });
      conforms('tickets', 'POST', UPSERT, updated);
      // The generic objects path and the v3 path the client calls are the same resource.
      const generic = await client.crm.objects.batchApi.upsert('tickets', {
        inputs: [ticket('action-2', 'Generic')],
      });
      expect(generic.results[0]).toMatchObject({ id: created.body.results![0]!.id, _new: false });
      expect(ticketsKeyed('action-2')).toHaveLength(1);
    });

    it('upserts a batch, new and known values together', async () => {
      const answer = await raw('POST', UPSERT, {
        inputs: [ticket('action-1', 'Known'), ticket('action-3', 'New one')],
      });
      expect(answer.status).toBe(200);
      expect(answer.body.results!.map((r) => [r.properties![KEY], r.new])).toEqual([
        ['action-1', false],
        ['action-3', true],
      ]);
      conforms('tickets', 'POST', UPSERT, answer);
    });

    it('refuses an idProperty without unique values, and a batch naming one value twice, writing nothing', async () => {
      const before = portal.recordsOf('tickets').size;
      const notUnique = await raw('POST', UPSERT, {
        inputs: [{ ...ticket('x', 'Nope'), idProperty: 'subject' }],
      });
      expect(notUnique.status).toBe(400);
      expect(notUnique.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
      expect(String(notUnique.body.message)).toContain('subject is not a unique property');
      conforms('tickets', 'POST', UPSERT, notUnique);

      const unnamed = await raw('POST', UPSERT, { inputs: [{ id: 'x', properties: { subject: 'Nope' } }] });
      expect(unnamed.status).toBe(400);
      const twice = await raw('POST', UPSERT, { inputs: [ticket('action-9', 'A'), ticket('action-9', 'B')] });
      expect(twice.status).toBe(400);
      const missing = await raw('POST', UPSERT, {
        inputs: [
          ticket('action-8', 'New'),
          { idProperty: KEY, id: 'action-7', properties: { subject: 'No stage' } },
        ],
      });
      expect(missing.status).toBe(400);
      expect(String(missing.body.message)).toContain('hs_pipeline_stage');
      expect(portal.recordsOf('tickets').size).toBe(before);
      await expect(
        client.crm.tickets.batchApi.upsert({ inputs: [{ ...ticket('x', 'Nope'), idProperty: 'subject' }] }),
      ).rejects.toMatchObject({ code: 400 });
    });

    it('refuses a plain create, or an update, that repeats a unique value another record holds', async () => {
      const holder = ticketsKeyed('action-1')[0]!;
      const before = portal.recordsOf('tickets').size;
      const path = '/crm/objects/2026-03/tickets';
      const create = await raw('POST', path, {
        properties: { subject: 'Second for action-1', hs_pipeline_stage: '1', [KEY]: 'Action-1' },
      });
      expect(create.status).toBe(400);
      expect(create.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
      expect(String(create.body.message)).toContain('already has that value');
      expect(String(create.body.message)).toContain(holder.id);
      conforms('tickets', 'POST', path, create);
      await expect(
        client.crm.tickets.basicApi.create({
          properties: { subject: 'Second for action-1', hs_pipeline_stage: '1', [KEY]: 'action-1' },
        }),
      ).rejects.toMatchObject({ code: 400 });
      const batchCreate = await raw('POST', '/crm/objects/2026-03/tickets/batch/create', {
        inputs: [
          { properties: { subject: 'Twin A', hs_pipeline_stage: '1', [KEY]: 'twin' } },
          { properties: { subject: 'Twin B', hs_pipeline_stage: '1', [KEY]: 'twin' } },
        ],
      });
      expect(batchCreate.status).toBe(400);
      expect(portal.recordsOf('tickets').size).toBe(before);

      const other = ticketsKeyed('action-3')[0]!;
      const update = await raw('PATCH', `${path}/${other.id}`, { properties: { [KEY]: 'action-1' } });
      expect(update.status).toBe(400);
      expect(ticketsKeyed('action-3')).toHaveLength(1);
      const own = await raw('PATCH', `${path}/${holder.id}`, {
        properties: { [KEY]: 'action-1', subject: 'Same key' },
      });
      expect(own.status).toBe(200);
    });

    it('links the upserted ticket to its contact with the default association, as often as asked', async () => {
      const ticketId = ticketsKeyed('action-1')[0]!.id;
      const path = `/crm/objects/2026-03/tickets/${ticketId}/associations/default/contacts/${contactId}`;
      for (let time = 0; time < 2; time += 1) {
        const linked = await raw('PUT', path);
        expect(linked.status).toBe(200);
        expect(linked.body.results).toEqual([
          expect.objectContaining({ from: { id: ticketId }, to: { id: contactId } }),
        ]);
        conforms('tickets', 'PUT', path, linked);
        conforms('associations', 'PUT', path, linked);
      }
      expect(portal.associationsOf('tickets', ticketId, 'contacts').map((a) => a.toId)).toEqual([contactId]);
      expect(portal.associationsOf('contacts', contactId, 'tickets').map((a) => a.toId)).toEqual([ticketId]);
    });
  },
);
