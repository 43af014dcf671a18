/**
 * Association limits (`definitions/configurations`) against the 2026-03 associations schema spec:
 * set, listed, updated and purged through the Node SDK's `DefinitionConfigurationsApi` (13.5 ships
 * it in its codegen without wiring it into `Client`, so it is built here the way the SDK builds its
 * other APIs) and on the dated paths; then enforced on every path that makes associations.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4/index.js';
import {
  createConfiguration,
  DefinitionConfigurationsApi,
  Observable,
  PublicAssociationDefinitionConfigurationCreateRequestCategoryEnum as Category,
  PublicAssociationDefinitionConfigurationUpdateRequestCategoryEnum as UpdateCategory,
  ServerConfiguration,
} from '@hubspot/api-client/lib/codegen/crm/associations/v4/schema/index.js';
import { ApiClientConfigurator } from '@hubspot/api-client/lib/src/configuration/ApiClientConfigurator.js';
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
import {
  PRIMARY_COMPANY,
  UNLABELED_COMPANY,
  ASSOCIATION_WRITE_SCOPES,
} from '../support/association-specs.js';

type Raw = RawAnswer;

const AT = new Date('2026-03-01T00:00:00Z');
const CONFIGURATIONS = '/crm/associations/2026-03/definitions/configurations';

describeWithSpecs('association limits against the 2026-03 associations schema spec', () => {
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let client: Client;
  let limits: DefinitionConfigurationsApi;
  let labelTypeId: number;

  const raw = (method: string, path: string, body?: unknown) =>
    rawCall<Raw['body']>(client, method, path, body);
  const conforms = expectConforms;
  const contact = (email: string) => portal.createRecord('contacts', { email }, AT).id;
  const company = (name: string) => portal.createRecord('companies', { name }, AT).id;
  const companiesOf = (contactId: string) =>
    [...new Set(portal.associationsOf('contacts', contactId, 'companies').map((a) => a.toId))].sort();

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101] });
    portal = sandbox.store.portal(101)!;
    const accessToken = (await installApp(sandbox.url, 101, [...ALL_SCOPES, ...ASSOCIATION_WRITE_SCOPES]))
      .access_token;
    client = hubspotClient(sandbox.url, accessToken);
    limits = new DefinitionConfigurationsApi(
      createConfiguration(
        ApiClientConfigurator.getParams(
          { accessToken, basePath: sandbox.url },
          ServerConfiguration,
          Observable,
          Observable,
        ),
      ),
    );
    const label = await client.crm.associations.v4.schema.definitionsApi.create('contacts', 'companies', {
      name: 'billing_contact',
      label: 'Billing contact',
    });
    labelTypeId = label.results[0]!.typeId;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe('configuring limits', () => {
    it('sets limits, lists them by pair and all together, and updates them', async () => {
      const created = await limits.batchCreate('contacts', 'companies', {
        inputs: [{ category: Category.HubspotDefined, typeId: 279, maxToObjectIds: 3 }],
      });
      expect(created.results).toEqual([
        { category: 'HUBSPOT_DEFINED', typeId: 279, label: null, userEnforcedMaxToObjectIds: 3 },
      ]);
      const path = `${CONFIGURATIONS}/contacts/companies/batch/create`;
      const label = await raw('POST', path, {
        inputs: [{ category: 'USER_DEFINED', typeId: labelTypeId, maxToObjectIds: 1 }],
      });
      expect(label.status).toBe(201);
      conforms('associationsSchema', 'POST', path, label);
      expect(label.body.results).toEqual([
        {
          category: 'USER_DEFINED',
          typeId: labelTypeId,
          label: 'Billing contact',
          userEnforcedMaxToObjectIds: 1,
        },
      ]);
      await limits.batchCreate('deals', 'contacts', {
        inputs: [{ category: Category.HubspotDefined, typeId: 3, maxToObjectIds: 5 }],
      });

      const pair = await raw('GET', `${CONFIGURATIONS}/contacts/companies`);
      conforms('associationsSchema', 'GET', `${CONFIGURATIONS}/contacts/companies`, pair);
      expect(pair.body.results).toEqual([created.results[0], (label.body.results as unknown[])[0]]);
      const sdkPair = await limits.getAllBetweenTwoObjectTypes('deals', 'contacts');
      expect(sdkPair.results.map((l) => [l.typeId, l.userEnforcedMaxToObjectIds])).toEqual([[3, 5]]);
      expect((await limits.getAllBetweenTwoObjectTypes('companies', 'contacts')).results).toEqual([]);
      const all = await raw('GET', `${CONFIGURATIONS}/all`);
      conforms('associationsSchema', 'GET', `${CONFIGURATIONS}/all`, all);
      expect((all.body.results as { typeId: number }[]).map((l) => l.typeId)).toEqual([279, labelTypeId, 3]);
      expect((await limits.getAll()).results).toHaveLength(3);

      const updated = await limits.batchUpdate('contacts', 'companies', {
        inputs: [{ category: UpdateCategory.HubspotDefined, typeId: 279, maxToObjectIds: 2 }],
      });
      expect(updated.results).toEqual([
        { category: 'HUBSPOT_DEFINED', typeId: 279, userEnforcedMaxToObjectIds: 2 },
      ]);
      expect(portal.associationLimits.get('contacts', 'companies', 'HUBSPOT_DEFINED', 279)).toBe(2);
    });

    it('answers 207 for a limit set twice or one to update that is not set', async () => {
      const createPath = `${CONFIGURATIONS}/contacts/companies/batch/create`;
      const twice = await raw('POST', createPath, {
        inputs: [
          { category: 'HUBSPOT_DEFINED', typeId: 279, maxToObjectIds: 1 },
          { category: 'HUBSPOT_DEFINED', typeId: 1, maxToObjectIds: 1 },
        ],
      });
      expect(twice.status).toBe(207);
      conforms('associationsSchema', 'POST', createPath, twice);
      expect(twice.body.numErrors).toBe(1);
      expect(twice.body.results).toEqual([
        { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary', userEnforcedMaxToObjectIds: 1 },
      ]);
      expect(portal.associationLimits.get('contacts', 'companies', 'HUBSPOT_DEFINED', 279)).toBe(2);

      const updatePath = `${CONFIGURATIONS}/companies/contacts/batch/update`;
      const unset = await raw('POST', updatePath, {
        inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 280, maxToObjectIds: 4 }],
      });
      expect(unset.status).toBe(207);
      conforms('associationsSchema', 'POST', updatePath, unset);
      expect(unset.body.results).toEqual([]);
      expect(portal.associationLimits.between('companies', 'contacts')).toEqual([]);
    });

    it('refuses a type the pair lacks, a limit below 1, and a label limit above the pair limit', async () => {
      const path = `${CONFIGURATIONS}/contacts/companies/batch/create`;
      const refusals = [
        { category: 'HUBSPOT_DEFINED', typeId: 15, maxToObjectIds: 1 },
        { category: 'HUBSPOT_DEFINED', typeId: 280, maxToObjectIds: 0 },
        { category: 'SOMETHING', typeId: 280, maxToObjectIds: 1 },
        { typeId: 280, maxToObjectIds: 1 },
      ];
      for (const input of refusals) {
        const refused = await raw('POST', `${CONFIGURATIONS}/companies/contacts/batch/create`, {
          inputs: [input],
        });
        expect(refused.status).toBe(400);
        conforms('associationsSchema', 'POST', `${CONFIGURATIONS}/companies/contacts/batch/create`, refused);
      }
      await limits.batchRemove('contacts', 'companies', {
        inputs: [{ category: 'USER_DEFINED', typeId: labelTypeId }],
      });
      const above = await raw('POST', path, {
        inputs: [{ category: 'USER_DEFINED', typeId: labelTypeId, maxToObjectIds: 3 }],
      });
      expect(above.status).toBe(400);
      expect(above.body.message).toContain('from 1 to 2');
      conforms('associationsSchema', 'POST', path, above);
      await limits.batchCreate('contacts', 'companies', {
        inputs: [{ category: Category.UserDefined, typeId: labelTypeId, maxToObjectIds: 2 }],
      });
      const updatePath = `${CONFIGURATIONS}/contacts/companies/batch/update`;
      const below = await raw('POST', updatePath, {
        inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 279, maxToObjectIds: 1 }],
      });
      expect(below.status).toBe(400);
      expect(below.body.message).toContain('at least 2');
      conforms('associationsSchema', 'POST', updatePath, below);
      expect(portal.associationLimits.get('contacts', 'companies', 'HUBSPOT_DEFINED', 279)).toBe(2);
      expect(portal.associationLimits.get('companies', 'contacts', 'HUBSPOT_DEFINED', 280)).toBeUndefined();
    });

    it('purges limits: 204 on the v4 path the SDK calls, a BatchResponse on the dated one', async () => {
      await limits.batchRemove('deals', 'contacts', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 3 }] });
      expect(portal.associationLimits.between('deals', 'contacts')).toEqual([]);
      const path = `${CONFIGURATIONS}/contacts/companies/batch/purge`;
      const purged = await raw('POST', path, {
        inputs: [
          { category: 'USER_DEFINED', typeId: labelTypeId },
          { category: 'HUBSPOT_DEFINED', typeId: 1 },
          { category: 'HUBSPOT_DEFINED', typeId: 279 },
        ],
      });
      expect(purged.status).toBe(200);
      conforms('associationsSchema', 'POST', path, purged);
      expect((await limits.getAll()).results).toEqual([]);
    });
  });

  describe('enforcing limits', () => {
    let held: string;
    let companyIds: string[];

    beforeAll(async () => {
      companyIds = ['Acme', 'Globex', 'Initech'].map(company);
      held = contact('held@acme.example');
      portal.associate('contacts', held, 'companies', companyIds[0]!, [279, 280]);
      portal.associate('contacts', held, 'companies', companyIds[1]!, [279, 280]);
      await limits.batchCreate('contacts', 'companies', {
        inputs: [{ category: Category.HubspotDefined, typeId: 279, maxToObjectIds: 1 }],
      });
    });

    it('refuses a second company on every path, from either side, changing nothing', async () => {
      const ann = contact('ann@acme.example');
      await client.crm.associations.v4.basicApi.createDefault('contacts', ann, 'companies', companyIds[0]!);
      const putPath = `/crm/objects/2026-03/contacts/${ann}/associations/companies/${companyIds[1]}`;
      const put = await raw('PUT', putPath, [UNLABELED_COMPANY]);
      expect(put.status).toBe(400);
      expect(put.body).toMatchObject({ category: 'VALIDATION_ERROR' });
      expect(put.body.message).toContain('at most 1');
      conforms('associations', 'PUT', putPath, put);
      const batchPath = '/crm/associations/2026-03/contacts/companies/batch/create';
      const batch = await raw('POST', batchPath, {
        inputs: [{ from: { id: ann }, to: { id: companyIds[1] }, types: [UNLABELED_COMPANY] }],
      });
      expect(batch.status).toBe(400);
      conforms('associations', 'POST', batchPath, batch);
      await expect(
        client.crm.associations.v4.basicApi.createDefault('contacts', ann, 'companies', companyIds[2]!),
      ).rejects.toMatchObject({ code: 400 });
      await expect(
        client.crm.associations.v4.batchApi.createDefault('companies', 'contacts', {
          inputs: [{ _from: { id: companyIds[2]! }, to: { id: ann } }],
        }),
      ).rejects.toMatchObject({ code: 400 });
      await expect(
        client.crm.associations.batchApi.create('contacts', 'companies', {
          inputs: [{ _from: { id: ann }, to: { id: companyIds[2]! }, type: 'contact_to_company_unlabeled' }],
        }),
      ).rejects.toMatchObject({ code: 400 });
      expect(companiesOf(ann)).toEqual([companyIds[0]]);
      expect(portal.associationsOf('companies', companyIds[1]!, 'contacts').map((a) => a.toId)).toEqual([
        held,
      ]);

      // Within the limit: the same company again, as primary, and another contact.
      await client.crm.associations.v4.basicApi.create('contacts', ann, 'companies', companyIds[0]!, [
        PRIMARY_COMPANY,
      ]);
      await client.crm.associations.v4.basicApi.createDefault(
        'contacts',
        contact('bo@acme.example'),
        'companies',
        companyIds[1]!,
      );
      // Limits are not retroactive: the contact that held two companies keeps them.
      expect(companiesOf(held)).toEqual([companyIds[0], companyIds[1]].sort());
    });

    it('counts a batch as a whole, and the associations given with a record on create', async () => {
      const cy = contact('cy@acme.example');
      const batchPath = '/crm/associations/2026-03/contacts/companies/batch/create';
      const both = await raw('POST', batchPath, {
        inputs: [
          { from: { id: cy }, to: { id: companyIds[0] }, types: [UNLABELED_COMPANY] },
          { from: { id: cy }, to: { id: companyIds[1] }, types: [UNLABELED_COMPANY] },
        ],
      });
      expect(both.status).toBe(400);
      expect(companiesOf(cy)).toEqual([]);

      const before = portal.recordsOf('contacts').size;
      const createPath = '/crm/objects/2026-03/contacts';
      const created = await raw('POST', createPath, {
        properties: { email: 'di@acme.example' },
        associations: [
          { to: { id: companyIds[0] }, types: [UNLABELED_COMPANY] },
          { to: { id: companyIds[1] }, types: [UNLABELED_COMPANY] },
        ],
      });
      expect(created.status).toBe(400);
      conforms('contacts', 'POST', createPath, created);
      expect(portal.recordsOf('contacts').size).toBe(before);
      const one = await client.crm.contacts.basicApi.create({
        properties: { email: 'di@acme.example' },
        associations: [{ to: { id: companyIds[0]! }, types: [UNLABELED_COMPANY] }],
      });
      expect(companiesOf(one.id)).toEqual([companyIds[0]]);
    });

    it("holds a label's limit apart from the pair's, and lifts a limit once purged", async () => {
      await limits.batchUpdate('contacts', 'companies', {
        inputs: [{ category: UpdateCategory.HubspotDefined, typeId: 279, maxToObjectIds: 3 }],
      });
      await limits.batchCreate('contacts', 'companies', {
        inputs: [{ category: Category.UserDefined, typeId: labelTypeId, maxToObjectIds: 1 }],
      });
      const billing = {
        associationCategory: AssociationSpecAssociationCategoryEnum.UserDefined,
        associationTypeId: labelTypeId,
      };
      const eve = contact('eve@acme.example');
      await client.crm.associations.v4.basicApi.create('contacts', eve, 'companies', companyIds[0]!, [
        billing,
      ]);
      await expect(
        client.crm.associations.v4.basicApi.create('contacts', eve, 'companies', companyIds[1]!, [billing]),
      ).rejects.toMatchObject({ code: 400 });
      await client.crm.associations.v4.basicApi.create('contacts', eve, 'companies', companyIds[1]!, [
        UNLABELED_COMPANY,
      ]);
      expect(companiesOf(eve)).toEqual([companyIds[0], companyIds[1]].sort());

      await limits.batchRemove('contacts', 'companies', {
        inputs: [
          { category: 'USER_DEFINED', typeId: labelTypeId },
          { category: 'HUBSPOT_DEFINED', typeId: 279 },
        ],
      });
      await client.crm.associations.v4.basicApi.create('contacts', eve, 'companies', companyIds[1]!, [
        billing,
      ]);
      await client.crm.associations.v4.basicApi.createDefault('contacts', eve, 'companies', companyIds[2]!);
      expect(companiesOf(eve)).toEqual([...companyIds].sort());
    });
  });
});
