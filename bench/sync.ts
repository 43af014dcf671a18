/**
 * A full sync of a generated portal against the sandbox at HubSpot's default rate limit (110 calls
 * per rolling 10 s), compared with the floor: the fewest calls HubSpot's page sizes allow, made at
 * exactly the allowed rate. Prints one line: calls, wall time, floor, and their ratio.
 *
 *   npx tsx bench/sync.ts [--contacts 20000] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { generatePortal } from '../sandbox/generator/index.js';
import { startSandbox } from '../sandbox/main.js';
import { findPortalByExternalId } from '../server/db/portals.js';
import { startEmbeddedRedis } from '../server/jobs/embedded-redis.js';
import { syncPortal } from '../server/sync/sync-portal.js';
import { PRODUCT_APP, startTestProduct, walkInstall } from '../tests/support/product-server.js';
import { sandboxCounts, warehouseCounts } from '../tests/support/sandbox-portal.js';

const { values } = parseArgs({
  options: { contacts: { type: 'string', default: '20000' }, seed: { type: 'string', default: '1' } },
});
const contacts = Number(values.contacts);
const HUB = 700;
const ALLOWED_PER_SECOND = 110 / 10;
const PAGE = 100;
/** HubSpot lists 100 records a page, 50 when their history comes too (contacts: stage and profile). */
const pageSize = (type: string) => (type === 'contacts' ? 50 : PAGE);

const redis = await startEmbeddedRedis();
const sandbox = await startSandbox({ portals: [HUB] });
const portal = sandbox.store.portal(HUB)!;
generatePortal(portal, { contacts, seed: Number(values.seed) });
const product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
try {
  await walkInstall(product.url, { portalId: HUB });
  const portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
  const { connector, requester } = product.ctx.services.crms.stackFor('hubspot');
  // The install's own calls are not part of the sync.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const callsBefore = requester.callsMade(portalId);
  const started = performance.now();
  await syncPortal({ db: product.ctx.db.db, connector }, portalId, 'full');
  const seconds = (performance.now() - started) / 1000;
  const calls = requester.callsMade(portalId) - callsBefore;

  const counts = sandboxCounts(portal);
  const synced = await warehouseCounts(product.ctx.db.db, portalId);
  const sorted = (o: Record<string, number>) => JSON.stringify(Object.entries(o).sort());
  if (sorted(counts) !== sorted(synced))
    throw new Error(`warehouse differs: ${JSON.stringify({ counts, synced })}`);
  const objects = ['contacts', 'companies', 'emails', 'tickets', 'deals', 'feedback_submissions'];
  // One page per 100 live records (at least one) and one archived page, per object type.
  const floorCalls = objects.reduce(
    (n, type) => n + Math.max(1, Math.ceil(counts[type]! / pageSize(type))) + 1,
    0,
  );
  const floorSeconds = floorCalls / ALLOWED_PER_SECOND;
  const records = objects.reduce((n, type) => n + counts[type]!, 0);
  process.stdout.write(
    `full sync of ${contacts} contacts (${records} records): ${calls} calls in ${seconds.toFixed(1)} s; ` +
      `floor ${floorCalls} calls in ${floorSeconds.toFixed(1)} s; ratio ${(seconds / floorSeconds).toFixed(3)}\n`,
  );
} finally {
  await product.close();
  await sandbox.close();
  await redis.stop();
}
