/**
 * A generated portal in the sandbox (no rate limits, no search lag) with the product installed in
 * it over OAuth, for sync tests that drive the product's own sync against it.
 */
import { expect } from '@jest/globals';
import { generatePortal, type GenerationSummary } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { PortalData } from '../../sandbox/store.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from './product-server.js';

export interface InstalledPortal {
  sandbox: RunningSandbox;
  crm: PortalData;
  summary: GenerationSummary;
  product: TestProduct;
  /** The portal's id in the warehouse. */
  portalId: number;
  close(): Promise<void>;
}

export async function installedPortal(options: {
  hub: number;
  contacts: number;
  seed: number;
  now: Date;
}): Promise<InstalledPortal> {
  const redis = await startEmbeddedRedis();
  const sandbox = await startSandbox({
    portals: [options.hub],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    searchIndexLagMs: 0,
  });
  const crm = sandbox.store.portal(options.hub)!;
  const summary = generatePortal(crm, { contacts: options.contacts, seed: options.seed, now: options.now });
  const product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 1000, searchPerSecond: 1000 },
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: options.hub })).status).toBe(200);
  const portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(options.hub)))!.id;
  return {
    sandbox,
    crm,
    summary,
    product,
    portalId,
    close: async () => {
      await product.close();
      await sandbox.close();
      await redis.stop();
    },
  };
}
