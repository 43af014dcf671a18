/**
 * A ticket re-read because a webhook announced its change is mapped with the portal's synced
 * pipeline stages, as the full sync maps it: moved to a custom pipeline's closed stage (which
 * carries no close date and none of HubSpot's default stage ids), it reads as closed. Real sandbox
 * with webhook delivery over HTTP, the product's worker, real PGlite and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { pipeline, ticketStageMetadata } from '../../sandbox/pipelines.js';
import { ASSOCIATION_TYPE_IDS, SandboxStore, type PortalData } from '../../sandbox/store.js';
import { createWebhooksRouter, type ClosableRouter } from '../../sandbox/webhooks/router.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import type { WorkerPool } from '../../server/jobs/worker-pool.js';
import { waitUntil } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

const HUB = 641;
const DAY = 86_400_000;
const ESCALATIONS = pipeline('31415926', 'Escalations', 0, [
  ['27182818', 'Escalated', ticketStageMetadata('OPEN')],
  ['16180339', 'Fixed', ticketStageMetadata('CLOSED')],
]);

let redis: EmbeddedRedis;
let store: SandboxStore;
let webhooks: ClosableRouter;
let sandbox: RunningSandbox;
let product: TestProduct;
let worker: WorkerPool;
let crm: PortalData;
let portalId: number;
let ticketId: string;

/** One customer with an open ticket in the portal's own escalations pipeline. */
function fillPortal(portal: PortalData, now: Date): void {
  portal.pipelines.get('tickets')!.set(ESCALATIONS.id, ESCALATIONS);
  const since = new Date(now.getTime() - 400 * DAY);
  const contactId = portal.createRecord(
    'contacts',
    {
      email: 'grace@example.com',
      firstname: 'Grace',
      lifecyclestage: 'customer',
      hs_lifecyclestage_customer_date: since.toISOString(),
      createdate: since.toISOString(),
    },
    since,
  ).id;
  const opened = new Date(now.getTime() - 2 * DAY);
  ticketId = portal.createRecord(
    'tickets',
    {
      subject: 'Invoices export twice',
      hs_pipeline: ESCALATIONS.id,
      hs_pipeline_stage: '27182818',
      hs_ticket_priority: 'HIGH',
      createdate: opened.toISOString(),
    },
    opened,
  ).id;
  portal.associate('contacts', contactId, 'tickets', ticketId, ASSOCIATION_TYPE_IDS['contacts:tickets']!);
}

const ticketRow = () =>
  product.ctx.db.db
    .selectFrom('tickets')
    .select(['stage', 'is_closed', 'closed_at'])
    .where('portal_id', '=', portalId)
    .where('id', '=', ticketId)
    .executeTakeFirst();

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  store = new SandboxStore();
  webhooks = createWebhooksRouter(store, {
    delivery: { batchWindowMs: 50, retryDelayMs: 100, maxAttempts: 3 },
  });
  sandbox = await startSandbox({
    store,
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    extraRouters: [webhooks],
  });
  crm = store.portal(HUB)!;
  fillPortal(crm, store.now());
  product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 1000, searchPerSecond: 1000 },
  });
  store.registerApp({
    ...PRODUCT_APP,
    redirectUris: [`${product.url}/oauth/callback`],
    webhookTargetUrl: `${product.url}/webhooks/hubspot`,
  });
  const subscribed = await fetch(`${sandbox.url}/_sandbox/apps/${PRODUCT_APP.appId}/webhooks`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      subscriptions: [
        { eventType: 'ticket.propertyChange', propertyName: 'hs_pipeline_stage', active: true },
      ],
    }),
  });
  expect(subscribed.status).toBe(200);
  worker = await product.startWorker();
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
  // The install's bootstrap is followed by the first full sync, which reads the pipelines first.
  await waitUntil(async () => {
    const cursors = await product.ctx.db.db
      .selectFrom('sync_cursors')
      .select('full_sync_completed_at')
      .where('portal_id', '=', portalId)
      .execute();
    return cursors.length === 6 && cursors.every((c) => c.full_sync_completed_at !== null);
  }, 300_000);
}, 300_000);

afterAll(async () => {
  webhooks.close();
  await worker?.close(1000);
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

describe('a ticket refetched after a webhook', () => {
  it('is read as closed once moved to a custom pipeline’s closed stage', async () => {
    expect(await ticketRow()).toMatchObject({ stage: '27182818', is_closed: false, closed_at: null });

    const closedAt = store.now();
    crm.updateRecord('tickets', ticketId, { hs_pipeline_stage: '16180339' }, closedAt);
    await waitUntil(async () => (await ticketRow())?.stage === '16180339', 10_000);

    const row = await ticketRow();
    expect(row).toMatchObject({ stage: '16180339', is_closed: true });
    // No close date on it: closed no later than its last change.
    expect(row!.closed_at).toEqual(closedAt);
  });
});
