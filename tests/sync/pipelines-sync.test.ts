/**
 * A portal whose tickets and deals live in its own pipelines, with stage ids of its own: after a
 * sync, a ticket in the custom pipeline's closed stage reads as closed (and was open before it
 * closed), and a deal in the custom pipeline's won stage is a purchase, though neither carries
 * HubSpot's default stage ids nor a close flag of its own; a support ticket the product opens
 * lands in the portal's first ticket pipeline, at its first open stage. Real sandbox over HTTP,
 * real PGlite and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Job } from 'bullmq';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { dealStageMetadata, pipeline, ticketStageMetadata } from '../../sandbox/pipelines.js';
import { ASSOCIATION_TYPE_IDS, type PortalData } from '../../sandbox/store.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { buildFeatures } from '../../server/features/build/build-features.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { processRetentionAction, RETENTION_ACTION_JOB } from '../../server/jobs/retention-action-job.js';
import { performRetentionAction } from '../../server/workflows/perform-action.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

const HUB = 640;
const DAY = 86_400_000;
const NOW = Date.now();
const at = (daysAgo: number) => new Date(NOW - daysAgo * DAY);
const FAST = { generalPerSecond: 1000, searchPerSecond: 1000 };

const ESCALATIONS = pipeline('31415926', 'Escalations', 0, [
  ['27182818', 'Escalated', ticketStageMetadata('OPEN')],
  ['16180339', 'Fixed', ticketStageMetadata('CLOSED')],
]);
const RENEWALS = pipeline('14142135', 'Renewals', 1, [
  ['17320508', 'Proposed', dealStageMetadata(false, 0.6)],
  ['22360679', 'Renewed', dealStageMetadata(true, 1)],
  ['26457513', 'Lapsed', dealStageMetadata(true, 0)],
]);

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let crmPortal: PortalData;
let portalId: number;
const ids = { contact: '', closedTicket: '', openTicket: '', wonDeal: '', lostDeal: '', legacyTicket: '' };

function linkToContact(portal: PortalData, type: 'tickets' | 'deals', id: string): void {
  portal.associate('contacts', ids.contact, type, id, ASSOCIATION_TYPE_IDS[`contacts:${type}`]!);
}

/** One customer with tickets and deals in the portal's own pipelines. */
function fillPortal(portal: PortalData): void {
  // The admin put the escalations pipeline first: the support pipeline is no longer "0".
  portal.pipelines.get('tickets')!.set(ESCALATIONS.id, ESCALATIONS);
  portal.pipelines.get('tickets')!.get('0')!.displayOrder = 1;
  portal.pipelines.get('deals')!.set(RENEWALS.id, RENEWALS);
  ids.contact = portal.createRecord(
    'contacts',
    {
      email: 'ada@example.com',
      firstname: 'Ada',
      lifecyclestage: 'customer',
      hs_lifecyclestage_customer_date: at(400).toISOString(),
      createdate: at(400).toISOString(),
    },
    at(400),
  ).id;
  // Closed in the custom pipeline ten days ago; HubSpot's close date is not set on it.
  ids.closedTicket = portal.createRecord(
    'tickets',
    {
      subject: 'Export fails',
      hs_pipeline: ESCALATIONS.id,
      hs_pipeline_stage: '16180339',
      hs_ticket_priority: 'HIGH',
      createdate: at(20).toISOString(),
    },
    at(10),
  ).id;
  ids.openTicket = portal.createRecord(
    'tickets',
    {
      subject: 'Slow dashboard',
      hs_pipeline: ESCALATIONS.id,
      hs_pipeline_stage: '27182818',
      hs_ticket_priority: 'MEDIUM',
      createdate: at(5).toISOString(),
    },
    at(5),
  ).id;
  // A stage no pipeline lists: the close date decides, as before pipelines were read.
  ids.legacyTicket = portal.createRecord(
    'tickets',
    {
      subject: 'Old question',
      hs_pipeline: '0',
      hs_pipeline_stage: 'retired-stage',
      createdate: at(60).toISOString(),
      closed_date: at(50).toISOString(),
    },
    at(50),
  ).id;
  ids.wonDeal = portal.createRecord(
    'deals',
    {
      dealname: 'Annual renewal',
      amount: '1200',
      pipeline: RENEWALS.id,
      dealstage: '22360679',
      dealtype: 'existingbusiness',
      closedate: at(30).toISOString(),
      createdate: at(60).toISOString(),
    },
    at(30),
  ).id;
  ids.lostDeal = portal.createRecord(
    'deals',
    {
      dealname: 'Add-on',
      amount: '300',
      pipeline: RENEWALS.id,
      dealstage: '26457513',
      closedate: at(15).toISOString(),
      createdate: at(40).toISOString(),
    },
    at(15),
  ).id;
  for (const id of [ids.closedTicket, ids.openTicket, ids.legacyTicket]) linkToContact(portal, 'tickets', id);
  for (const id of [ids.wonDeal, ids.lostDeal]) linkToContact(portal, 'deals', id);
}

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    searchIndexLagMs: 0,
  });
  crmPortal = sandbox.store.portal(HUB)!;
  fillPortal(crmPortal);
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url, rateLimits: FAST });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
  await syncPortal(
    { db: product.ctx.db.db, connector: product.ctx.services.crms.connectorFor('hubspot') },
    portalId,
    'full',
  );
}, 300_000);
afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

async function featuresAt(asOf: Date) {
  const all = [];
  for await (const chunk of buildFeatures(product.ctx.db.db, portalId, asOf)) all.push(...chunk);
  return all.find((f) => f.contactId === ids.contact)!.values;
}

describe("a portal's own pipelines", () => {
  it('are synced with what each stage means', async () => {
    const stages = await product.ctx.db.db
      .selectFrom('pipeline_stages')
      .select(['object_type', 'pipeline_id', 'pipeline_order', 'stage_id', 'is_closed', 'is_won', 'metadata'])
      .where('portal_id', '=', portalId)
      .orderBy('object_type')
      .orderBy('pipeline_order')
      .orderBy('stage_order')
      .execute();
    expect(
      stages.filter((s) => s.object_type === 'tickets').map((s) => [s.pipeline_id, s.stage_id, s.is_closed]),
    ).toEqual([
      ['31415926', '27182818', false],
      ['31415926', '16180339', true],
      ['0', '1', false],
      ['0', '2', false],
      ['0', '3', false],
      ['0', '4', true],
    ]);
    const deals = stages.filter((s) => s.object_type === 'deals');
    expect(deals.filter((s) => s.is_won).map((s) => s.stage_id)).toEqual(['closedwon', '22360679']);
    expect(deals.find((s) => s.stage_id === '26457513')).toMatchObject({
      is_closed: true,
      is_won: false,
      metadata: { isClosed: 'true', probability: '0.0' },
    });
  });

  it('close a ticket in a custom closed stage, keep one in an open stage open, and fall back on an unknown stage', async () => {
    const tickets = await product.ctx.db.db
      .selectFrom('tickets')
      .select(['id', 'stage', 'is_closed', 'closed_at'])
      .where('portal_id', '=', portalId)
      .execute();
    const byId = new Map(tickets.map((t) => [t.id, t]));
    expect(byId.get(ids.closedTicket)).toMatchObject({ stage: '16180339', is_closed: true });
    // No close date: it closed no later than its last change.
    expect(byId.get(ids.closedTicket)!.closed_at).toEqual(at(10));
    expect(byId.get(ids.openTicket)).toMatchObject({ is_closed: false, closed_at: null });
    expect(byId.get(ids.legacyTicket)).toMatchObject({ is_closed: true, closed_at: at(50) });
  });

  it('count the custom won deal as a purchase and the lapsed one as lost', async () => {
    const deals = await product.ctx.db.db
      .selectFrom('deals')
      .select(['id', 'is_closed_won', 'is_closed_lost'])
      .where('portal_id', '=', portalId)
      .execute();
    const byId = new Map(deals.map((d) => [d.id, d]));
    expect(byId.get(ids.wonDeal)).toMatchObject({ is_closed_won: true, is_closed_lost: false });
    expect(byId.get(ids.lostDeal)).toMatchObject({ is_closed_won: false, is_closed_lost: true });
    const values = await featuresAt(new Date(NOW));
    expect(values.purchases_total).toBe(1);
    expect(values.purchases_365d).toBe(1);
  });

  it('give features that count the closed ticket as closed now, and as open before it closed', async () => {
    expect((await featuresAt(new Date(NOW))).tickets_open).toBe(1);
    // Fifteen days ago the escalated ticket was open; the slow-dashboard one did not exist yet.
    expect((await featuresAt(at(15))).tickets_open).toBe(1);
    // Eight days ago: the escalated one had closed two days before.
    expect((await featuresAt(at(8))).tickets_open).toBe(0);
    expect((await featuresAt(at(12))).tickets_open).toBe(1);
  });
});

describe('a support ticket the retention action opens', () => {
  it("lands in the portal's first ticket pipeline, at its first open stage", async () => {
    const db = product.ctx.db.db;
    const action = await performRetentionAction(
      {
        db,
        work: { finishRetentionAction: async () => {} },
        publicUrl: 'https://churn.example.com/',
        surveyKey: Buffer.alloc(32, 7),
      },
      {
        portalId,
        contactId: ids.contact,
        action: 'proactive-support',
        requestKey: `check-in-${ids.contact}`,
        inputs: { holdout_percent: 0, campaign: 'check-in' },
        source: 'manual',
      },
    );
    expect(action).toMatchObject({ group: 'treatment', state: 'BLOCK' });
    const job = new Job(product.ctx.queues.get('workflows'), RETENTION_ACTION_JOB, { actionId: action.id });
    expect(await processRetentionAction(job, { db, crms: product.ctx.services.crms })).toEqual({
      actionId: action.id,
      result: 'completed',
    });
    const opened = crmPortal
      .associationsOf('contacts', ids.contact, 'tickets')
      .map((link) => crmPortal.recordsOf('tickets').get(link.toId)!)
      .filter((ticket) => ![ids.closedTicket, ids.openTicket, ids.legacyTicket].includes(ticket.id));
    expect(opened).toHaveLength(1);
    expect(opened[0]!.properties).toMatchObject({
      hs_pipeline: ESCALATIONS.id,
      hs_pipeline_stage: '27182818',
    });
  });
});
