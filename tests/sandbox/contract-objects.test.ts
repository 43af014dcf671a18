import { it, expect, beforeAll, afterAll } from '@jest/globals';
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

type Raw = RawAnswer<Record<string, unknown> & { results?: { id: string }[] }>;

describeWithSpecs(
  'CRM object responses against the 2026-03 OpenAPI specs, through @hubspot/api-client',
  () => {
    let sandbox: RunningSandbox;
    let portal: PortalData;
    let client: Client;
    let contactId: string;
    let companyId: string;

    /** A call through the SDK's own request path (`apiRequest`), returning the raw JSON body. */
    const raw = (method: string, path: string, body?: unknown) =>
      rawCall<Raw['body']>(client, method, path, body);
    const conforms = expectConforms;

    beforeAll(async () => {
      sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101] });
      portal = sandbox.store.portal(101)!;
      const tokens = await installApp(sandbox.url, 101, [...ALL_SCOPES, 'crm.objects.deals.write']);
      client = hubspotClient(sandbox.url, tokens.access_token);
      const at = new Date('2026-02-01T00:00:00Z');
      companyId = portal.createRecord(
        'companies',
        { name: 'Globex', domain: 'globex.example', numberofemployees: '250' },
        at,
      ).id;
      for (let index = 0; index < 15; index += 1) {
        const contact = portal.createRecord(
          'contacts',
          { email: `c${index}@globex.example`, firstname: `C${index}` },
          at,
        );
        portal.associate('contacts', contact.id, 'companies', companyId, [279, 280]);
        contactId ??= contact.id;
      }
      const ticket = portal.createRecord(
        'tickets',
        { subject: 'Login broken', hs_ticket_priority: 'HIGH' },
        at,
      );
      portal.associate('contacts', contactId, 'tickets', ticket.id, [15, 16]);
      portal.createRecord(
        'emails',
        { hs_email_direction: 'EMAIL', hs_email_status: 'SENT', hs_timestamp: at.toISOString() },
        at,
      );
      portal.createRecord('deals', { dealname: 'Renewal', dealstage: 'closedlost', amount: '900' }, at);
      portal.createRecord('feedback_submissions', { hs_survey_type: 'NPS', hs_response_value: '9' }, at);
    });

    afterAll(async () => {
      await sandbox.close();
    });

    it('lists and reads contacts: the typed client parses them, the raw bodies fit the spec', async () => {
      const page = await client.crm.contacts.basicApi.getPage(5, undefined, ['email', 'phone'], undefined, [
        'companies',
      ]);
      expect(page.results).toHaveLength(5);
      expect(page.results[0]!.associations?.companies?.results[0]?.id).toBe(companyId);
      expect(page.paging?.next?.after).toEqual(expect.any(String));
      const one = await client.crm.contacts.basicApi.getById(contactId, ['email']);
      expect(one.properties.email).toBe('c0@globex.example');

      const listPath = '/crm/objects/2026-03/contacts?limit=5&properties=email,phone&associations=companies';
      conforms('contacts', 'GET', listPath, await raw('GET', listPath));
      const onePath = `/crm/objects/2026-03/contacts/${contactId}?properties=email`;
      conforms('contacts', 'GET', onePath, await raw('GET', onePath));
    });

    it('creates and updates a contact', async () => {
      const created = await client.crm.contacts.basicApi.create({
        properties: { email: 'sdk@globex.example', lifecyclestage: 'customer' },
        associations: [
          {
            to: { id: companyId },
            types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 279 }],
          },
        ],
      });
      expect(created.properties.lifecyclestage).toBe('customer');
      const updated = await client.crm.contacts.basicApi.update(created.id, {
        properties: { lifecyclestage: 'other' },
      });
      expect(updated.properties.lifecyclestage).toBe('other');

      const createdRaw = await raw('POST', '/crm/objects/2026-03/contacts', {
        properties: { email: 'raw@globex.example' },
      });
      expect(createdRaw.status).toBe(201);
      conforms('contacts', 'POST', '/crm/objects/2026-03/contacts', createdRaw);
      const patchPath = `/crm/objects/2026-03/contacts/${String(createdRaw.body.id)}`;
      conforms(
        'contacts',
        'PATCH',
        patchPath,
        await raw('PATCH', patchPath, { properties: { firstname: 'Raw' } }),
      );
    });

    it('answers batch read, create and update, with 207 bodies for unknown ids', async () => {
      const read = await client.crm.contacts.batchApi.read({
        inputs: [{ id: contactId }, { id: '1' }],
        properties: ['email'],
        propertiesWithHistory: [],
      });
      expect(read.results.map((record) => record.id)).toEqual([contactId]);
      expect('errors' in read && read.errors?.[0]?.category).toBe('OBJECT_NOT_FOUND');

      const batchRead = '/crm/objects/2026-03/contacts/batch/read';
      const full = await raw('POST', batchRead, {
        inputs: [{ id: contactId }],
        properties: ['email'],
        propertiesWithHistory: [],
      });
      expect(full.status).toBe(200);
      conforms('contacts', 'POST', batchRead, full);
      const partial = await raw('POST', batchRead, {
        inputs: [{ id: contactId }, { id: '1' }],
        properties: [],
        propertiesWithHistory: [],
      });
      expect(partial.status).toBe(207);
      conforms('contacts', 'POST', batchRead, partial);

      const batchCreate = '/crm/objects/2026-03/contacts/batch/create';
      const created = await raw('POST', batchCreate, {
        inputs: [{ properties: { email: 'b1@globex.example' }, associations: [] }],
      });
      expect(created.status).toBe(201);
      conforms('contacts', 'POST', batchCreate, created);

      const batchUpdate = '/crm/objects/2026-03/contacts/batch/update';
      const updated = await raw('POST', batchUpdate, {
        inputs: [
          { id: contactId, properties: { firstname: 'First' } },
          { id: '2', properties: {} },
        ],
      });
      expect(updated.status).toBe(207);
      conforms('contacts', 'POST', batchUpdate, updated);
      const sdkUpdate = await client.crm.contacts.batchApi.update({
        inputs: [{ id: contactId, properties: { jobtitle: 'CTO' } }],
      });
      expect(sdkUpdate.results[0]!.properties.jobtitle).toBe('CTO');
    });

    it('reads property histories (list, get, batch read) in the specs shapes, and refuses more than 50', async () => {
      const changed = portal.createRecord(
        'contacts',
        { email: 'history@globex.example', lifecyclestage: 'lead' },
        new Date('2026-02-01T00:00:00Z'),
      );
      portal.updateRecord(
        'contacts',
        changed.id,
        { lifecyclestage: 'customer' },
        new Date('2026-02-10T00:00:00Z'),
      );
      await client.crm.contacts.basicApi.update(changed.id, { properties: { lifecyclestage: 'other' } });
      const history = 'propertiesWithHistory=lifecyclestage,email';

      const listPath = `/crm/objects/2026-03/contacts?limit=50&${history}`;
      const list = await raw('GET', listPath);
      expect(list.status).toBe(200);
      conforms('contacts', 'GET', listPath, list);
      const onePath = `/crm/objects/2026-03/contacts/${changed.id}?${history}`;
      const one = await raw('GET', onePath);
      expect((one.body.propertiesWithHistory as Record<string, unknown[]>).lifecyclestage).toHaveLength(3);
      conforms('contacts', 'GET', onePath, one);

      const batchRead = '/crm/objects/2026-03/contacts/batch/read';
      const read = await raw('POST', batchRead, {
        inputs: [{ id: changed.id }, { id: contactId }, { id: '1' }],
        properties: ['email'],
        propertiesWithHistory: ['lifecyclestage', 'email'],
      });
      expect(read.status).toBe(207);
      conforms('contacts', 'POST', batchRead, read);
      const tooMany = await raw('POST', batchRead, {
        inputs: Array.from({ length: 51 }, (_, index) => ({ id: String(index + 1) })),
        properties: [],
        propertiesWithHistory: ['lifecyclestage'],
      });
      expect(tooMany.status).toBe(400);
      conforms('contacts', 'POST', batchRead, tooMany);
    });

    it('searches contacts', async () => {
      const found = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [
          {
            filters: [
              { propertyName: 'email', operator: 'CONTAINS_TOKEN' as never, value: '*@globex.example' },
            ],
          },
        ],
        sorts: ['-createdate'],
        properties: ['email'],
        limit: 3,
        after: '0',
      });
      expect(found.total).toBeGreaterThanOrEqual(15);
      expect(found.results).toHaveLength(3);
      const path = '/crm/objects/2026-03/contacts/search';
      const answer = await raw('POST', path, {
        filterGroups: [{ filters: [{ propertyName: 'firstname', operator: 'HAS_PROPERTY' }] }],
        sorts: [{ propertyName: 'firstname', direction: 'DESCENDING' }],
        properties: ['firstname'],
        limit: 4,
        after: '0',
      });
      expect(answer.body.paging).toEqual({ next: { after: '4' } });
      conforms('contacts', 'POST', path, answer);
    });

    it('serves tickets, emails, companies, deals and feedback submissions in their specs shapes', async () => {
      const tickets = await client.crm.tickets.basicApi.getPage(10, undefined, [
        'subject',
        'hs_ticket_priority',
      ]);
      expect(tickets.results[0]!.properties.hs_ticket_priority).toBe('HIGH');
      const emails = await client.crm.objects.emails.basicApi.getPage(10, undefined, ['hs_email_direction']);
      expect(emails.results[0]!.properties.hs_email_direction).toBe('EMAIL');
      const feedback = await client.crm.objects.feedbackSubmissions.basicApi.getPage(10, undefined, [
        'hs_response_value',
      ]);
      expect(feedback.results[0]!.properties.hs_response_value).toBe('9');
      const deals = await client.crm.deals.basicApi.getPage(10, undefined, ['dealstage', 'amount']);
      expect(deals.results[0]!.properties.dealstage).toBe('closedlost');

      for (const [specName, type] of [
        ['tickets', 'tickets'],
        ['emails', 'emails'],
        ['companies', 'companies'],
        ['feedbackSubmissions', 'feedback_submissions'],
        ['objects', 'deals'],
      ] as const) {
        const listPath = `/crm/objects/2026-03/${type}?properties=hs_object_id`;
        const list = await raw('GET', listPath);
        expect(list.status).toBe(200);
        conforms(specName, 'GET', listPath, list);
        const onePath = `/crm/objects/2026-03/${type}/${list.body.results![0]!.id}`;
        conforms(specName, 'GET', onePath, await raw('GET', onePath));
        const searchPath = `/crm/objects/2026-03/${type}/search`;
        conforms(specName, 'POST', searchPath, await raw('POST', searchPath, { filterGroups: [], limit: 1 }));
      }
    });

    it("answers errors in HubSpot's Error shape: 400, 403, 404 and 401", async () => {
      const invalid = await raw('PATCH', `/crm/objects/2026-03/contacts/${contactId}`, {
        properties: { nope: 'x' },
      });
      expect(invalid.status).toBe(400);
      conforms('contacts', 'PATCH', `/crm/objects/2026-03/contacts/${contactId}`, invalid);
      const forbidden = await raw('POST', '/crm/objects/2026-03/companies', {
        properties: { name: 'No scope' },
      });
      expect(forbidden.status).toBe(403);
      conforms('companies', 'POST', '/crm/objects/2026-03/companies', forbidden);
      const missing = await raw('GET', '/crm/objects/2026-03/contacts/123');
      expect(missing.status).toBe(404);
      conforms('contacts', 'GET', '/crm/objects/2026-03/contacts/123', missing);
      const response = await fetch(`${sandbox.url}/crm/objects/2026-03/contacts`, {
        headers: { Authorization: 'Bearer nope' },
      });
      const unauthorized = {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      };
      expect(unauthorized.status).toBe(401);
      conforms('contacts', 'GET', '/crm/objects/2026-03/contacts', unauthorized);
      await expect(client.crm.contacts.basicApi.getById('123')).rejects.toMatchObject({ code: 404 });
    });
  },
);
