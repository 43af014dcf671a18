import { it, expect, beforeAll, afterAll } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4/index.js';
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
import { PRIMARY_COMPANY, UNLABELED_COMPANY } from '../support/association-specs.js';

type Raw = RawAnswer;

describeWithSpecs(
  'association types (primary company, labels, removal) against the 2026-03 OpenAPI specs, through @hubspot/api-client',
  () => {
    let sandbox: RunningSandbox;
    let portal: PortalData;
    let client: Client;
    let contactId: string;
    let companyIds: string[];

    const raw = (method: string, path: string, body?: unknown) =>
      rawCall<Raw['body']>(client, method, path, body);
    const conforms = expectConforms;
    const typesOf = (companyId: string) =>
      portal
        .associationsOf('contacts', contactId, 'companies')
        .filter((a) => a.toId === companyId)
        .map((a) => a.typeId)
        .sort((a, b) => a - b);
    const contactPath = (suffix: string) => `/crm/objects/2026-03/contacts/${contactId}${suffix}`;

    beforeAll(async () => {
      sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101] });
      portal = sandbox.store.portal(101)!;
      client = hubspotClient(sandbox.url, (await installApp(sandbox.url, 101, ALL_SCOPES)).access_token);
      const at = new Date('2026-03-01T00:00:00Z');
      contactId = portal.createRecord('contacts', { email: 'ann@acme.example' }, at).id;
      companyIds = ['Acme', 'Globex', 'Initech'].map(
        (name) => portal.createRecord('companies', { name }, at).id,
      );
    });

    afterAll(async () => {
      await sandbox.close();
    });

    it('makes a company primary with typeId 1, beside the unlabeled type, and reads both ways', async () => {
      const before = portal.recordsOf('contacts').get(contactId)!.updatedAt.getTime();
      const made = await client.crm.associations.v4.basicApi.create(
        'contacts',
        contactId,
        'companies',
        companyIds[0]!,
        [PRIMARY_COMPANY],
      );
      expect(made.labels).toEqual(['Primary']);
      expect(typesOf(companyIds[0]!)).toEqual([1, 279]);
      const contact = portal.recordsOf('contacts').get(contactId)!;
      expect(contact.properties.associatedcompanyid).toBe(companyIds[0]);
      expect(contact.updatedAt.getTime()).toBeGreaterThan(before);
      const back = portal.associationsOf('companies', companyIds[0]!, 'contacts').map((a) => a.typeId);
      expect(back.sort((a, b) => a - b)).toEqual([2, 280]);

      const labelled = await raw('PUT', contactPath(`/associations/companies/${companyIds[1]}`), [
        UNLABELED_COMPANY,
      ]);
      expect(labelled.status).toBe(201);
      conforms('associations', 'PUT', contactPath(`/associations/companies/${companyIds[1]}`), labelled);

      const single = await raw('GET', contactPath('/associations/companies'));
      conforms('associations', 'GET', contactPath('/associations/companies'), single);
      expect(single.body.results).toEqual([
        {
          toObjectId: companyIds[0],
          associationTypes: [
            { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
            { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
          ],
        },
        {
          toObjectId: companyIds[1],
          associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 279, label: null }],
        },
      ]);
      const batchPath = '/crm/associations/2026-03/contacts/companies/batch/read';
      const batch = await raw('POST', batchPath, { inputs: [{ id: contactId }] });
      conforms('associations', 'POST', batchPath, batch);
      const sdkBatch = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
        inputs: [{ id: contactId }],
      });
      expect(sdkBatch.results[0]!.to.map((to) => String(to.toObjectId))).toEqual([
        companyIds[0],
        companyIds[1],
      ]);

      // The v3 view lists the same types, by HubSpot's v3 names.
      const v3 = await raw('GET', contactPath('?associations=companies'));
      conforms('contacts', 'GET', contactPath(''), v3);
      expect(v3.body.associations).toEqual({
        companies: {
          results: expect.arrayContaining([
            { id: companyIds[0], type: 'contact_to_company' },
            { id: companyIds[0], type: 'contact_to_company_unlabeled' },
            { id: companyIds[1], type: 'contact_to_company_unlabeled' },
          ]),
        },
      });
      expect((v3.body.associations as { companies: { results: unknown[] } }).companies.results).toHaveLength(
        3,
      );
      const sdkContact = await client.crm.contacts.basicApi.getById(contactId, undefined, undefined, [
        'companies',
      ]);
      expect(sdkContact.associations?.companies?.results).toHaveLength(3);
    });

    it('moves primary to a new company in batch create; the contact keeps one primary company', async () => {
      const path = '/crm/associations/2026-03/contacts/companies/batch/create';
      const created = await raw('POST', path, {
        inputs: [{ from: { id: contactId }, to: { id: companyIds[1] }, types: [PRIMARY_COMPANY] }],
      });
      expect(created.status).toBe(201);
      conforms('associations', 'POST', path, created);
      expect(typesOf(companyIds[0]!)).toEqual([279]);
      expect(typesOf(companyIds[1]!)).toEqual([1, 279]);
      expect(portal.recordsOf('contacts').get(contactId)!.properties.associatedcompanyid).toBe(companyIds[1]);
      expect(portal.associationsOf('companies', companyIds[0]!, 'contacts').map((a) => a.typeId)).toEqual([
        280,
      ]);

      const sdk = await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
        inputs: [{ _from: { id: contactId }, to: { id: companyIds[2]! }, types: [UNLABELED_COMPANY] }],
      });
      expect(sdk.results).toHaveLength(1);
      expect(typesOf(companyIds[2]!)).toEqual([279]);
    });

    it('refuses a type the pair does not have, changing nothing', async () => {
      const path = contactPath(`/associations/companies/${companyIds[2]}`);
      const refused = await raw('PUT', path, [
        { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 15 },
      ]);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
      conforms('associations', 'PUT', path, refused);
      const batchPath = '/crm/associations/2026-03/contacts/companies/batch/create';
      const mixed = await raw('POST', batchPath, {
        inputs: [
          { from: { id: contactId }, to: { id: companyIds[0] }, types: [PRIMARY_COMPANY] },
          {
            from: { id: contactId },
            to: { id: companyIds[2] },
            types: [{ associationCategory: 'USER_DEFINED', associationTypeId: 1 }],
          },
        ],
      });
      expect(mixed.status).toBe(400);
      expect(typesOf(companyIds[0]!)).toEqual([279]);
      expect(portal.recordsOf('contacts').get(contactId)!.properties.associatedcompanyid).toBe(companyIds[1]);
    });

    it('removes one label, then whole associations (one and in batch)', async () => {
      const labelsPath = '/crm/associations/2026-03/contacts/companies/batch/labels/archive';
      const dated = await raw('POST', labelsPath, {
        inputs: [{ from: { id: contactId }, to: { id: companyIds[1] }, types: [PRIMARY_COMPANY] }],
      });
      expect(dated.status).toBe(200);
      conforms('associations', 'POST', labelsPath, dated);
      expect(typesOf(companyIds[1]!)).toEqual([279]);
      expect(portal.recordsOf('contacts').get(contactId)!.properties.associatedcompanyid).toBeNull();

      await client.crm.associations.v4.basicApi.create('contacts', contactId, 'companies', companyIds[1]!, [
        PRIMARY_COMPANY,
      ]);
      await client.crm.associations.v4.batchApi.archiveLabels('contacts', 'companies', {
        inputs: [{ _from: { id: contactId }, to: { id: companyIds[1]! }, types: [PRIMARY_COMPANY] }],
      });
      expect(typesOf(companyIds[1]!)).toEqual([279]);

      await client.crm.associations.v4.basicApi.archive('contacts', contactId, 'companies', companyIds[2]!);
      expect(typesOf(companyIds[2]!)).toEqual([]);
      expect(portal.associationsOf('companies', companyIds[2]!, 'contacts')).toEqual([]);
      const deleted = await raw('DELETE', contactPath(`/associations/companies/${companyIds[2]}`));
      expect(deleted.status).toBe(204);

      const archivePath = '/crm/associations/2026-03/contacts/companies/batch/archive';
      const archived = await raw('POST', archivePath, {
        inputs: [{ from: { id: contactId }, to: [{ id: companyIds[0] }] }],
      });
      expect(archived.status).toBe(200);
      conforms('associations', 'POST', archivePath, archived);
      expect(typesOf(companyIds[0]!)).toEqual([]);
      await client.crm.associations.v4.batchApi.archive('contacts', 'companies', {
        inputs: [{ _from: { id: contactId }, to: [{ id: companyIds[1]! }] }],
      });
      expect(portal.associationsOf('contacts', contactId, 'companies')).toEqual([]);
      const bad = await raw('POST', archivePath, { inputs: [{ from: { id: contactId } }] });
      expect(bad.status).toBe(400);
      conforms('associations', 'POST', archivePath, bad);
    });

    it('lists, creates, renames and deletes association labels', async () => {
      const path = '/crm/associations/2026-03/contacts/companies/labels';
      const listed = await raw('GET', path);
      conforms('associationsSchema', 'GET', path, listed);
      expect(listed.body.results).toEqual([
        { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
        { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
      ]);
      const created = await raw('POST', path, {
        name: 'billing_contact',
        label: 'Billing contact',
        inverseLabel: 'Billed company',
      });
      expect(created.status).toBe(200);
      conforms('associationsSchema', 'POST', path, created);
      const [forward, inverse] = created.body.results as {
        category: string;
        typeId: number;
        label: string;
      }[];
      expect(forward).toMatchObject({ category: 'USER_DEFINED', label: 'Billing contact' });
      expect(inverse).toMatchObject({ category: 'USER_DEFINED', label: 'Billed company' });
      const again = await raw('POST', path, { name: 'billing_contact', label: 'Again' });
      expect(again.status).toBe(409);
      conforms('associationsSchema', 'POST', path, again);

      const sdkLabels = await client.crm.associations.v4.schema.definitionsApi.getAll(
        'companies',
        'contacts',
      );
      expect(sdkLabels.results.map((l) => l.label)).toEqual(['Primary', null, 'Billed company']);

      const labelType = {
        associationCategory: AssociationSpecAssociationCategoryEnum.UserDefined,
        associationTypeId: forward!.typeId,
      };
      await client.crm.associations.v4.basicApi.create('contacts', contactId, 'companies', companyIds[0]!, [
        labelType,
      ]);
      expect(typesOf(companyIds[0]!)).toEqual([279, forward!.typeId]);
      const back = portal.associationsOf('companies', companyIds[0]!, 'contacts');
      expect(back.map((a) => a.label)).toEqual([null, 'Billed company']);

      await client.crm.associations.v4.schema.definitionsApi.update('contacts', 'companies', {
        associationTypeId: forward!.typeId,
        label: 'Pays the bills',
      });
      const renamed = await raw('GET', contactPath('/associations/companies'));
      expect(JSON.stringify(renamed.body)).toContain('Pays the bills');

      const hubspot = await raw('DELETE', `${path}/1`);
      expect(hubspot.status).toBe(400);
      conforms('associationsSchema', 'DELETE', `${path}/1`, hubspot);
      await client.crm.associations.v4.schema.definitionsApi.remove('contacts', 'companies', forward!.typeId);
      expect(typesOf(companyIds[0]!)).toEqual([279]);
      expect((await raw('GET', path)).body.results).toHaveLength(2);
    });
  },
);
