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

type Raw = RawAnswer;

describeWithSpecs(
  'properties and associations against the 2026-03 OpenAPI specs, through @hubspot/api-client',
  () => {
    let sandbox: RunningSandbox;
    let portal: PortalData;
    let client: Client;
    let contactIds: string[];
    let emailIds: string[];

    const raw = (method: string, path: string, body?: unknown) =>
      rawCall<Raw['body']>(client, method, path, body);
    const conforms = expectConforms;

    beforeAll(async () => {
      sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101] });
      portal = sandbox.store.portal(101)!;
      client = hubspotClient(sandbox.url, (await installApp(sandbox.url, 101, ALL_SCOPES)).access_token);
      const at = new Date('2026-03-01T00:00:00Z');
      contactIds = [0, 1, 2].map(
        (index) => portal.createRecord('contacts', { email: `p${index}@example.com` }, at).id,
      );
      emailIds = [0, 1].map(
        (index) => portal.createRecord('emails', { hs_email_subject: `Hello ${index}` }, at).id,
      );
      portal.associate('contacts', contactIds[0]!, 'emails', emailIds[0]!, [197, 198]);
    });

    afterAll(async () => {
      await sandbox.close();
    });

    it('lists, reads and creates properties and groups', async () => {
      const all = await client.crm.properties.coreApi.getAll('contacts');
      expect(
        all.results.find((property) => property.name === 'lifecyclestage')?.options.length,
      ).toBeGreaterThan(5);
      const group = await client.crm.properties.groupsApi.create('contacts', {
        name: 'churn_risk',
        label: 'Churn risk',
      });
      expect(group.name).toBe('churn_risk');
      const created = await client.crm.properties.coreApi.create('contacts', {
        name: 'churn_risk_tier',
        label: 'Churn risk tier',
        type: 'enumeration' as never,
        fieldType: 'select' as never,
        groupName: 'churn_risk',
        options: [
          { label: 'Low', value: 'low', hidden: false, displayOrder: 0 },
          { label: 'High', value: 'high', hidden: false, displayOrder: 1 },
        ],
      });
      expect(created.options.map((option) => option.value)).toEqual(['low', 'high']);

      const list = await raw('GET', '/crm/properties/2026-03/contacts');
      conforms('properties', 'GET', '/crm/properties/2026-03/contacts', list);
      conforms(
        'properties',
        'GET',
        '/crm/properties/2026-03/contacts/email',
        await raw('GET', '/crm/properties/2026-03/contacts/email'),
      );
      conforms(
        'properties',
        'GET',
        '/crm/properties/2026-03/contacts/groups',
        await raw('GET', '/crm/properties/2026-03/contacts/groups'),
      );
      const createdRaw = await raw('POST', '/crm/properties/2026-03/contacts', {
        name: 'churn_risk_score',
        label: 'Churn risk score',
        type: 'number',
        fieldType: 'number',
        groupName: 'churn_risk',
      });
      expect(createdRaw.status).toBe(201);
      conforms('properties', 'POST', '/crm/properties/2026-03/contacts', createdRaw);
      const conflict = await raw('POST', '/crm/properties/2026-03/contacts', {
        name: 'churn_risk_score',
        label: 'Again',
        type: 'number',
        fieldType: 'number',
        groupName: 'churn_risk',
      });
      expect(conflict.status).toBe(409);
      conforms('properties', 'POST', '/crm/properties/2026-03/contacts', conflict);
      const groupRaw = await raw('POST', '/crm/properties/2026-03/contacts/groups', {
        name: 'health',
        label: 'Health',
      });
      conforms('properties', 'POST', '/crm/properties/2026-03/contacts/groups', groupRaw);
    });

    it('reads associations in batch and per record', async () => {
      const batch = await client.crm.associations.v4.batchApi.getPage('contacts', 'emails', {
        inputs: [{ id: contactIds[0]! }, { id: contactIds[1]! }],
      });
      expect(batch.results[0]!.to[0]!.toObjectId).toBe(emailIds[0]);
      const single = await client.crm.associations.v4.basicApi.getPage('contacts', contactIds[0]!, 'emails');
      expect(single.results.map((result) => result.toObjectId)).toEqual([emailIds[0]]);

      const path = '/crm/associations/2026-03/contacts/emails/batch/read';
      const complete = await raw('POST', path, { inputs: [{ id: contactIds[0] }] });
      expect(complete.status).toBe(200);
      conforms('associations', 'POST', path, complete);
      const partial = await raw('POST', path, { inputs: [{ id: contactIds[0] }, { id: contactIds[1] }] });
      expect(partial.status).toBe(207);
      conforms('associations', 'POST', path, partial);
      const recordPath = `/crm/objects/2026-03/contacts/${contactIds[0]}/associations/emails`;
      conforms('associations', 'GET', recordPath, await raw('GET', recordPath));
    });

    it('creates associations the ways an app can', async () => {
      const made = await client.crm.associations.v4.basicApi.createDefault(
        'contacts',
        contactIds[1]!,
        'emails',
        emailIds[1]!,
      );
      expect(made.results[0]!.associationSpec.associationTypeId).toBe(197);

      const defaultPath = `/crm/objects/2026-03/contacts/${contactIds[2]}/associations/default/emails/${emailIds[1]}`;
      conforms('associations', 'PUT', defaultPath, await raw('PUT', defaultPath));
      const labelledPath = `/crm/objects/2026-03/contacts/${contactIds[2]}/associations/emails/${emailIds[0]}`;
      const labelled = await raw('PUT', labelledPath, [
        { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 197 },
      ]);
      expect(labelled.status).toBe(201);
      conforms('associations', 'PUT', labelledPath, labelled);
      const batchPath = '/crm/associations/2026-03/contacts/emails/batch/create';
      const batch = await raw('POST', batchPath, {
        inputs: [
          {
            from: { id: contactIds[1] },
            to: { id: emailIds[0] },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 197 }],
          },
          {
            from: { id: '1' },
            to: { id: emailIds[0] },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 197 }],
          },
        ],
      });
      expect(batch.status).toBe(207);
      conforms('associations', 'POST', batchPath, batch);
      const defaultBatchPath = '/crm/associations/2026-03/contacts/emails/batch/associate/default';
      const defaults = await raw('POST', defaultBatchPath, {
        inputs: [{ from: { id: contactIds[0] }, to: { id: emailIds[1] } }],
      });
      expect(defaults.status).toBe(200);
      conforms('associations', 'POST', defaultBatchPath, defaults);
      expect(
        portal
          .associationsOf('emails', emailIds[1]!, 'contacts')
          .map((link) => link.toId)
          .sort(),
      ).toEqual([...contactIds].sort());
    });
  },
);
