/**
 * The demo's first cycle, measured against the sandbox's hidden truth: installs the app in a
 * generated portal like `npm run demo` (5,000 contacts, seed 42 by default, HubSpot's rate limits,
 * the product's usage streamed in while the first sync runs), waits for the first cycle, then
 * compares each contact's written `churn_risk_score` with whether the customer has
 * already decided to leave (the CRM shows it within the next 90 days). Prints one line.
 *
 *   npx tsx bench/demo-quality.ts [--contacts 5000] [--seed 42]
 */
import { parseArgs } from 'node:util';
import { generatePortal } from '../sandbox/generator/index.js';
import { startSandbox } from '../sandbox/main.js';
import { forwardUsageEvents } from '../cli/demo-install.js';
import { findPortalByExternalId } from '../server/db/portals.js';
import { createUsageApiKey } from '../server/sync/usage/api-keys.js';
import { startEmbeddedRedis } from '../server/jobs/embedded-redis.js';
import { latestRunProgress } from '../server/scoring/runs.js';
import { waitUntil } from '../tests/support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall } from '../tests/support/product-server.js';
import { rocAuc } from '../tests/support/roc-auc.js';

const { values } = parseArgs({
  options: { contacts: { type: 'string', default: '5000' }, seed: { type: 'string', default: '42' } },
});
const HUB = 720;

const redis = await startEmbeddedRedis();
const sandbox = await startSandbox({ portals: [HUB] });
const portal = sandbox.store.portal(HUB)!;
generatePortal(portal, { contacts: Number(values.contacts), seed: Number(values.seed) });
const product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
const worker = await product.startWorker();
try {
  const started = performance.now();
  await walkInstall(product.url, { portalId: HUB });
  const portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
  const key = await createUsageApiKey(product.ctx.db.db, portalId);
  await forwardUsageEvents(product.url, key.key, portal.usageEvents);
  await waitUntil(
    async () => (await latestRunProgress(product.ctx.db.db, portalId))?.status === 'succeeded',
    3600_000,
  );
  const seconds = (performance.now() - started) / 1000;
  const scores: number[] = [];
  const labels: boolean[] = [];
  for (const [id, truth] of portal.truth) {
    if (truth.churnVisibleAt !== null) continue;
    scores.push(Number(portal.recordsOf('contacts').get(id)!.properties.churn_risk_score));
    labels.push(truth.churnDecidedAt !== null);
  }
  const model = [...portal.recordsOf('contacts').values()][0]!.properties.churn_risk_model;
  process.stdout.write(
    `first cycle of ${values.contacts} contacts (seed ${values.seed}) in ${seconds.toFixed(1)} s: ` +
      `written scores vs hidden churn in the next 90 days ROC-AUC ${rocAuc(scores, labels).toFixed(3)} ` +
      `(${labels.filter(Boolean).length} churners of ${labels.length} customers; model ${model})\n`,
  );
} finally {
  await worker.close(1000);
  await product.close();
  await sandbox.close();
  await redis.stop();
}
