import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { ALL_SCOPES, callApi, installApp, NO_LIMITS, startTestSandbox } from '../support/sandbox-server.js';

const PROPERTIES = '/crm/properties/2026-03/contacts';

interface PropertyBody {
  name: string;
  type: string;
  fieldType: string;
  options: { value: string; label: string }[];
  modificationMetadata: { readOnlyValue: boolean };
}

describe('sandbox properties and associations', () => {
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let token: string;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    callApi<T>(sandbox.url, token, method, path, body);

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS });
    portal = sandbox.store.portal(101)!;
    token = (await installApp(sandbox.url, 101, ALL_SCOPES)).access_token;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe('properties', () => {
    it("lists HubSpot's standard properties with their options and read-only flags", async () => {
      const answer = await call<{ results: PropertyBody[] }>('GET', PROPERTIES);
      const byName = new Map(answer.body.results.map((property) => [property.name, property]));
      expect([...byName.keys()]).toEqual(
        expect.arrayContaining([
          'email',
          'firstname',
          'lifecyclestage',
          'hs_lead_status',
          'hs_email_last_open_date',
        ]),
      );
      expect(byName.get('lifecyclestage')!.options.map((option) => option.value)).toEqual(
        expect.arrayContaining(['customer', 'other']),
      );
      expect(byName.get('createdate')!.modificationMetadata.readOnlyValue).toBe(true);
      expect(byName.get('email')!.modificationMetadata.readOnlyValue).toBe(false);

      const tickets = await call<{ results: PropertyBody[] }>('GET', '/crm/properties/2026-03/tickets');
      const priority = tickets.body.results.find((property) => property.name === 'hs_ticket_priority')!;
      expect(priority.options.map((option) => option.value)).toEqual(['LOW', 'MEDIUM', 'HIGH', 'URGENT']);
    });

    it('creates a group and a property in it, then answers 409 for the same name', async () => {
      const group = await call('POST', `${PROPERTIES}/groups`, { name: 'churn_risk', label: 'Churn risk' });
      expect(group.status).toBe(201);
      const definition = {
        name: 'churn_risk_score',
        label: 'Churn risk score',
        type: 'number',
        fieldType: 'number',
        groupName: 'churn_risk',
        description: '0–100',
      };
      const created = await call<PropertyBody>('POST', PROPERTIES, definition);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'churn_risk_score', type: 'number', hubspotDefined: false });
      const again = await call('POST', PROPERTIES, definition);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS' });
      expect(
        (await call('POST', `${PROPERTIES}/groups`, { name: 'churn_risk', label: 'Again' })).status,
      ).toBe(409);

      const fetched = await call<PropertyBody>('GET', `${PROPERTIES}/churn_risk_score`);
      expect(fetched.body.fieldType).toBe('number');
      const contact = portal.createRecord('contacts', { email: 'scored@example.com' }, new Date());
      const written = await call('PATCH', `/crm/objects/2026-03/contacts/${contact.id}`, {
        properties: { churn_risk_score: 82 },
      });
      expect(written.status).toBe(200);
      expect(portal.recordsOf('contacts').get(contact.id)!.properties.churn_risk_score).toBe('82');
      // A number property takes decimals, as the app writes the score ("12.3").
      const decimal = await call('PATCH', `/crm/objects/2026-03/contacts/${contact.id}`, {
        properties: { churn_risk_score: '12.3' },
      });
      expect(decimal.status).toBe(200);
      expect(portal.recordsOf('contacts').get(contact.id)!.properties.churn_risk_score).toBe('12.3');
      const notANumber = await call('PATCH', `/crm/objects/2026-03/contacts/${contact.id}`, {
        properties: { churn_risk_score: 'high' },
      });
      expect(notANumber.status).toBe(400);
    });

    it('checks that the field type fits the property type, and that enumerations have options', async () => {
      const base = { label: 'X', groupName: 'churn_risk' };
      const wrongField = await call('POST', PROPERTIES, {
        ...base,
        name: 'tier_a',
        type: 'number',
        fieldType: 'select',
      });
      expect(wrongField.status).toBe(400);
      expect(String(wrongField.body.message)).toContain('fieldType select');
      const noOptions = await call('POST', PROPERTIES, {
        ...base,
        name: 'tier_b',
        type: 'enumeration',
        fieldType: 'select',
      });
      expect(noOptions.status).toBe(400);
      const tier = await call<PropertyBody>('POST', PROPERTIES, {
        ...base,
        name: 'churn_risk_tier',
        type: 'enumeration',
        fieldType: 'select',
        options: [
          { label: 'Low', value: 'low' },
          { label: 'High', value: 'high' },
        ],
      });
      expect(tier.status).toBe(201);
      expect(tier.body.options.map((option) => option.value)).toEqual(['low', 'high']);
      const unknownGroup = await call('POST', PROPERTIES, {
        ...base,
        name: 'x_y',
        type: 'string',
        fieldType: 'text',
        groupName: 'nope',
      });
      expect(unknownGroup.status).toBe(400);
      const badType = await call('POST', PROPERTIES, {
        ...base,
        name: 'x_z',
        type: 'text',
        fieldType: 'text',
      });
      expect(badType.status).toBe(400);
      expect((await call('GET', `${PROPERTIES}/no_such_property`)).status).toBe(404);
    });
  });

  describe('associations', () => {
    let contactIds: string[];
    let ticketIds: string[];

    beforeAll(() => {
      const at = new Date();
      contactIds = [0, 1, 2].map(
        (index) => portal.createRecord('contacts', { email: `assoc-${index}@example.com` }, at).id,
      );
      ticketIds = [0, 1, 2, 3].map(
        (index) => portal.createRecord('tickets', { subject: `T${index}` }, at).id,
      );
      portal.associate('contacts', contactIds[0]!, 'tickets', ticketIds[0]!, [15, 16]);
      portal.associate('contacts', contactIds[0]!, 'tickets', ticketIds[1]!, [15, 16]);
      portal.associate('contacts', contactIds[1]!, 'tickets', ticketIds[2]!, [15, 16]);
    });

    it('reads associations in batch, answering 207 for ids with none or unknown', async () => {
      const answer = await call<{
        results: {
          from: { id: string };
          to: { toObjectId: string; associationTypes: { typeId: number }[] }[];
        }[];
        errors: { context: { fromObjectId: string[] } }[];
      }>('POST', '/crm/associations/2026-03/contacts/tickets/batch/read', {
        inputs: [{ id: contactIds[0] }, { id: contactIds[1] }, { id: contactIds[2] }, { id: '77' }],
      });
      expect(answer.status).toBe(207);
      expect(answer.body.results).toEqual([
        {
          from: { id: contactIds[0] },
          to: [
            {
              toObjectId: ticketIds[0],
              associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 15, label: null }],
            },
            {
              toObjectId: ticketIds[1],
              associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 15, label: null }],
            },
          ],
        },
        { from: { id: contactIds[1] }, to: [expect.objectContaining({ toObjectId: ticketIds[2] })] },
      ]);
      expect(answer.body.errors.map((error) => error.context.fromObjectId[0])).toEqual([contactIds[2], '77']);

      const v4 = await call<{ results: unknown[] }>(
        'POST',
        '/crm/v4/associations/tickets/contacts/batch/read',
        {
          inputs: [{ id: ticketIds[2] }],
        },
      );
      expect(v4.status).toBe(200);
      expect(v4.body.results).toEqual([
        {
          from: { id: ticketIds[2] },
          to: [
            {
              toObjectId: contactIds[1],
              associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 16, label: null }],
            },
          ],
        },
      ]);
    });

    it("pages one record's associations", async () => {
      const first = await call<{ results: { toObjectId: string }[]; paging: { next: { after: string } } }>(
        'GET',
        `/crm/objects/2026-03/contacts/${contactIds[0]}/associations/tickets?limit=1`,
      );
      expect(first.body.results.map((result) => result.toObjectId)).toEqual([ticketIds[0]]);
      const second = await call<{ results: { toObjectId: string }[]; paging?: unknown }>(
        'GET',
        `/crm/objects/2026-03/contacts/${contactIds[0]}/associations/tickets?limit=1&after=${first.body.paging.next.after}`,
      );
      expect(second.body.results.map((result) => result.toObjectId)).toEqual([ticketIds[1]]);
      expect(second.body.paging).toBeUndefined();
      expect(
        (await call('GET', `/crm/objects/2026-03/contacts/${contactIds[0]}/associations/tickets?limit=501`))
          .status,
      ).toBe(400);
    });

    it('lets the app link records, and shows the links on the object endpoints', async () => {
      const single = await call(
        'PUT',
        `/crm/objects/2026-03/contacts/${contactIds[2]}/associations/default/tickets/${ticketIds[3]}`,
      );
      expect(single.status).toBe(200);
      const batch = await call<{ results: unknown[]; errors?: unknown[] }>(
        'POST',
        '/crm/associations/2026-03/contacts/tickets/batch/create',
        {
          inputs: [
            {
              from: { id: contactIds[1] },
              to: { id: ticketIds[3] },
              types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 15 }],
            },
            {
              from: { id: '404' },
              to: { id: ticketIds[3] },
              types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 15 }],
            },
          ],
        },
      );
      expect(batch.status).toBe(207);
      expect(batch.body.results).toHaveLength(1);
      const ticket = await call<{ associations: { contacts: { results: { id: string; type: string }[] } } }>(
        'GET',
        `/crm/objects/2026-03/tickets/${ticketIds[3]}?associations=contacts`,
      );
      expect(ticket.body.associations.contacts.results).toEqual([
        { id: contactIds[2], type: 'ticket_to_contact' },
        { id: contactIds[1], type: 'ticket_to_contact' },
      ]);
      const created = await call<{ id: string }>('POST', '/crm/objects/2026-03/tickets', {
        properties: { subject: 'Proactive check-in', hs_pipeline: '0', hs_pipeline_stage: '1' },
        associations: [
          {
            to: { id: contactIds[2] },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 16 }],
          },
        ],
      });
      expect(created.status).toBe(201);
      expect(portal.associationsOf('contacts', contactIds[2]!, 'tickets').map((link) => link.toId)).toContain(
        created.body.id,
      );
    });
  });
});
