import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { refetchObjects } from '../../server/sync/refetch.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { sandboxCounts, warehouseCounts } from '../support/sandbox-portal.js';

const HUB = 610;
const CONTACTS = 2000;
const FAST = { generalPerSecond: 1000, searchPerSecond: 1000 };

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let crmPortal: PortalData;
let portalId: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  // Search shows each change at once: the tests count exactly what an incremental sync fetches.
  sandbox = await startSandbox({
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    searchIndexLagMs: 0,
  });
  crmPortal = sandbox.store.portal(HUB)!;
  generatePortal(crmPortal, { contacts: CONTACTS, seed: 11, now: new Date('2026-11-01T00:00:00Z') });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url, rateLimits: FAST });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
}, 300_000);
afterAll(async () => {
  await product.close();
  await sandbox.close();
  await redis.stop();
});

const deps = () => ({ db: product.ctx.db.db, connector: product.ctx.services.crms.connectorFor('hubspot') });
const calls = () => product.ctx.services.crms.stackFor('hubspot').requester.callsMade(portalId);

describe('syncing a portal into the warehouse', () => {
  it('a full sync copies every object and association', async () => {
    const before = calls();
    const results = await syncPortal(deps(), portalId, 'full');
    expect(await warehouseCounts(product.ctx.db.db, portalId)).toEqual(sandboxCounts(crmPortal));
    const fetched = results.reduce((n, r) => n + r.fetched, 0);
    // The fewest calls HubSpot's page size allows: one per 100 records (50 for contacts, listed with
    // the history of their stage and profile), plus one archived page per type, plus the deal and
    // ticket pipelines. No contact needs a second read for its history.
    const pageSize = (type: string) => (type === 'contacts' ? 50 : 100);
    const floor = results.reduce((n, r) => n + Math.max(1, Math.ceil(r.fetched / pageSize(r.type))) + 1, 2);
    expect(calls() - before).toBe(floor);
    expect(fetched).toBeGreaterThan(CONTACTS * 5);
  }, 300_000);

  it('stores every customer text with its sentiment as it arrives', async () => {
    const db = product.ctx.db.db;
    const unscored = await db
      .selectFrom('tickets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('portal_id', '=', portalId)
      .where('sentiment', 'is', null)
      .where((eb) => eb.or([eb('subject', 'is not', null), eb('content', 'is not', null)]))
      .executeTakeFirstOrThrow();
    expect(Number(unscored.n)).toBe(0);
    const inbound = await db
      .selectFrom('emails')
      .select(['sentiment'])
      .where('portal_id', '=', portalId)
      .where('direction', '=', 'INCOMING_EMAIL')
      .execute();
    expect(inbound.length).toBeGreaterThan(0);
    expect(inbound.every((e) => typeof e.sentiment === 'number')).toBe(true);
  });

  it('keeps the CRM values of a contact, typed', async () => {
    const [record] = [...crmPortal.recordsOf('contacts').values()];
    const row = await product.ctx.db.db
      .selectFrom('contacts')
      .selectAll()
      .where('portal_id', '=', portalId)
      .where('id', '=', record!.id)
      .executeTakeFirstOrThrow();
    expect(row.email).toBe(record!.properties.email?.toLowerCase());
    expect(row.lifecycle_stage).toBe(record!.properties.lifecyclestage);
    expect(row.created_at?.toISOString()).toBe(new Date(record!.properties.createdate!).toISOString());
    expect(row.properties.plan).toBe(record!.properties.plan);
  });

  it('an incremental sync after 150 changes fetches those and only those', async () => {
    const now = sandbox.store.now();
    const contacts = [...crmPortal.recordsOf('contacts').values()].slice(0, 100);
    const tickets = [...crmPortal.recordsOf('tickets').values()].slice(0, 50);
    for (const c of contacts)
      crmPortal.updateRecord('contacts', c.id, { jobtitle: 'Head of Retention' }, now);
    for (const t of tickets) crmPortal.updateRecord('tickets', t.id, { hs_ticket_priority: 'URGENT' }, now);

    const before = calls();
    const results = await syncPortal(deps(), portalId, 'incremental');
    const fetched = Object.fromEntries(results.map((r) => [r.type, r.fetched]));
    expect(fetched).toEqual({
      contacts: 100,
      companies: 0,
      emails: 0,
      tickets: 50,
      deals: 0,
      feedback_submissions: 0,
    });
    // One search per type, and one association read each for the changed contacts and tickets.
    expect(calls() - before).toBe(6 + 2);

    const urgent = await product.ctx.db.db
      .selectFrom('tickets')
      .select('id')
      .where('portal_id', '=', portalId)
      .where('priority', '=', 'URGENT')
      .execute();
    expect(urgent.map((t) => t.id).sort()).toEqual(expect.arrayContaining(tickets.map((t) => t.id).sort()));
    expect(await warehouseCounts(product.ctx.db.db, portalId)).toEqual(sandboxCounts(crmPortal));
  }, 300_000);

  it('a ticket whose text changes is scored again by the sync that brings it', async () => {
    const [ticket] = [...crmPortal.recordsOf('tickets').values()].slice(60);
    const read = async () =>
      (
        await product.ctx.db.db
          .selectFrom('tickets')
          .select('sentiment')
          .where('portal_id', '=', portalId)
          .where('id', '=', ticket!.id)
          .executeTakeFirstOrThrow()
      ).sentiment;
    crmPortal.updateRecord(
      'tickets',
      ticket!.id,
      { subject: 'Thank you', content: 'Wonderful support, thanks so much, everything works great now!' },
      sandbox.store.now(),
    );
    await syncPortal(deps(), portalId, 'incremental');
    expect(await read()).toBeGreaterThan(0.5);
    crmPortal.updateRecord(
      'tickets',
      ticket!.id,
      { subject: 'Still broken', content: 'This is terrible, the export is broken again and I am furious.' },
      sandbox.store.now(),
    );
    await syncPortal(deps(), portalId, 'incremental');
    expect(await read()).toBeLessThan(-0.5);
  }, 300_000);

  it('a second incremental sync with nothing new writes nothing', async () => {
    const results = await syncPortal(deps(), portalId, 'incremental');
    expect(results.reduce((n, r) => n + r.written, 0)).toBe(0);
  });

  it('re-fetches objects named by the CRM and archives deleted ones', async () => {
    const [kept, removed] = [...crmPortal.recordsOf('deals').values()];
    crmPortal.updateRecord('deals', kept!.id, { amount: '4321' }, sandbox.store.now());
    crmPortal.archiveRecord('deals', removed!.id, sandbox.store.now());
    const result = await refetchObjects(deps(), portalId, 'deals', [kept!.id, removed!.id]);
    expect(result).toEqual({ fetched: 1, written: 1, archived: 1 });
    const rows = await product.ctx.db.db
      .selectFrom('deals')
      .select(['id', 'amount', 'archived'])
      .where('portal_id', '=', portalId)
      .where('id', 'in', [kept!.id, removed!.id])
      .execute();
    expect(rows.find((r) => r.id === kept!.id)).toMatchObject({ amount: 4321, archived: false });
    expect(rows.find((r) => r.id === removed!.id)).toMatchObject({ archived: true });
  });

  it('completes correctly while the CRM answers with 429 bursts and 10 % 5xx', async () => {
    const other = 611;
    const portal = sandbox.store.createPortal(other);
    generatePortal(portal, { contacts: 300, seed: 3, now: new Date('2026-11-01T00:00:00Z') });
    expect((await walkInstall(product.url, { portalId: other })).status).toBe(200);
    const id = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(other)))!.id;
    const fault = await fetch(`${sandbox.url}/_sandbox/portals/${other}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 0.1, errorStatus: 503, seed: 5, rateLimitBurst: 5 }),
    });
    expect(fault.ok).toBe(true);
    const { HubSpotRequester } = await import('../../server/crm/hubspot/requester.js');
    const { HubSpotConnector } = await import('../../server/crm/hubspot/connector.js');
    const { PortalRateLimiter } = await import('../../server/crm/rate-limit.js');
    const requester = new HubSpotRequester({
      apiBase: sandbox.url,
      tokens: product.ctx.services.crms.stackFor('hubspot').vault,
      limiter: new PortalRateLimiter(product.ctx.queues.connection, 'faulty', FAST),
      backoffMs: 5,
    });
    await syncPortal({ db: product.ctx.db.db, connector: new HubSpotConnector(requester) }, id, 'full');
    expect(await warehouseCounts(product.ctx.db.db, id)).toEqual(sandboxCounts(portal));
    const state = (await (await fetch(`${sandbox.url}/_sandbox/portals/${other}/faults`)).json()) as {
      errorsInjected: number;
      rateLimitBurstRemaining: number;
    };
    expect(state.errorsInjected).toBeGreaterThan(0);
    expect(state.rateLimitBurstRemaining).toBe(0);
  }, 300_000);
});
