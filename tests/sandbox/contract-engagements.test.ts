/**
 * Notes (0-46) and calls (0-48), HubSpot's engagement objects, through the official Node client
 * (`client.crm.objects.notes` and `.calls`) and on the 2026-03 paths, each raw body checked against
 * the generic objects spec: HubSpot's default properties, the timestamp a create needs, and the
 * default association types to and from contacts, companies, deals and tickets, made inline on
 * create or afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum as NoteCategory } from '@hubspot/api-client/lib/codegen/crm/objects/notes/index.js';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects/calls/index.js';
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
    id?: string;
    properties?: Record<string, string | null>;
    results?: { id: string; properties: Record<string, string | null> }[];
  }
>;

const AT = new Date('2026-02-01T00:00:00Z');
const NOTES = '/crm/objects/2026-03/notes';
const CALLS = '/crm/objects/2026-03/calls';

describeWithSpecs('notes and calls against the 2026-03 objects spec, through @hubspot/api-client', () => {
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let client: Client;
  let ids: { contact: string; company: string; deal: string; ticket: string };

  const raw = (method: string, path: string, body?: unknown) =>
    rawCall<Raw['body']>(client, method, path, body);
  const conforms = expectConforms;
  const typeIds = (from: Parameters<PortalData['associationsOf']>[0], id: string, to: typeof from) =>
    portal.associationsOf(from, id, to).map((a) => `${a.toId}:${a.typeId}`);

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101, 202], searchIndexLagMs: 0 });
    portal = sandbox.store.portal(101)!;
    client = hubspotClient(sandbox.url, (await installApp(sandbox.url, 101, ALL_SCOPES)).access_token);
    ids = {
      contact: portal.createRecord('contacts', { email: 'ann@acme.example' }, AT).id,
      company: portal.createRecord('companies', { name: 'Acme' }, AT).id,
      deal: portal.createRecord('deals', { dealname: 'Renewal 2026' }, AT).id,
      ticket: portal.createRecord('tickets', { subject: 'Login broken', hs_pipeline_stage: '1' }, AT).id,
    };
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe('notes', () => {
    it('creates a note with its associations inline, linked both ways by the default type ids', async () => {
      const note = await client.crm.objects.notes.basicApi.create({
        properties: { hs_timestamp: '2026-02-03T10:00:00.000Z', hs_note_body: 'Asked about the renewal.' },
        associations: [
          {
            to: { id: ids.contact },
            types: [{ associationCategory: NoteCategory.HubspotDefined, associationTypeId: 202 }],
          },
          {
            to: { id: ids.company },
            types: [{ associationCategory: NoteCategory.HubspotDefined, associationTypeId: 190 }],
          },
        ],
      });
      expect(note.properties).toMatchObject({
        hs_note_body: 'Asked about the renewal.',
        hs_timestamp: '2026-02-03T10:00:00.000Z',
        hs_object_id: note.id,
      });
      expect(typeIds('notes', note.id, 'contacts')).toEqual([`${ids.contact}:202`]);
      expect(typeIds('contacts', ids.contact, 'notes')).toEqual([`${note.id}:201`]);
      expect(typeIds('notes', note.id, 'companies')).toEqual([`${ids.company}:190`]);
      expect(typeIds('companies', ids.company, 'notes')).toEqual([`${note.id}:189`]);

      const dated = await raw('POST', NOTES, {
        properties: { hs_timestamp: '1770112800000', hs_note_body: 'Second call booked.' },
        associations: [
          {
            to: { id: ids.deal },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 214 }],
          },
          {
            to: { id: ids.ticket },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 228 }],
          },
        ],
      });
      expect(dated.status).toBe(201);
      conforms('objects', 'POST', NOTES, dated);
      expect(dated.body.properties!.hs_timestamp).toBe('2026-02-03T10:00:00.000Z');
      expect(typeIds('deals', ids.deal, 'notes')).toEqual([`${dated.body.id}:213`]);
      expect(typeIds('tickets', ids.ticket, 'notes')).toEqual([`${dated.body.id}:227`]);

      const read = await raw('GET', `${NOTES}/${note.id}?properties=hs_note_body&associations=contacts`);
      conforms('objects', 'GET', `${NOTES}/${note.id}`, read);
      expect(read.body).toMatchObject({
        properties: { hs_note_body: 'Asked about the renewal.' },
        associations: { contacts: { results: [{ id: ids.contact, type: 'note_to_contact' }] } },
      });
      const byTypeId = await raw('GET', `/crm/objects/2026-03/0-46/${note.id}`);
      expect(byTypeId.status).toBe(200);
      const fromContact = await client.crm.associations.v4.basicApi.getPage('contacts', ids.contact, 'notes');
      expect(fromContact.results.map((r) => [String(r.toObjectId), r.associationTypes[0]!.typeId])).toEqual([
        [note.id, 201],
      ]);
      const labels = await raw('GET', '/crm/associations/2026-03/notes/contacts/labels');
      conforms('associationsSchema', 'GET', '/crm/associations/2026-03/notes/contacts/labels', labels);
      expect(labels.body.results).toEqual([{ category: 'HUBSPOT_DEFINED', typeId: 202, label: null }]);
    });

    it('refuses a note without hs_timestamp, as HubSpot does, creating nothing', async () => {
      const before = portal.recordsOf('notes').size;
      const refused = await raw('POST', NOTES, { properties: { hs_note_body: 'No date' }, associations: [] });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ category: 'VALIDATION_ERROR' });
      expect(JSON.stringify(refused.body)).toContain('hs_timestamp');
      conforms('objects', 'POST', NOTES, refused);
      await expect(
        client.crm.objects.notes.batchApi.create({
          inputs: [{ properties: { hs_note_body: 'No date either' }, associations: [] }],
        }),
      ).rejects.toMatchObject({ code: 400 });
      expect(portal.recordsOf('notes').size).toBe(before);
    });

    it("lists HubSpot's note properties and pages, updates and archives notes", async () => {
      const properties = await client.crm.properties.coreApi.getAll('notes');
      expect(properties.results.map((p) => p.name)).toEqual(
        expect.arrayContaining(['hs_timestamp', 'hs_note_body', 'hubspot_owner_id', 'hs_attachment_ids']),
      );
      const page = await raw('GET', `${NOTES}?limit=1&properties=hs_note_body`);
      conforms('objects', 'GET', NOTES, page);
      expect(page.body.results).toHaveLength(1);
      expect(page.body.paging).toBeDefined();
      const sdkPage = await client.crm.objects.notes.basicApi.getPage(10);
      const noteId = sdkPage.results[0]!.id;
      const updated = await client.crm.objects.notes.basicApi.update(noteId, {
        properties: { hs_note_body: 'Renewal agreed.', hs_attachment_ids: '1001;1002' },
      });
      expect(updated.properties).toMatchObject({
        hs_note_body: 'Renewal agreed.',
        hs_attachment_ids: '1001;1002',
      });
      await client.crm.objects.notes.basicApi.archive(noteId);
      expect(portal.recordsOf('notes').get(noteId)!.archived).toBe(true);
    });
  });

  describe('calls', () => {
    let callIds: string[];

    it("batch-creates calls with HubSpot's call properties, and refuses values outside them", async () => {
      const created = await client.crm.objects.calls.batchApi.create({
        inputs: [
          {
            properties: {
              hs_timestamp: '2026-02-04T09:00:00.000Z',
              hs_call_title: 'Renewal check-in',
              hs_call_body: 'Budget is tight this year.',
              hs_call_direction: 'OUTBOUND',
              hs_call_disposition: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
              hs_call_duration: '754000',
              hs_call_status: 'COMPLETED',
            },
            associations: [
              {
                to: { id: ids.contact },
                types: [{ associationCategory: NoteCategory.HubspotDefined, associationTypeId: 194 }],
              },
            ],
          },
          {
            properties: {
              hs_timestamp: '2026-02-05T09:00:00.000Z',
              hs_call_title: 'Follow-up',
              hs_call_direction: 'INBOUND',
              hs_call_status: 'NO_ANSWER',
            },
            associations: [],
          },
        ],
      });
      callIds = created.results.map((call) => call.id);
      expect(callIds).toHaveLength(2);
      expect(typeIds('calls', callIds[0]!, 'contacts')).toEqual([`${ids.contact}:194`]);
      expect(typeIds('contacts', ids.contact, 'calls')).toEqual([`${callIds[0]}:193`]);

      const batchPath = `${CALLS}/batch/create`;
      const wrong = await raw('POST', batchPath, {
        inputs: [
          {
            properties: { hs_timestamp: '2026-02-06T09:00:00.000Z', hs_call_status: 'HUNG_UP' },
            associations: [],
          },
        ],
      });
      expect(wrong.status).toBe(400);
      expect(JSON.stringify(wrong.body)).toContain('INVALID_OPTION');
      conforms('objects', 'POST', batchPath, wrong);
      const noTimestamp = await raw('POST', CALLS, {
        properties: { hs_call_title: 'When?' },
        associations: [],
      });
      expect(noTimestamp.status).toBe(400);
      conforms('objects', 'POST', CALLS, noTimestamp);
      expect(portal.recordsOf('calls').size).toBe(2);
    });

    it('reads, searches and updates calls; answers 404 for an unknown one', async () => {
      const readPath = `${CALLS}/batch/read`;
      const read = await raw('POST', readPath, {
        inputs: [{ id: callIds[0] }, { id: '999999999' }],
        properties: ['hs_call_duration', 'hs_call_direction'],
      });
      expect(read.status).toBe(207);
      conforms('objects', 'POST', readPath, read);
      expect(read.body.results![0]!.properties).toMatchObject({
        hs_call_duration: '754000',
        hs_call_direction: 'OUTBOUND',
      });

      const found = await client.crm.objects.calls.searchApi.doSearch({
        filterGroups: [
          {
            filters: [
              { propertyName: 'hs_call_status', operator: FilterOperatorEnum.Eq, value: 'COMPLETED' },
            ],
          },
        ],
        properties: ['hs_call_title'],
        limit: 10,
      });
      expect(found.results.map((call) => call.id)).toEqual([callIds[0]]);
      const byText = await raw('POST', `${CALLS}/search`, { query: 'budget', properties: ['hs_call_title'] });
      conforms('objects', 'POST', `${CALLS}/search`, byText);
      expect(byText.body.results!.map((call) => call.id)).toEqual([callIds[0]]);

      const updated = await client.crm.objects.calls.basicApi.update(callIds[1]!, {
        properties: { hs_call_status: 'BUSY', hs_call_disposition: '9d9162e7-6cf3-4944-bf63-4dff82258764' },
      });
      expect(updated.properties).toMatchObject({ hs_call_status: 'BUSY' });
      const missing = await raw('GET', `${CALLS}/999999999`);
      expect(missing.status).toBe(404);
      conforms('objects', 'GET', `${CALLS}/999999999`, missing);
      const byTypeId = await raw('GET', `/crm/objects/2026-03/0-48/${callIds[1]}?properties=hs_call_status`);
      expect(byTypeId.body.properties).toMatchObject({ hs_call_status: 'BUSY' });
    });

    it('links calls to companies, deals and tickets by their default types, both ways', async () => {
      const toDeal = await client.crm.associations.v4.basicApi.createDefault(
        'calls',
        callIds[1]!,
        'deals',
        ids.deal,
      );
      expect(toDeal.results[0]!.associationSpec.associationTypeId).toBe(206);
      expect(typeIds('deals', ids.deal, 'calls')).toEqual([`${callIds[1]}:205`]);
      await client.crm.associations.v4.basicApi.createDefault('calls', callIds[1]!, 'tickets', ids.ticket);
      expect(typeIds('tickets', ids.ticket, 'calls')).toEqual([`${callIds[1]}:219`]);
      expect(typeIds('calls', callIds[1]!, 'tickets')).toEqual([`${ids.ticket}:220`]);
      const batchPath = '/crm/associations/2026-03/calls/companies/batch/create';
      const linked = await raw('POST', batchPath, {
        inputs: [
          {
            from: { id: callIds[0] },
            to: { id: ids.company },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 182 }],
          },
        ],
      });
      expect(linked.status).toBe(201);
      conforms('associations', 'POST', batchPath, linked);
      expect(typeIds('companies', ids.company, 'calls')).toEqual([`${callIds[0]}:181`]);
      const readPath = '/crm/associations/2026-03/calls/contacts/batch/read';
      const read = await raw('POST', readPath, { inputs: [{ id: callIds[0] }] });
      conforms('associations', 'POST', readPath, read);
      expect(read.body.results).toEqual([
        {
          from: { id: callIds[0] },
          to: [
            {
              toObjectId: ids.contact,
              associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 194, label: null }],
            },
          ],
        },
      ]);
    });

    it('needs the contact scopes, as HubSpot guides for notes and calls say', async () => {
      const readOnly = hubspotClient(
        sandbox.url,
        (await installApp(sandbox.url, 202, ['oauth', 'crm.objects.contacts.read'])).access_token,
      );
      await expect(readOnly.crm.objects.calls.basicApi.getPage()).resolves.toMatchObject({ results: [] });
      await expect(
        readOnly.crm.objects.calls.basicApi.create({
          properties: { hs_timestamp: '2026-02-06T09:00:00.000Z' },
          associations: [],
        }),
      ).rejects.toMatchObject({ code: 403 });
    });
  });
});
