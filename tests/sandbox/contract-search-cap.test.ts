import { it, expect, beforeAll, afterAll } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import type { RunningSandbox } from '../../sandbox/main.js';
import { describeWithSpecs, spec } from '../support/openapi.js';
import { hubspotClient, installApp, NO_LIMITS, startTestSandbox } from '../support/sandbox-server.js';

const PORTAL = 101;
/** Contacts the search matches: more than the 10,000 a query pages through. */
const MATCHING = 10_300;
const SEARCH = '/crm/objects/2026-03/contacts/search';
const customers = {
  filterGroups: [
    { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ' as never, value: 'customer' }] },
  ],
  sorts: ['lastmodifieddate'],
  properties: ['email', 'lastmodifieddate'],
  limit: 200,
};

describeWithSpecs(
  "search at HubSpot's 10,000-result cap, through @hubspot/api-client, against the 2026-03 spec",
  () => {
    let sandbox: RunningSandbox;
    let client: Client;
    /** The matching contacts, oldest change first. */
    const matching: string[] = [];

    const raw = async (body: unknown) => {
      const response = await client.apiRequest({ method: 'POST', path: SEARCH, body });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const conforms = (answer: { status: number; body: unknown }) =>
      expect(spec('contacts').responseErrors('POST', SEARCH, answer.status, answer.body)).toEqual([]);

    beforeAll(async () => {
      sandbox = await startTestSandbox({ rateLimits: NO_LIMITS, portals: [PORTAL], searchIndexLagMs: 0 });
      const portal = sandbox.store.portal(PORTAL)!;
      portal.emitChanges = false;
      const first = new Date('2026-01-01T00:00:00Z').getTime();
      for (let i = 0; i < MATCHING + 50; i += 1) {
        // Every 206th contact is a lead the filter leaves out; the others change a second apart.
        const lead = i % 206 === 205;
        const record = portal.createRecord(
          'contacts',
          { email: `c${i}@cap.example`, lifecyclestage: lead ? 'lead' : 'customer' },
          new Date(first + i * 1000),
        );
        if (!lead) matching.push(record.id);
      }
      const tokens = await installApp(sandbox.url, PORTAL, ['oauth', 'crm.objects.contacts.read']);
      client = hubspotClient(sandbox.url, tokens.access_token);
    }, 300_000);

    afterAll(async () => {
      await sandbox.close();
    });

    it('pages 200 at a time up to the 10,000th match and stops: `total` counts them all, the last page has no next', async () => {
      expect(matching).toHaveLength(MATCHING);
      const seen: string[] = [];
      const totals = new Set<number>();
      let after: string | undefined = '0';
      let pages = 0;
      while (after !== undefined) {
        const page = await client.crm.contacts.searchApi.doSearch({ ...customers, after });
        pages += 1;
        totals.add(page.total);
        expect(page.results).toHaveLength(200);
        seen.push(...page.results.map((record) => record.id));
        after = page.paging?.next?.after;
      }
      expect(pages).toBe(50);
      expect([...totals]).toEqual([MATCHING]);
      expect(seen).toEqual(matching.slice(0, 10_000));

      const last = await raw({ ...customers, after: '9800' });
      expect(last.status).toBe(200);
      expect(last.body.total).toBe(MATCHING);
      expect(last.body.results).toHaveLength(200);
      expect(last.body).not.toHaveProperty('paging');
      conforms(last);
    });

    it("refuses an `after` of 10,000 or more with HubSpot's 400 VALIDATION_ERROR", async () => {
      await expect(
        client.crm.contacts.searchApi.doSearch({ ...customers, after: '10000' }),
      ).rejects.toMatchObject({
        code: 400,
      });
      for (const after of ['10000', '10200']) {
        const refused = await raw({ ...customers, after });
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
        conforms(refused);
      }
      // Below the cap a page still answers, up to the 10,000th match.
      const beforeCap = await raw({ ...customers, after: '9990' });
      expect(beforeCap.status).toBe(200);
      expect(beforeCap.body.results).toHaveLength(10);
      expect(beforeCap.body).not.toHaveProperty('paging');
      conforms(beforeCap);
    });
  },
);
