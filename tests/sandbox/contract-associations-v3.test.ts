/**
 * HubSpot's v3 associations API as the official Node client (`@hubspot/api-client` 13.5) calls it:
 * `crm.associations.batchApi` (batch read, create, archive) and `crm.associations.schema.typesApi`.
 * The v3 and v4 views read one store, so they must list the same associations with the same
 * types. HubSpot's 2026-03 specs have no v3 associations API (the dated version is v4-shaped), so
 * these bodies are checked against the SDK's own models (tests/support/sdk-models.ts); error bodies
 * against the `Error` schema every 2026-03 spec shares.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import type { RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { describeWithSpecs, spec } from '../support/openapi.js';
import { SdkModels } from '../support/sdk-models.js';
import {
  ALL_SCOPES,
  hubspotClient,
  installApp,
  NO_LIMITS,
  startTestSandbox,
} from '../support/sandbox-server.js';
import { rawCall, type RawAnswer } from '../support/raw-calls.js';
import { PRIMARY_COMPANY, ASSOCIATION_WRITE_SCOPES } from '../support/association-specs.js';

type Raw = RawAnswer;

const AT = new Date('2026-03-01T00:00:00Z');
const V3 = '/crm/v3/associations';

describeWithSpecs('the v3 associations API, through @hubspot/api-client, agreeing with v4', () => {
  const models = new SdkModels('crm/associations');
  const schemaModels = new SdkModels('crm/associations/schema');
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let client: Client;
  let contactId: string;
  let companyIds: string[];

  const raw = (method: string, path: string, body?: unknown) =>
    rawCall<Raw['body']>(client, method, path, body);
  const fits = (folder: SdkModels, model: string, answer: Raw) =>
    expect(folder.errors(model, answer.body)).toEqual([]);
  const typesOf = (companyId: string) =>
    portal
      .associationsOf('contacts', contactId, 'companies')
      .filter((a) => a.toId === companyId)
      .map((a) => a.typeId)
      .sort((a, b) => a - b);
  /** The v4 view as v3 pairs: each target with each of its types, named by the v3 types API. */
  const v4AsV3 = async (from: string, to: string, id: string) => {
    const names = new Map(
      (await client.crm.associations.schema.typesApi.getAll(from, to)).results.map((type) => [
        Number(type.id),
        type.name,
      ]),
    );
    const v4 = await client.crm.associations.v4.batchApi.getPage(from, to, { inputs: [{ id }] });
    return v4.results
      .flatMap((result) =>
        result.to.flatMap((target) =>
          target.associationTypes.map((type) => `${target.toObjectId}:${names.get(type.typeId)}`),
        ),
      )
      .sort();
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101] });
    portal = sandbox.store.portal(101)!;
    client = hubspotClient(
      sandbox.url,
      (await installApp(sandbox.url, 101, [...ALL_SCOPES, ...ASSOCIATION_WRITE_SCOPES])).access_token,
    );
    contactId = portal.createRecord('contacts', { email: 'ann@acme.example' }, AT).id;
    companyIds = ['Acme', 'Globex', 'Initech'].map(
      (name) => portal.createRecord('companies', { name }, AT).id,
    );
    await client.crm.associations.v4.basicApi.create('contacts', contactId, 'companies', companyIds[0]!, [
      PRIMARY_COMPANY,
    ]);
    await client.crm.associations.v4.basicApi.createDefault(
      'contacts',
      contactId,
      'companies',
      companyIds[1]!,
    );
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it("lists a pair's types with their v3 names, labels included", async () => {
    const path = `${V3}/contacts/companies/types`;
    const listed = await raw('GET', path);
    expect(listed.status).toBe(200);
    fits(schemaModels, 'CollectionResponsePublicAssociationDefinitionNoPaging', listed);
    expect(listed.body.results).toEqual([
      { id: '1', name: 'contact_to_company' },
      { id: '279', name: 'contact_to_company_unlabeled' },
    ]);
    const back = await client.crm.associations.schema.typesApi.getAll('companies', 'contacts');
    expect(back.results.map((type) => [type.id, type.name])).toEqual([
      ['2', 'company_to_contact'],
      ['280', 'company_to_contact_unlabeled'],
    ]);
    const deals = await client.crm.associations.schema.typesApi.getAll('deals', 'contacts');
    expect(deals.results.map((type) => [type.id, type.name])).toEqual([['3', 'deal_to_contact']]);
    const label = await client.crm.associations.v4.schema.definitionsApi.create('contacts', 'companies', {
      name: 'billing_contact',
      label: 'Billing contact',
    });
    const withLabel = await client.crm.associations.schema.typesApi.getAll('contacts', 'companies');
    expect(withLabel.results).toContainEqual({
      id: String(label.results[0]!.typeId),
      name: 'billing_contact',
    });
  });

  it('batch-reads the associations v4 lists, one entry per type, and 207 for ids without any', async () => {
    const path = `${V3}/contacts/companies/batch/read`;
    const read = await raw('POST', path, { inputs: [{ id: contactId }] });
    expect(read.status).toBe(200);
    fits(models, 'BatchResponsePublicAssociationMulti', read);
    const [result] = read.body.results as { from: { id: string }; to: { id: string; type: string }[] }[];
    expect(result!.from).toEqual({ id: contactId });
    expect(result!.to).toEqual(
      expect.arrayContaining([
        { id: companyIds[0], type: 'contact_to_company' },
        { id: companyIds[0], type: 'contact_to_company_unlabeled' },
        { id: companyIds[1], type: 'contact_to_company_unlabeled' },
      ]),
    );
    expect(result!.to).toHaveLength(3);
    expect(result!.to.map((to) => `${to.id}:${to.type}`).sort()).toEqual(
      await v4AsV3('contacts', 'companies', contactId),
    );
    // The object read's v3 view lists the same.
    const contact = await client.crm.contacts.basicApi.getById(contactId, undefined, undefined, [
      'companies',
    ]);
    expect(contact.associations!.companies!.results.map((to) => `${to.id}:${to.type}`).sort()).toEqual(
      result!.to.map((to) => `${to.id}:${to.type}`).sort(),
    );

    const sdk = await client.crm.associations.batchApi.read('companies', 'contacts', {
      inputs: [{ id: companyIds[0]! }, { id: companyIds[2]! }],
    });
    expect(sdk.results.map((r) => [r._from.id, r.to.map((to) => to.type).sort()])).toEqual([
      [companyIds[0], ['company_to_contact', 'company_to_contact_unlabeled']],
    ]);
    expect(sdk.results[0]!.to.map((to) => `${to.id}:${to.type}`).sort()).toEqual(
      await v4AsV3('companies', 'contacts', companyIds[0]!),
    );
    const partial = await raw('POST', `${V3}/companies/contacts/batch/read`, {
      inputs: [{ id: companyIds[0] }, { id: companyIds[2] }, { id: '999999999' }],
    });
    expect(partial.status).toBe(207);
    fits(models, 'BatchResponsePublicAssociationMultiWithErrors', partial);
    expect(partial.body.numErrors).toBe(2);
  });

  it('creates by v3 type name: a primary company moves, as in v4, and both views show it', async () => {
    const created = await client.crm.associations.batchApi.create('contacts', 'companies', {
      inputs: [{ _from: { id: contactId }, to: { id: companyIds[2]! }, type: 'contact_to_company' }],
    });
    expect(created.results).toHaveLength(1);
    expect(typesOf(companyIds[2]!)).toEqual([1, 279]);
    expect(typesOf(companyIds[0]!)).toEqual([279]);
    expect(portal.recordsOf('contacts').get(contactId)!.properties.associatedcompanyid).toBe(companyIds[2]);
    const v3 = await client.crm.associations.batchApi.read('contacts', 'companies', {
      inputs: [{ id: contactId }],
    });
    expect(v3.results[0]!.to.map((to) => `${to.id}:${to.type}`).sort()).toEqual(
      await v4AsV3('contacts', 'companies', contactId),
    );

    const path = `${V3}/deals/contacts/batch/create`;
    const dealId = portal.createRecord('deals', { dealname: 'Renewal' }, AT).id;
    const mixed = await raw('POST', path, {
      inputs: [
        { from: { id: dealId }, to: { id: contactId }, type: 'deal_to_contact' },
        { from: { id: dealId }, to: { id: '999999999' }, type: 'deal_to_contact' },
      ],
    });
    expect(mixed.status).toBe(207);
    fits(models, 'BatchResponsePublicAssociationWithErrors', mixed);
    expect(mixed.body.results).toEqual([
      { from: { id: dealId }, to: { id: contactId }, type: 'deal_to_contact' },
    ]);
    expect(portal.associationsOf('contacts', contactId, 'deals').map((a) => [a.toId, a.typeId])).toEqual([
      [dealId, 4],
    ]);
    const made = await raw('POST', `${V3}/contacts/deals/batch/create`, {
      inputs: [{ from: { id: contactId }, to: { id: dealId }, type: 'contact_to_deal' }],
    });
    expect(made.status).toBe(201);
    fits(models, 'BatchResponsePublicAssociation', made);
  });

  it('refuses an unknown type name or a malformed input with a 400, changing nothing', async () => {
    const path = `${V3}/contacts/companies/batch/create`;
    const before = JSON.stringify(portal.associationsOf('contacts', contactId, 'companies'));
    const unknown = await raw('POST', path, {
      inputs: [
        { from: { id: contactId }, to: { id: companyIds[1] }, type: 'contact_to_company' },
        { from: { id: contactId }, to: { id: companyIds[1] }, type: 'contact_to_deal' },
      ],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    expect(unknown.body.message).toContain('contact_to_company_unlabeled');
    expect(spec('associations').schemaErrors('Error', unknown.body)).toEqual([]);
    const malformed = await raw('POST', path, {
      inputs: [{ from: { id: contactId }, type: 'contact_to_company' }],
    });
    expect(malformed.status).toBe(400);
    expect(spec('associations').schemaErrors('Error', malformed.body)).toEqual([]);
    await expect(
      client.crm.associations.batchApi.read('contacts', 'widgets', { inputs: [{ id: contactId }] }),
    ).rejects.toMatchObject({ code: 400 });
    expect(JSON.stringify(portal.associationsOf('contacts', contactId, 'companies'))).toBe(before);
  });

  it('archives one type: the primary leaves the company linked, the unlabeled type unlinks it', async () => {
    await client.crm.associations.batchApi.archive('contacts', 'companies', {
      inputs: [{ _from: { id: contactId }, to: { id: companyIds[2]! }, type: 'contact_to_company' }],
    });
    expect(typesOf(companyIds[2]!)).toEqual([279]);
    expect(portal.recordsOf('contacts').get(contactId)!.properties.associatedcompanyid).toBeNull();
    const archived = await raw('POST', `${V3}/companies/contacts/batch/archive`, {
      inputs: [{ from: { id: companyIds[1] }, to: { id: contactId }, type: 'company_to_contact_unlabeled' }],
    });
    expect(archived.status).toBe(204);
    expect(typesOf(companyIds[1]!)).toEqual([]);
    expect(portal.associationsOf('companies', companyIds[1]!, 'contacts')).toEqual([]);
    const v3 = await client.crm.associations.batchApi.read('contacts', 'companies', {
      inputs: [{ id: contactId }],
    });
    expect(v3.results[0]!.to.map((to) => `${to.id}:${to.type}`).sort()).toEqual(
      await v4AsV3('contacts', 'companies', contactId),
    );
    expect(v3.results[0]!.to.map((to) => to.id).sort()).toEqual([companyIds[0], companyIds[2]].sort());
  });
});
