import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { signInToDashboard, type DashboardSession } from './dashboard-session.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from './product-server.js';
import { seedScoredPortal } from './scored-portal.js';

/** The product installed in one sandbox portal, scored, with an advisor signed in to its dashboard. */
export interface SignedInProduct {
  product: TestProduct;
  sandbox: RunningSandbox;
  /** Our portal id (not the CRM's hub id). */
  portalId: number;
  session: DashboardSession;
  close(): Promise<void>;
}

/**
 * Starts Redis, a CRM sandbox and the product; installs the app in portal `hubId`, seeds `contacts`
 * scored contacts (ids `s1`…) and signs in to the dashboard as that portal's user.
 */
export async function startSignedInProduct(hubId: number, contacts = 20): Promise<SignedInProduct> {
  const redis: EmbeddedRedis = await startEmbeddedRedis();
  const sandbox = await startSandbox({ portals: [hubId], rateLimits: { tenSecondlyMax: 100_000 } });
  const product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  const installed = await walkInstall(product.url, { portalId: hubId });
  if (installed.status !== 200) throw new Error(`the install answered ${installed.status}`);
  await product.ctx.queues.get('system').drain();
  const portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(hubId)))!.id;
  await seedScoredPortal(product.ctx.db.db, portalId, { contacts, weeks: 2, idPrefix: 's' });
  const session = await signInToDashboard(product.url, hubId);
  return {
    product,
    sandbox,
    portalId,
    session,
    close: async () => {
      await product.close();
      await sandbox.close();
      await redis.stop();
    },
  };
}
