import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { openDatabase, type DatabaseHandle } from '../../server/db/index.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { CYCLE_JOB } from '../../server/jobs/cycle-job.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { Queues } from '../../server/jobs/queues.js';
import { updatePortalSettings } from '../../server/settings/portal-settings.js';
import { testDatabaseKind } from '../support/database.js';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { spawnChurn, TEST_JOB_LOCK_MS, waitUntil, type Spawned } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { sandboxFaults } from '../support/sandbox-faults.js';

const HUB = 930;
const CONTACTS = 1200;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let proxy: CountingProxy;
let product: TestProduct;
const workers: Spawned[] = [];

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
  });
  generatePortal(sandbox.store.portal(HUB)!, { contacts: CONTACTS, seed: 31 });
  proxy = await startCountingProxy(sandbox.url);
  product = await startTestProduct({
    crmUrl: proxy.url,
    redisUrl: redis.url,
    persistent: true,
    // Small chunks and a short lock: many jobs to interrupt, and a dead worker's job is taken over
    // fast; two write-back chunks at a time, so a slowed CRM leaves most of them to interrupt.
    env: {
      JOB_LOCK_MS: TEST_JOB_LOCK_MS,
      SCORING_CHUNK_SIZE: '50',
      HUBSPOT_RATE_LIMIT_PER_SECOND: '100',
      CRM_CONCURRENCY: '2',
    },
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
}, 300_000);

afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await product?.close();
  await proxy?.close();
  await sandbox?.close();
  await redis?.stop();
});

function startWorker(): Spawned {
  const worker = spawnChurn(['work', '--concurrency', '2'], product.workerEnv);
  workers.push(worker);
  return worker;
}

/** The contacts the CRM holds (the generated history merged or deleted a few of those asked for). */
function liveContacts(): number {
  return [...sandbox.store.portal(HUB)!.recordsOf('contacts').values()].filter((c) => !c.archived).length;
}

/** Makes the CRM answer each call of the portal this much later. */
const crmLatency = (latencyMs: number) => sandboxFaults(sandbox.url, HUB, { latencyMs });

function contactsWritten(): number {
  let n = 0;
  for (const c of sandbox.store.portal(HUB)!.recordsOf('contacts').values())
    if (c.properties.churn_risk_tier) n++;
  return n;
}

describe('a scoring cycle interrupted by a killed worker', () => {
  it('completes on another worker with every contact scored once and written once', async () => {
    expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
    const portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
    // A churn rule nobody meets keeps the starter model: the test is about the queue, not training.
    await updatePortalSettings(
      product.ctx.db.db,
      portalId,
      { churnRule: { kind: 'property', property: 'churn_radar_test_never_set' } },
      'test',
    );
    const embedded = testDatabaseKind() === 'pglite';
    if (embedded) await product.ctx.db.close();

    const queues = new Queues({ redisUrl: redis.url, prefix: product.ctx.config.queuePrefix });
    let db: DatabaseHandle | undefined;
    try {
      const first = startWorker();
      // Kill it once the write-back is under way: some chunks written, most not. The CRM answers
      // slowly from the first written contact on, so the kill lands however fast this box is.
      await waitUntil(() => contactsWritten() > 0, 720_000);
      await crmLatency(400);
      await waitUntil(() => contactsWritten() >= 200, 720_000);
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));
      const writtenAtKill = contactsWritten();
      expect(writtenAtKill).toBeLessThan(liveContacts());
      await crmLatency(0);

      const second = startWorker();
      await waitUntil(async () => {
        const jobs = await queues.get('score').getJobs(['completed']);
        return jobs.some((j) => j.name === CYCLE_JOB && j.returnvalue?.runId !== undefined);
      }, 720_000);
      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.once('exit', resolve));

      expect(contactsWritten()).toBe(liveContacts());
      const writes = proxy.contactWrites();
      expect(writes.size).toBe(liveContacts());
      const repeated = [...writes.values()].filter((n) => n > 1).length;
      console.log(
        `killed after ${writtenAtKill} of ${liveContacts()} written; ${proxy.batchUpdateCalls()} update calls; ` +
          `contacts written more than once: ${repeated}`,
      );
      expect(repeated).toBe(0);

      db = embedded ? await openDatabase({ dataDir: product.workerEnv.DATA_DIR! }) : product.ctx.db;
      const runs = await db.db
        .selectFrom('scoring_runs')
        .select(['id', 'status'])
        .where('portal_id', '=', portalId)
        .execute();
      expect(runs).toEqual([{ id: runs[0]!.id, status: 'succeeded' }]);
      const perContact = await db.db
        .selectFrom('scores')
        .select([
          sql<number>`count(*)::int`.as('scores'),
          sql<number>`count(distinct contact_id)::int`.as('contacts'),
        ])
        .where('run_id', '=', runs[0]!.id)
        .executeTakeFirstOrThrow();
      // Every active customer scored once; every contact's status looked at once.
      const statuses = await db.db
        .selectFrom('customer_status')
        .select([
          sql<number>`count(*)::int`.as('contacts'),
          sql<number>`(count(*) filter (where status = 'active'))::int`.as('active'),
        ])
        .where('run_id', '=', runs[0]!.id)
        .executeTakeFirstOrThrow();
      expect(statuses.contacts).toBe(liveContacts());
      expect(perContact).toEqual({ scores: statuses.active, contacts: statuses.active });
    } finally {
      if (embedded) await db?.close();
      await queues.close();
    }
  }, 600_000);
});
