/**
 * A portal's whole first cycle (full sync, training, scoring, write-back) on a `churn work`
 * process against the sandbox at HubSpot's default rate limit, compared with the floor: the
 * fewest calls HubSpot's page sizes allow (list pages for every object type, 100 records per
 * write-back call), made at exactly the allowed rate. Prints one line: calls, wall time, floor,
 * their ratio, and the worker's peak RSS.
 *
 *   npx tsx bench/cycle.ts [--contacts 20000] [--seed 1] [--crm hubspot|salesforce]
 *
 * With `--crm salesforce`, the same cycle on a Salesforce org (see ./cycle-salesforce.ts).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generatePortal } from '../sandbox/generator/index.js';
import { startSandbox } from '../sandbox/main.js';
import { openDatabase } from '../server/db/index.js';
import { CYCLE_JOB } from '../server/jobs/cycle-job.js';
import { startEmbeddedRedis } from '../server/jobs/embedded-redis.js';
import { Queues } from '../server/jobs/queues.js';
import { startCountingProxy } from '../tests/support/counting-proxy.js';
import { spawnChurn, waitUntil } from '../tests/support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall } from '../tests/support/product-server.js';
import { sandboxCounts } from '../tests/support/sandbox-portal.js';
import { benchSalesforceCycle } from './cycle-salesforce.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    crm: { type: 'string', default: 'hubspot' },
  },
});
const contacts = Number(values.contacts);
if (values.crm === 'salesforce') {
  await benchSalesforceCycle(contacts, Number(values.seed));
  process.exit(0);
}
if (values.crm !== 'hubspot') throw new Error(`--crm takes hubspot or salesforce, not ${values.crm}`);
const HUB = 710;
const ALLOWED_PER_SECOND = 110 / 10;
const PAGE = 100;

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const redis = await startEmbeddedRedis();
const sandbox = await startSandbox({ portals: [HUB] });
const portal = sandbox.store.portal(HUB)!;
generatePortal(portal, { contacts, seed: Number(values.seed) });
const proxy = await startCountingProxy(sandbox.url);
const product = await startTestProduct({ crmUrl: proxy.url, redisUrl: redis.url, persistent: true });
sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
const queues = new Queues({ redisUrl: redis.url, prefix: product.ctx.config.queuePrefix });
try {
  const started = performance.now();
  await walkInstall(product.url, { portalId: HUB });
  // The worker process owns the embedded database from here on.
  await product.ctx.db.close();
  const worker = spawnChurn(['work', '--concurrency', '2'], product.workerEnv);
  let peak = 0;
  await waitUntil(async () => {
    peak = Math.max(peak, peakRssMb(worker.child.pid!));
    const done = await queues.get('score').getJobs(['completed', 'failed']);
    const cycle = done.find((j) => j.name === CYCLE_JOB);
    if (cycle?.failedReason) throw new Error(`the cycle failed: ${cycle.failedReason}`);
    return cycle?.returnvalue?.runId !== undefined;
  }, 4 * 3600_000);
  const seconds = (performance.now() - started) / 1000;
  peak = Math.max(peak, peakRssMb(worker.child.pid!));
  worker.child.kill('SIGTERM');
  await new Promise((resolve) => worker.child.once('exit', resolve));

  // Where the time went, from the phase start times the run keeps.
  const db = await openDatabase({ dataDir: product.workerEnv.DATA_DIR! });
  const run = await db.db
    .selectFrom('scoring_runs')
    .select(['started_at', 'finished_at', 'summary'])
    .executeTakeFirstOrThrow();
  await db.close();
  const phases = (run.summary as { phases?: Record<string, string> }).phases ?? {};
  const marks: [string, number][] = [
    ['sync', run.started_at.getTime()],
    ...['model', 'score', 'writeback', 'done'].map((p): [string, number] => [p, Date.parse(phases[p] ?? '')]),
    ['end', run.finished_at!.getTime()],
  ];
  const breakdown = marks
    .slice(0, -1)
    .map(([name, at], i) => `${name} ${((marks[i + 1]![1] - at) / 1000).toFixed(1)} s`)
    .join(', ');

  const [trained] = await queues.get('train').getJobs(['completed']);
  const training = trained?.returnvalue as { seconds?: { features: number; fitting?: number } } | undefined;
  const counts = sandboxCounts(portal);
  // Every contact is written: a score and tier for active customers, `churned` or `prospect` for the rest.
  const written = [...portal.recordsOf('contacts').values()].filter(
    (c) => c.properties.churn_risk_tier,
  ).length;
  if (written !== counts.contacts)
    throw new Error(`only ${written} of ${counts.contacts} contacts were written`);
  const objects = ['contacts', 'companies', 'emails', 'tickets', 'deals', 'feedback_submissions'];
  const floorCalls =
    objects.reduce((n, type) => n + Math.max(1, Math.ceil(counts[type]! / PAGE)) + 1, 0) +
    Math.ceil(counts.contacts! / PAGE);
  const floorSeconds = floorCalls / ALLOWED_PER_SECOND;
  process.stdout.write(
    `first cycle of ${contacts} contacts: ${proxy.requests.length} calls in ${seconds.toFixed(1)} s; ` +
      `floor ${floorCalls} calls in ${floorSeconds.toFixed(1)} s; ratio ${(seconds / floorSeconds).toFixed(3)}; ` +
      `worker peak RSS ${peak.toFixed(0)} MB; ${proxy.requests.filter((r) => r.status === 429).length} answered 429 ` +
      `(${breakdown}; training rows ${training?.seconds?.features ?? '?'} s, fitting ${training?.seconds?.fitting ?? '?'} s)\n`,
  );
} finally {
  await queues.close();
  await product.close();
  await proxy.close();
  await sandbox.close();
  await redis.stop();
}
