/**
 * What a real portal does that a tidy one never shows, through the official Node client
 * (`@hubspot/api-client` 13.5) and on the 2026-03 paths, each raw body checked against HubSpot's
 * 2026-03 specs: contact merges (a survivor keeping one primary company), GDPR deletions, a batch
 * update naming one id twice, property archiving, and the v1 token-information endpoints the
 * client still calls.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import type { RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { eventsForChange } from '../../sandbox/webhooks/events.js';
import { describeWithSpecs, spec } from '../support/openapi.js';
import {
  ALL_SCOPES,
  hubspotClient,
  installApp,
  NO_LIMITS,
  startTestSandbox,
  type Tokens,
} from '../support/sandbox-server.js';
import { rawCall, type RawAnswer, expectConforms } from '../support/raw-calls.js';
import { PRIMARY_COMPANY } from '../support/association-specs.js';

type Raw = RawAnswer<
  Record<string, unknown> & { results?: { id: string; properties?: Record<string, string> }[] }
>;

const CONTACTS = '/crm/objects/2026-03/contacts';
const AT = new Date('2026-02-01T00:00:00Z');

describeWithSpecs('merges, deletions and refusals of a real portal, against the 2026-03 specs', () => {
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let client: Client;
  let tokens: Tokens;

  const raw = (method: string, path: string, body?: unknown) =>
    rawCall<Raw['body']>(client, method, path, body);
  const conforms = expectConforms;
  const contact = (properties: Record<string, string>) => portal.createRecord('contacts', properties, AT).id;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101], searchIndexLagMs: 0 });
    portal = sandbox.store.portal(101)!;
    // Company merges write companies, a scope the product itself never asks for.
    tokens = await installApp(sandbox.url, 101, [...ALL_SCOPES, 'crm.objects.companies.write']);
    client = hubspotClient(sandbox.url, tokens.access_token);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe('contact merge', () => {
    it('keeps the primary, fills its empty values from the other, and joins their associations', async () => {
      const primary = contact({ email: 'ada@globex.example', firstname: 'Ada', lifecyclestage: 'customer' });
      const other = contact({ email: 'ada.l@globex.example', firstname: 'Ady', lastname: 'Lovelace' });
      const ticket = portal.createRecord('tickets', { subject: 'Help', hs_pipeline_stage: '1' }, AT).id;
      const email = portal.createRecord('emails', { hs_email_subject: 'Hi' }, AT).id;
      portal.associate('contacts', other, 'tickets', ticket, [15, 16]);
      portal.associate('contacts', other, 'emails', email, [197, 198]);
      portal.associate('contacts', primary, 'emails', email, [197, 198]);
      portal.updateRecord('contacts', other, { lifecyclestage: 'lead' }, new Date('2026-03-01T00:00:00Z'));

      const path = `${CONTACTS}/merge`;
      const merged = await raw('POST', path, { primaryObjectId: primary, objectIdToMerge: other });
      expect(merged.status).toBe(200);
      conforms('contacts', 'POST', path, merged);
      expect(merged.body).toMatchObject({
        id: primary,
        properties: {
          email: 'ada@globex.example',
          firstname: 'Ada',
          lastname: 'Lovelace',
          lifecyclestage: 'customer',
          hs_merged_object_ids: other,
        },
      });
      expect(portal.associationsOf('contacts', primary, 'tickets').map((a) => a.toId)).toEqual([ticket]);
      expect(portal.associationsOf('contacts', primary, 'emails').map((a) => a.toId)).toEqual([email]);
      expect(portal.associationsOf('tickets', ticket, 'contacts').map((a) => a.toId)).toEqual([primary]);
      expect(portal.associationsOf('emails', email, 'contacts').map((a) => a.toId)).toEqual([primary]);

      // Reads of the merged id answer 404, live or archived; lists name it nowhere.
      const gone = await raw('GET', `${CONTACTS}/${other}`);
      expect(gone.status).toBe(404);
      conforms('contacts', 'GET', `${CONTACTS}/${other}`, gone);
      expect((await raw('GET', `${CONTACTS}/${other}?archived=true`)).status).toBe(404);
      const archivedList = await raw('GET', `${CONTACTS}?archived=true&limit=100`);
      expect(archivedList.body.results!.map((r) => r.id)).not.toContain(other);

      // The survivor's history holds both pasts; its newest lifecycle value is its own.
      const history = await client.crm.contacts.basicApi.getById(
        primary,
        ['lifecyclestage'],
        ['lifecyclestage'],
      );
      const values = history.propertiesWithHistory!.lifecyclestage!.map((entry) => entry.value);
      expect(values[0]).toBe('customer');
      expect(values).toEqual(expect.arrayContaining(['customer', 'lead']));
    });

    it('merges through the official client and lists every folded id, a chain included', async () => {
      const a = contact({ email: 'a@initech.example' });
      const b = contact({ email: 'b@initech.example' });
      const c = contact({ email: 'c@initech.example', phone: '+44 20 7946 0000' });
      await client.crm.contacts.basicApi.merge({ primaryObjectId: b, objectIdToMerge: c });
      const survivor = await client.crm.contacts.basicApi.merge({ primaryObjectId: a, objectIdToMerge: b });
      expect(survivor.id).toBe(a);
      expect(survivor.properties.phone).toBe('+44 20 7946 0000');
      expect(survivor.properties.hs_merged_object_ids!.split(';').sort()).toEqual([b, c].sort());
      const read = await client.crm.contacts.basicApi.getById(a, ['hs_merged_object_ids']);
      expect(read.properties.hs_merged_object_ids!.split(';').sort()).toEqual([b, c].sort());
    });

    it('refuses a merge with itself, of an unknown id, or a malformed body, changing nothing', async () => {
      const a = contact({ email: 'solo@hooli.example' });
      const before = portal.recordsOf('contacts').size;
      const path = `${CONTACTS}/merge`;
      const itself = await raw('POST', path, { primaryObjectId: a, objectIdToMerge: a });
      expect(itself.status).toBe(400);
      expect(itself.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
      conforms('contacts', 'POST', path, itself);
      const unknown = await raw('POST', path, { primaryObjectId: a, objectIdToMerge: '999999999999' });
      expect(unknown.status).toBe(404);
      conforms('contacts', 'POST', path, unknown);
      const malformed = await raw('POST', path, { primaryObjectId: a });
      expect(malformed.status).toBe(400);
      conforms('contacts', 'POST', path, malformed);
      expect(portal.recordsOf('contacts').size).toBe(before);
      expect(portal.recordsOf('contacts').get(a)!.properties.hs_merged_object_ids).toBeUndefined();
    });

    it("keeps the survivor's primary company; the other's stays linked by the unlabeled type only", async () => {
      const survivor = contact({ email: 'pat@hooli.example' });
      const other = contact({ email: 'pat.p@piedpiper.example' });
      const [hooli, piedPiper] = ['Hooli', 'Pied Piper'].map(
        (name) => portal.createRecord('companies', { name }, AT).id,
      );
      await client.crm.associations.v4.basicApi.create('contacts', survivor, 'companies', hooli!, [
        PRIMARY_COMPANY,
      ]);
      await client.crm.associations.v4.basicApi.create('contacts', other, 'companies', piedPiper!, [
        PRIMARY_COMPANY,
      ]);
      const typeIds = (
        from: 'contacts' | 'companies',
        id: string,
        to: 'contacts' | 'companies',
        target: string,
      ) =>
        portal
          .associationsOf(from, id, to)
          .filter((a) => a.toId === target)
          .map((a) => a.typeId)
          .sort((a, b) => a - b);

      const path = `${CONTACTS}/merge`;
      const merged = await raw('POST', path, { primaryObjectId: survivor, objectIdToMerge: other });
      expect(merged.status).toBe(200);
      conforms('contacts', 'POST', path, merged);
      expect(merged.body.properties).toMatchObject({ associatedcompanyid: hooli });
      expect(typeIds('contacts', survivor, 'companies', hooli!)).toEqual([1, 279]);
      expect(typeIds('contacts', survivor, 'companies', piedPiper!)).toEqual([279]);
      expect(typeIds('companies', hooli!, 'contacts', survivor)).toEqual([2, 280]);
      expect(typeIds('companies', piedPiper!, 'contacts', survivor)).toEqual([280]);
      expect(portal.associationsOf('companies', piedPiper!, 'contacts').map((a) => a.toId)).toEqual([
        survivor,
      ]);

      const v4 = await client.crm.associations.v4.basicApi.getPage('contacts', survivor, 'companies');
      const primaries = v4.results.filter((r) => r.associationTypes.some((t) => t.typeId === 1));
      expect(primaries.map((r) => String(r.toObjectId))).toEqual([hooli]);
      const v3 = await raw('GET', `${CONTACTS}/${survivor}?associations=companies`);
      conforms('contacts', 'GET', `${CONTACTS}/${survivor}`, v3);
      const types = (v3.body.associations as { companies: { results: { id: string; type: string }[] } })
        .companies.results;
      expect(types.filter((t) => t.type === 'contact_to_company')).toEqual([
        { id: hooli, type: 'contact_to_company' },
      ]);
      expect(types).toHaveLength(3);
    });

    it('moves the contacts of a merged company to the survivor, their primary company named as the survivor', async () => {
      const ann = contact({ email: 'ann@initech.example' });
      const [initech, initrode] = ['Initech', 'Initrode'].map(
        (name) => portal.createRecord('companies', { name }, AT).id,
      );
      await client.crm.associations.v4.basicApi.create('contacts', ann, 'companies', initrode!, [
        PRIMARY_COMPANY,
      ]);
      expect(portal.recordsOf('contacts').get(ann)!.properties.associatedcompanyid).toBe(initrode);

      const path = '/crm/objects/2026-03/companies/merge';
      const merged = await raw('POST', path, { primaryObjectId: initech, objectIdToMerge: initrode });
      expect(merged.status).toBe(200);
      conforms('companies', 'POST', path, merged);
      const read = await client.crm.contacts.basicApi.getById(ann, ['associatedcompanyid']);
      expect(read.properties.associatedcompanyid).toBe(initech);
      const v4 = await client.crm.associations.v4.basicApi.getPage('contacts', ann, 'companies');
      expect(
        v4.results.map((r) => [String(r.toObjectId), r.associationTypes.map((t) => t.typeId).sort()]),
      ).toEqual([[initech, [1, 279]]]);
    });

    it("gives a subscribed app HubSpot's contact.merge event", () => {
      const events = eventsForChange(
        {
          portalId: 101,
          objectType: 'contacts',
          objectId: '7',
          kind: 'merge',
          changed: {},
          occurredAt: AT,
          source: 'CRM',
          merge: { primaryObjectId: '7', mergedObjectIds: ['8'], newObjectId: '7' },
        },
        3101,
        [{ id: 1, eventType: 'contact.merge', active: true, createdAt: AT, updatedAt: AT }],
        () => 55,
      );
      expect(events).toEqual([
        expect.objectContaining({
          subscriptionType: 'contact.merge',
          objectId: 7,
          primaryObjectId: 7,
          mergedObjectIds: [8],
          newObjectId: 7,
        }),
      ]);
    });
  });

  describe('GDPR delete', () => {
    it('deletes a contact for good: no read, no list, archived lists included, no associations', async () => {
      const id = contact({ email: 'forget.me@umbrella.example', firstname: 'Forget' });
      const ticket = portal.createRecord('tickets', { subject: 'Mine', hs_pipeline_stage: '1' }, AT).id;
      portal.associate('contacts', id, 'tickets', ticket, [15, 16]);
      const path = `${CONTACTS}/gdpr-delete`;
      const deleted = await raw('POST', path, { objectId: id });
      expect(deleted.status).toBe(204);
      expect((await raw('GET', `${CONTACTS}/${id}`)).status).toBe(404);
      expect((await raw('GET', `${CONTACTS}/${id}?archived=true`)).status).toBe(404);
      const archived = await raw('GET', `${CONTACTS}?archived=true&limit=100`);
      expect(archived.status).toBe(200);
      conforms('contacts', 'GET', CONTACTS, archived);
      expect(archived.body.results!.map((r) => r.id)).not.toContain(id);
      expect(portal.associationsOf('tickets', ticket, 'contacts')).toEqual([]);
    });

    it('deletes an archived contact, and one named by email, through the official client', async () => {
      const archivedId = contact({ email: 'archived@umbrella.example' });
      portal.archiveRecord('contacts', archivedId, AT);
      await client.crm.contacts.basicApi.purge({ objectId: archivedId });
      expect(portal.recordsOf('contacts').has(archivedId)).toBe(false);
      const byEmail = contact({ email: 'By.Email@umbrella.example' });
      await client.crm.contacts.basicApi.purge({
        objectId: 'by.email@umbrella.example',
        idProperty: 'email',
      });
      expect(portal.recordsOf('contacts').has(byEmail)).toBe(false);
      // An address no contact holds is blocked by HubSpot: the answer is still 204.
      await client.crm.contacts.basicApi.purge({ objectId: 'nobody@umbrella.example', idProperty: 'email' });
    });

    it('answers 404 for an unknown id and 400 for a malformed body', async () => {
      const path = `${CONTACTS}/gdpr-delete`;
      const unknown = await raw('POST', path, { objectId: '999999999999' });
      expect(unknown.status).toBe(404);
      conforms('contacts', 'POST', path, unknown);
      const malformed = await raw('POST', path, { idProperty: 'email' });
      expect(malformed.status).toBe(400);
      conforms('contacts', 'POST', path, malformed);
      const notUnique = await raw('POST', path, { objectId: 'Ada', idProperty: 'firstname' });
      expect(notUnique.status).toBe(400);
    });
  });

  describe('batch update', () => {
    it('refuses a batch naming one id twice, writing nothing', async () => {
      const id = contact({ email: 'twice@stark.example', firstname: 'Tony' });
      const path = `${CONTACTS}/batch/update`;
      const twice = await raw('POST', path, {
        inputs: [
          { id, properties: { firstname: 'One' } },
          { id, properties: { firstname: 'Two' } },
        ],
      });
      expect(twice.status).toBe(400);
      expect(twice.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
      expect(String(twice.body.message)).toContain('Duplicate IDs found in batch input');
      expect(String(twice.body.message)).toContain(id);
      conforms('contacts', 'POST', path, twice);
      expect(portal.recordsOf('contacts').get(id)!.properties.firstname).toBe('Tony');
      await expect(
        client.crm.contacts.batchApi.update({
          inputs: [
            { id, properties: { firstname: 'One' } },
            { id, properties: { firstname: 'Two' } },
          ],
        }),
      ).rejects.toMatchObject({ code: 400 });
      const once = await client.crm.contacts.batchApi.update({
        inputs: [{ id, properties: { firstname: 'One' } }],
      });
      expect(once.results[0]!.properties.firstname).toBe('One');
    });
  });

  describe('property archive', () => {
    it('archives a custom property: gone from reads and writes, listed with archived=true', async () => {
      await client.crm.properties.groupsApi.create('contacts', { name: 'churn_risk', label: 'Churn risk' });
      await client.crm.properties.coreApi.create('contacts', {
        name: 'churn_note',
        label: 'Churn note',
        type: 'string' as never,
        fieldType: 'text' as never,
        groupName: 'churn_risk',
      });
      const base = '/crm/properties/2026-03/contacts';
      const archived = await raw('DELETE', `${base}/churn_note`);
      expect(archived.status).toBe(204);

      const live = await raw('GET', base);
      conforms('properties', 'GET', base, live);
      expect(live.body.results!.map((p) => (p as unknown as { name: string }).name)).not.toContain(
        'churn_note',
      );
      const listed = await raw('GET', `${base}?archived=true`);
      expect(listed.status).toBe(200);
      conforms('properties', 'GET', base, listed);
      expect(listed.body.results).toEqual([
        expect.objectContaining({ name: 'churn_note', archived: true, archivedAt: expect.any(String) }),
      ]);
      const one = await raw('GET', `${base}/churn_note?archived=true`);
      expect(one.status).toBe(200);
      conforms('properties', 'GET', `${base}/churn_note`, one);
      const missing = await raw('GET', `${base}/churn_note`);
      expect(missing.status).toBe(404);
      conforms('properties', 'GET', `${base}/churn_note`, missing);

      const id = contact({ email: 'note@wayne.example' });
      const write = await raw('PATCH', `${CONTACTS}/${id}`, { properties: { churn_note: 'x' } });
      expect(write.status).toBe(400);
    });

    it('archives through the official client and refuses HubSpot-defined or unknown properties', async () => {
      await client.crm.properties.coreApi.create('contacts', {
        name: 'churn_flag',
        label: 'Churn flag',
        type: 'string' as never,
        fieldType: 'text' as never,
        groupName: 'churn_risk',
      });
      await client.crm.properties.coreApi.archive('contacts', 'churn_flag');
      const listed = await client.crm.properties.coreApi.getAll('contacts', true);
      expect(listed.results.map((p) => p.name).sort()).toEqual(['churn_flag', 'churn_note']);
      const base = '/crm/properties/2026-03/contacts';
      const own = await raw('DELETE', `${base}/email`);
      expect(own.status).toBe(400);
      conforms('properties', 'DELETE', `${base}/email`, own);
      const unknown = await raw('DELETE', `${base}/no_such_property`);
      expect(unknown.status).toBe(404);
      conforms('properties', 'DELETE', `${base}/no_such_property`, unknown);
      expect(portal.properties.get('contacts')!.has('email')).toBe(true);
    });
  });

  describe('v1 token information', () => {
    it('describes access and refresh tokens in the spec shapes, through the official client', async () => {
      const accessPath = `/oauth/v1/access-tokens/${tokens.access_token}`;
      const access = await fetch(`${sandbox.url}${accessPath}`);
      expect(access.status).toBe(200);
      const accessBody = await access.json();
      expect(spec('oauth').schemaErrors('PublicAccessTokenInfoResponse', accessBody)).toEqual([]);
      expect(accessBody).toMatchObject({ token: tokens.access_token, hub_id: 101, token_type: 'access' });

      const refresh = await fetch(`${sandbox.url}/oauth/v1/refresh-tokens/${tokens.refresh_token}`);
      expect(refresh.status).toBe(200);
      const refreshBody = await refresh.json();
      expect(spec('oauth').schemaErrors('PublicRefreshTokenInfoResponse', refreshBody)).toEqual([]);

      const info = await client.oauth.accessTokensApi.get(tokens.access_token);
      expect(info).toMatchObject({ hubId: 101, appId: 3101, token: tokens.access_token });
      expect(info.expiresIn).toBeGreaterThan(0);
      const refreshInfo = await client.oauth.refreshTokensApi.get(tokens.refresh_token);
      expect(refreshInfo).toMatchObject({ hubId: 101, clientId: 'churn-radar-test-client' });
    });

    it('answers 404 in the Error shape for a token it never issued, and revokes a refresh token', async () => {
      const unknown = await fetch(`${sandbox.url}/oauth/v1/access-tokens/not-a-token`);
      expect(unknown.status).toBe(404);
      expect(spec('oauth').schemaErrors('Error', await unknown.json())).toEqual([]);
      await expect(client.oauth.refreshTokensApi.get('not-a-token')).rejects.toMatchObject({ code: 404 });

      const other = await installApp(sandbox.url, 101, ['oauth']);
      await client.oauth.refreshTokensApi.archive(other.refresh_token);
      expect((await fetch(`${sandbox.url}/oauth/v1/refresh-tokens/${other.refresh_token}`)).status).toBe(404);
      expect((await fetch(`${sandbox.url}/oauth/v1/access-tokens/${other.access_token}`)).status).toBe(404);
    });
  });
});
