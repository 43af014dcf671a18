import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { SandboxStore } from '../../sandbox/store.js';
import { createWebhooksRouter, type ClosableRouter } from '../../sandbox/webhooks/router.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import type { WorkerPool } from '../../server/jobs/worker-pool.js';
import { waitUntil } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

const HUB = 640;
let redis: EmbeddedRedis;
let store: SandboxStore;
let webhooks: ClosableRouter;
let sandbox: RunningSandbox;
let product: TestProduct;
let worker: WorkerPool;
let portalId: number;

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
  generatePortal(store.portal(HUB)!, { contacts: 200, seed: 4, now: new Date('2026-11-01T00:00:00Z') });
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
        { eventType: 'contact.propertyChange', propertyName: 'lifecyclestage', active: true },
        { eventType: 'contact.deletion', active: true },
      ],
    }),
  });
  expect(subscribed.status).toBe(200);
  worker = await product.startWorker();
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
  // The install's bootstrap is followed by the first full sync.
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
  await worker.close(1000);
  await product.close();
  await sandbox.close();
  await redis.stop();
});

const contactRow = (id: string) =>
  product.ctx.db.db
    .selectFrom('contacts')
    .select(['lifecycle_stage', 'archived'])
    .where('portal_id', '=', portalId)
    .where('id', '=', id)
    .executeTakeFirst();

describe('changes the CRM announces by webhook', () => {
  it('reach the warehouse within seconds, without waiting for the next sync', async () => {
    const [contact] = [...store.portal(HUB)!.recordsOf('contacts').values()].filter(
      (c) => c.properties.lifecyclestage === 'customer',
    );
    store.portal(HUB)!.updateRecord('contacts', contact!.id, { lifecyclestage: 'other' }, store.now());
    await waitUntil(async () => (await contactRow(contact!.id))?.lifecycle_stage === 'other', 10_000);
  });

  it('a deleted contact is marked archived', async () => {
    const [, contact] = [...store.portal(HUB)!.recordsOf('contacts').values()];
    store.portal(HUB)!.archiveRecord('contacts', contact!.id, store.now());
    await waitUntil(async () => (await contactRow(contact!.id))?.archived === true, 10_000);
  });
});
