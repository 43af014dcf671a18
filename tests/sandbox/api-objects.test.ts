import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { RunningSandbox } from '../../sandbox/main.js';
import type { PortalData, RecordChange } from '../../sandbox/store.js';
import {
  callApi,
  hubspotClient,
  installApp,
  NO_LIMITS,
  startTestSandbox,
  TEST_APP,
} from '../support/sandbox-server.js';

const CONTACTS = '/crm/objects/2026-03/contacts';

describe('sandbox CRM objects', () => {
  let sandbox: RunningSandbox;
  let portal: PortalData;
  let token: string;
  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    callApi<T>(sandbox.url, token, method, path, body);

  beforeAll(async () => {
    sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [101] });
    portal = sandbox.store.portal(101)!;
    token = (await installApp(sandbox.url, 101)).access_token;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe('paging through 10,000 contacts', () => {
    const created: string[] = [];
    const archived: string[] = [];

    beforeAll(() => {
      const at = new Date('2025-01-01T00:00:00Z');
      for (let index = 0; index < 10_005; index += 1) {
        const record = portal.createRecord('contacts', { email: `page-${index}@example.com` }, at);
        if (index % 2001 === 0) {
          portal.archiveRecord('contacts', record.id, at);
          archived.push(record.id);
        } else created.push(record.id);
      }
    });

    it('returns every live contact exactly once, 100 a page, through the SDK', async () => {
      const client = hubspotClient(sandbox.url, token);
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await client.crm.contacts.basicApi.getPage(100, after, ['email']);
        seen.push(...page.results.map((record) => record.id));
        after = page.paging?.next?.after;
        pages += 1;
      } while (after);
      const live = new Set(created);
      const mine = seen.filter((id) => live.has(id));
      expect(mine).toHaveLength(created.length);
      expect(new Set(mine).size).toBe(created.length);
      expect(seen.filter((id) => archived.includes(id))).toEqual([]);
      expect(pages).toBe(Math.ceil(seen.length / 100));
    });

    it('lists only archived records when archived=true', async () => {
      const page = await call<{ results: { id: string; archived: boolean }[] }>(
        'GET',
        `${CONTACTS}?archived=true&limit=100`,
      );
      expect(page.body.results.map((record) => record.id)).toEqual(archived);
      expect(page.body.results.every((record) => record.archived)).toBe(true);
    });

    it('defaults to 10 results and refuses a limit above 100', async () => {
      const first = await call<{ results: unknown[]; paging: { next: { after: string } } }>('GET', CONTACTS);
      expect(first.body.results).toHaveLength(10);
      expect(first.body.paging.next.after).toMatch(/^\d+$/);
      const tooMany = await call('GET', `${CONTACTS}?limit=101`);
      expect(tooMany.status).toBe(400);
      expect(tooMany.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    });
  });

  it('returns requested properties, null for defined ones without a value, and associations', async () => {
    const company = portal.createRecord('companies', { name: 'Acme', domain: 'acme.example' }, new Date());
    const contact = portal.createRecord(
      'contacts',
      { email: 'ann@acme.example', firstname: 'Ann' },
      new Date(),
    );
    portal.associate('contacts', contact.id, 'companies', company.id, [279, 280]);
    const answer = await call<{ properties: Record<string, unknown>; associations: unknown }>(
      'GET',
      `${CONTACTS}/${contact.id}?properties=email,phone&properties=no_such_property&associations=companies`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.properties).toEqual({ email: 'ann@acme.example', phone: null });
    expect(answer.body.associations).toEqual({
      companies: { results: [{ id: company.id, type: 'contact_to_company_unlabeled' }] },
    });
    const byEmail = await call<{ id: string }>('GET', `${CONTACTS}/ANN@acme.example?idProperty=email`);
    expect(byEmail.body.id).toBe(contact.id);
    const missing = await call('GET', `${CONTACTS}/999999999`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });

  it('creates and updates through both the v3 and the 2026-03 paths, recording the app as the source', async () => {
    const changes: RecordChange[] = [];
    const stop = sandbox.store.onAnyChange((change) => changes.push(change));
    try {
      const created = await call<{ id: string; properties: Record<string, string> }>(
        'POST',
        '/crm/v3/objects/contacts',
        {
          properties: { email: 'new@example.com', lifecyclestage: 'customer', hs_email_optout: 'TRUE' },
        },
      );
      expect(created.status).toBe(201);
      expect(created.body.properties).toMatchObject({ email: 'new@example.com', hs_email_optout: 'true' });
      const updated = await call<{ properties: Record<string, string> }>(
        'PATCH',
        `${CONTACTS}/${created.body.id}`,
        {
          properties: { lifecyclestage: 'other', hs_lead_status: 'BAD_TIMING' },
        },
      );
      expect(updated.status).toBe(200);
      expect(updated.body.properties).toMatchObject({
        lifecyclestage: 'other',
        hs_lead_status: 'BAD_TIMING',
      });
      expect(changes.map((change) => [change.kind, change.source])).toEqual([
        ['creation', String(TEST_APP.appId)],
        ['propertyChange', String(TEST_APP.appId)],
      ]);
      expect(changes[1]!.changed).toEqual({ lifecyclestage: 'other', hs_lead_status: 'BAD_TIMING' });
      const duplicate = await call('POST', CONTACTS, { properties: { email: 'NEW@example.com' } });
      expect(duplicate.status).toBe(409);
    } finally {
      stop();
    }
  });

  it('stores datetimes written as epoch milliseconds in ISO form', async () => {
    const ticket = await call<{ properties: Record<string, string> }>(
      'POST',
      '/crm/objects/2026-03/tickets',
      {
        properties: {
          subject: 'Export fails',
          hs_pipeline: '0',
          hs_pipeline_stage: '1',
          hs_ticket_priority: 'HIGH',
          closed_date: String(Date.UTC(2026, 2, 1, 15, 30)),
        },
      },
    );
    expect(ticket.status).toBe(201);
    expect(ticket.body.properties.closed_date).toBe('2026-03-01T15:30:00.000Z');
  });

  it('needs a ticket name and status to create a ticket, and files it in the default pipeline', async () => {
    const incomplete = await call<{ errors: { code: string; context: { propertyName: string[] } }[] }>(
      'POST',
      '/crm/objects/2026-03/tickets',
      {
        properties: { content: 'No subject, no status' },
      },
    );
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.errors.map((error) => [error.code, error.context.propertyName[0]])).toEqual([
      ['REQUIRED_PROPERTY', 'subject'],
      ['REQUIRED_PROPERTY', 'hs_pipeline_stage'],
    ]);
    const ticket = await call<{ properties: Record<string, string> }>(
      'POST',
      '/crm/objects/2026-03/tickets',
      {
        properties: { subject: 'Invoice wrong', hs_pipeline_stage: '1' },
      },
    );
    expect(ticket.status).toBe(201);
    expect(ticket.body.properties.hs_pipeline).toBe('0');
  });

  it('refuses unknown and read-only properties and values outside a property type with HubSpot bodies', async () => {
    const contact = portal.createRecord('contacts', { email: 'strict@example.com' }, new Date());
    const answer = await call<{ message: string; category: string; errors: { code: string }[] }>(
      'PATCH',
      `${CONTACTS}/${contact.id}`,
      {
        properties: {
          favourite_colour: 'blue',
          createdate: '0',
          lifecyclestage: 'churned',
          hs_email_optout: 'maybe',
        },
      },
    );
    expect(answer.status).toBe(400);
    expect(answer.body.category).toBe('VALIDATION_ERROR');
    expect(answer.body.message).toMatch(/^Property values were not valid: \[/);
    const problems = JSON.parse(answer.body.message.replace('Property values were not valid: ', '')) as {
      name: string;
      error: string;
    }[];
    expect(problems.map((problem) => [problem.name, problem.error])).toEqual([
      ['favourite_colour', 'PROPERTY_DOESNT_EXIST'],
      ['createdate', 'READ_ONLY_VALUE'],
      ['lifecyclestage', 'INVALID_OPTION'],
      ['hs_email_optout', 'INVALID_BOOLEAN'],
    ]);
    expect(portal.recordsOf('contacts').get(contact.id)!.properties.lifecyclestage).toBeUndefined();
  });

  describe('batch endpoints', () => {
    const ids: string[] = [];

    beforeAll(async () => {
      const created = await call<{ results: { id: string }[] }>('POST', `${CONTACTS}/batch/create`, {
        inputs: Array.from({ length: 100 }, (_unused, index) => ({
          properties: { email: `batch-${index}@example.com`, firstname: `B${index}` },
        })),
      });
      expect(created.status).toBe(201);
      ids.push(...created.body.results.map((record) => record.id));
    });

    it('refuses a batch update of 101 inputs with 400 VALIDATION_ERROR and changes nothing', async () => {
      const inputs = [...ids, ids[0]!].map((id) => ({ id, properties: { firstname: 'Changed' } }));
      expect(inputs).toHaveLength(101);
      const answer = await call('POST', `${CONTACTS}/batch/update`, { inputs });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
      expect(String(answer.body.message)).toContain('101');
      expect(
        ids.every((id) => portal.recordsOf('contacts').get(id)!.properties.firstname !== 'Changed'),
      ).toBe(true);
    });

    it('updates the known ids of a batch and answers 207 listing the unknown ones', async () => {
      const answer = await call<{
        results: { id: string }[];
        errors: { category: string; context: unknown }[];
      }>('POST', `${CONTACTS}/batch/update`, {
        inputs: [
          { id: ids[0], properties: { firstname: 'First' } },
          { id: '123', properties: { firstname: 'Ghost' } },
          { id: 'batch-2@example.com', idProperty: 'email', properties: { firstname: 'ByEmail' } },
        ],
      });
      expect(answer.status).toBe(207);
      expect(answer.body.results.map((record) => record.id)).toEqual([ids[0], ids[2]]);
      expect(answer.body.errors).toEqual([
        expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { ids: ['123'] } }),
      ]);
      expect(portal.recordsOf('contacts').get(ids[2]!)!.properties.firstname).toBe('ByEmail');
    });

    it('leaves a batch undone when one input has an invalid value', async () => {
      const answer = await call('POST', `${CONTACTS}/batch/update`, {
        inputs: [
          { id: ids[3], properties: { firstname: 'Should not stick' } },
          { id: ids[4], properties: { hs_object_id: '1' } },
        ],
      });
      expect(answer.status).toBe(400);
      expect(portal.recordsOf('contacts').get(ids[3]!)!.properties.firstname).toBe('B3');
    });

    it('reads a batch with 207 for unknown ids, then archives and hides archived records', async () => {
      const read = await call<{ results: { id: string; properties: Record<string, string> }[] }>(
        'POST',
        `${CONTACTS}/batch/read`,
        { inputs: [{ id: ids[5] }, { id: '42' }], properties: ['firstname'], propertiesWithHistory: [] },
      );
      expect(read.status).toBe(207);
      expect(read.body.results).toEqual([
        expect.objectContaining({ id: ids[5], properties: { firstname: 'B5' } }),
      ]);

      const archive = await call('POST', `${CONTACTS}/batch/archive`, {
        inputs: [{ id: ids[5] }, { id: ids[6] }],
      });
      expect(archive.status).toBe(204);
      expect((await call('GET', `${CONTACTS}/${ids[5]}`)).status).toBe(404);
      const archived = await call<{ archived: boolean; archivedAt: string }>(
        'GET',
        `${CONTACTS}/${ids[5]}?archived=true`,
      );
      expect(archived.body.archived).toBe(true);
      expect(archived.body.archivedAt).toEqual(expect.any(String));
      const reread = await call('POST', `${CONTACTS}/batch/read`, {
        inputs: [{ id: ids[6] }],
        properties: [],
      });
      expect(reread.status).toBe(207);
    });
  });

  it('serves feedback submissions read-only', async () => {
    const submission = portal.createRecord(
      'feedback_submissions',
      { hs_survey_type: 'NPS', hs_response_value: '3', hs_content: 'Too expensive' },
      new Date(),
    );
    const read = await call<{ properties: Record<string, string> }>(
      'GET',
      `/crm/objects/2026-03/feedback_submissions/${submission.id}?properties=hs_response_value,hs_survey_type`,
    );
    expect(read.body.properties).toEqual({ hs_response_value: '3', hs_survey_type: 'NPS' });
    const write = await call('POST', '/crm/objects/2026-03/feedback_submissions', {
      properties: { hs_content: 'forged' },
    });
    expect(write.status).toBe(405);
    expect(write.body).toMatchObject({ status: 'error' });
  });
});
