/**
 * Many portals at once, as a marketplace app is used: P portals of C contacts each installed in one
 * sandbox, each with its own HubSpot rate limit (per app and portal, as HubSpot counts), then served
 * by W `churn work` processes sharing one Redis and one PostgreSQL. Every portal's first cycle (full
 * sync, training, scoring, write-back) must finish. Prints one line with:
 *
 * - the CRM calls per second of all portals together, against the sum of their limits, from the
 *   first call to the first portal's last record read, in whole 10-s windows (the stretch where
 *   every portal syncs and the CRM's pace can bind), and overall;
 * - the slowest and the median portal's time to a finished cycle, and their ratio;
 * - the CPU seconds of the workers and of the PostgreSQL server, per 1,000 contacts;
 * - the most calls any portal made in a rolling 10 s window against its limit, and the 429s.
 *
 *   npx tsx bench/portals.ts [--portals 50] [--contacts 2000] [--workers 1] [--seed 1]
 *     [--rate-multiplier K] [--concurrency N]
 *
 * `--rate-multiplier K` sets every portal's limit to K times HubSpot's, below 1 too: a CRM slower
 * than the box's CPU shows whether the workers' pacing and turn-taking draw the portals' limits
 * when CPU is not what binds, as more cores would make it for the same portals at HubSpot's limit.
 *
 * PostgreSQL is the server at DATABASE_URL (a fresh database on it), else a throwaway cluster.
 * `--concurrency` is each worker's jobs at once on its scoring and training queues (default: the
 * product's WORKER_CONCURRENCY); the CRM-paced queues take CRM_CONCURRENCY (default 50).
 */
import { parseArgs } from 'node:util';
import { generatePortal } from '../sandbox/generator/index.js';
import { startSandbox } from '../sandbox/main.js';
import { HUBSPOT_RATE_LIMITS } from '../server/crm/rate-limit.js';
import { findPortalByExternalId } from '../server/db/portals.js';
import { CYCLE_JOB } from '../server/jobs/cycle-job.js';
import { startEmbeddedRedis } from '../server/jobs/embedded-redis.js';
import { Queues } from '../server/jobs/queues.js';
import { startCountingProxy, type ProxiedRequest } from '../tests/support/counting-proxy.js';
import { CHURN_BIN, spawnProcess, waitForValue, type Spawned } from '../tests/support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall } from '../tests/support/product-server.js';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { sampleCpu, type CpuTimeline } from './process-cpu.js';

const { values } = parseArgs({
  options: {
    portals: { type: 'string', default: '50' },
    contacts: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    'rate-multiplier': { type: 'string', default: '1' },
    concurrency: { type: 'string' },
  },
});
const whole = (name: string, value: string | undefined, max: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${name} takes a whole number from 1 to ${max}`);
  return n;
};
const portals = whole('portals', values.portals, 500);
const contacts = whole('contacts', values.contacts, 1_000_000);
const workers = whole('workers', values.workers, 32);
const multiplier = Number(values['rate-multiplier']);
if (!(multiplier >= 0.05 && multiplier <= 90))
  throw new Error('--rate-multiplier takes a number from 0.05 to 90');
const concurrency =
  values.concurrency === undefined
    ? []
    : ['--concurrency', String(whole('concurrency', values.concurrency, 64))];

const LIMITS = {
  tenSecondlyMax: Math.round(110 * multiplier),
  searchPerSecond: Math.max(1, Math.round(5 * multiplier)),
};
const WINDOW_MS = 10_000;
const FIRST_HUB = 5000;
const hubs = Array.from({ length: portals }, (_, i) => FIRST_HUB + i);

const redis = await startEmbeddedRedis();
const sandbox = await startSandbox({ portals: hubs });
hubs.forEach((hub, i) =>
  generatePortal(sandbox.store.portal(hub)!, { contacts, seed: Number(values.seed) * 1000 + i }),
);
const limitsSet = await fetch(`${sandbox.url}/_sandbox/rate-limits`, {
  method: 'PUT',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(LIMITS),
});
if (!limitsSet.ok) throw new Error(`the sandbox refused its rate limits: ${limitsSet.status}`);

const cluster: PostgresCluster | null = process.env.DATABASE_URL ? null : await startPostgresCluster();
/** Each call is named by the portal its bearer token is for. */
const proxy = await startCountingProxy(sandbox.url, {
  tag: (headers) => {
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    const token = bearer ? sandbox.store.oauthTokens.get(bearer) : undefined;
    return token ? String(token.portalId) : undefined;
  },
});
const product = await startTestProduct({
  crmUrl: proxy.url,
  redisUrl: redis.url,
  persistent: true,
  ...(cluster ? { databaseUrl: cluster.url } : {}),
  env: {
    HUBSPOT_RATE_LIMIT_PER_SECOND: String(HUBSPOT_RATE_LIMITS.generalPerSecond * multiplier),
    HUBSPOT_SEARCH_RATE_LIMIT_PER_SECOND: String(
      Math.max(1, Math.floor(HUBSPOT_RATE_LIMITS.searchPerSecond * multiplier)),
    ),
  },
});
sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
const queues = new Queues({ redisUrl: redis.url, prefix: product.ctx.config.queuePrefix });
const spawned: Spawned[] = [];
const timelines: CpuTimeline[] = [];

/** The most calls of one portal in any rolling 10-s window. */
function busiestWindow(calls: readonly ProxiedRequest[]): number {
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  let most = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= WINDOW_MS) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
  // Every install queues its portal's first cycle; no worker runs yet, so all start together.
  const portalIds = new Map<number, number>();
  for (const hub of hubs) {
    const installed = await walkInstall(product.url, { portalId: hub });
    if (installed.status >= 400) throw new Error(`installing portal ${hub} answered ${installed.status}`);
    const portal = await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(hub));
    if (!portal) throw new Error(`portal ${hub} was not recorded`);
    portalIds.set(portal.id, hub);
  }
  const installCalls = proxy.requests.length;
  const started = Date.now();
  for (let w = 0; w < workers; w++) {
    const worker = spawnProcess(process.execPath, [CHURN_BIN, 'work', ...concurrency], product.workerEnv);
    spawned.push(worker);
  }
  for (const worker of spawned) {
    await worker.waitFor(/worker ready/, 120_000);
    timelines.push(sampleCpu(worker.child.pid!));
  }
  const server = cluster ? sampleCpu(cluster.postmasterPid()) : null;
  const startCpu = timelines.map((t) => t.latest());
  const serverStart = server?.latest() ?? 0;

  const finished = new Map<number, number>();
  // Once a second (each portal's finish is the job's own time): the completed jobs are read whole.
  await waitForValue(
    async () => {
      const done = await queues.get('score').getJobs(['completed', 'failed']);
      for (const job of done) {
        if (job.name !== CYCLE_JOB) continue;
        if (job.failedReason) throw new Error(`a cycle failed: ${job.failedReason}`);
        const hub = portalIds.get((job.data as { portalId: number }).portalId);
        if (
          hub !== undefined &&
          job.finishedOn &&
          (job.returnvalue as { runId?: number })?.runId !== undefined
        )
          finished.set(hub, job.finishedOn);
      }
      for (const worker of spawned) {
        const exit = worker.child.exitCode;
        if (exit !== null) throw new Error(`a worker exited (${exit}):\n${worker.output().slice(-2000)}`);
      }
      return finished.size === portals;
    },
    "every portal's first cycle",
    { timeoutMs: 8 * 3600_000, everyMs: 1000 },
  );
  const ended = Math.max(...finished.values());
  const workerCpu = timelines.reduce((sum, t, i) => sum + t.latest() - startCpu[i]!, 0);
  const serverCpu = server ? server.latest() - serverStart : 0;
  server?.stop();
  timelines.forEach((t) => t.stop());

  // Every contact of every portal got its fields.
  for (const hub of hubs) {
    const records = [...sandbox.store.portal(hub)!.recordsOf('contacts').values()].filter((c) => !c.archived);
    const written = records.filter((c) => c.properties.churn_risk_tier).length;
    if (written !== records.length)
      throw new Error(`portal ${hub}: ${written} of ${records.length} contacts written`);
  }

  const calls = proxy.requests.slice(installCalls).filter((r) => r.at >= started);
  const byPortal = new Map<string, ProxiedRequest[]>();
  for (const call of calls) {
    if (call.tag === undefined) continue;
    byPortal.set(call.tag, [...(byPortal.get(call.tag) ?? []), call]);
  }
  // A portal's sync reads its records (`/crm/objects/…` lists); the write-back that follows its
  // training and scoring first reads the property schema, then updates in batches. The stretch up
  // to the first portal's last record read is when all of them want the CRM at once.
  const lastRead = hubs.map((hub) => {
    const reads = (byPortal.get(String(hub)) ?? []).filter(
      (c) => c.path.startsWith('/crm/objects/') && !/batch\/update$/.test(c.path),
    );
    return reads.length ? reads[reads.length - 1]!.at : started;
  });
  // It starts at the first call (the workers' start-up before it is no part of a cycle's pace) and
  // is counted in whole 10-s windows, the limit's own unit: a portal at its limit sends a window's
  // calls in a burst and then waits, so a stretch cut mid-window would count a burst without its wait.
  const allSyncing = Math.min(...lastRead);
  const firstCall = calls.length > 0 ? calls[0]!.at : started;
  const wholeWindows = Math.floor((allSyncing - firstCall) / WINDOW_MS);
  const stretchEnd = wholeWindows > 0 ? firstCall + wholeWindows * WINDOW_MS : allSyncing;
  const inStretch = calls.filter((c) => c.at < stretchEnd).length;
  const sumOfLimits = (portals * LIMITS.tenSecondlyMax * 1000) / WINDOW_MS;
  const stretchRate = inStretch / Math.max(0.001, (stretchEnd - firstCall) / 1000);
  const overallRate = calls.length / ((ended - started) / 1000);
  const durations = hubs.map((hub) => (finished.get(hub)! - started) / 1000);
  const slowest = Math.max(...durations);
  const middle = median(durations);
  const windows = hubs.map((hub) => busiestWindow(byPortal.get(String(hub)) ?? []));
  const answered429 = calls.filter((c) => c.status === 429).length;
  const perThousand = (s: number) => ((s * 1000) / (portals * contacts)).toFixed(2);
  process.stdout.write(
    `${portals} portals × ${contacts} contacts, ${workers} worker${workers > 1 ? 's' : ''} ` +
      `(${multiplier}× rate${values.concurrency ? `, concurrency ${values.concurrency}` : ''}): ` +
      `all cycles done in ${((ended - started) / 1000).toFixed(1)} s; ` +
      `CRM calls ${stretchRate.toFixed(1)}/s while every portal synced (${((100 * stretchRate) / sumOfLimits).toFixed(1)} % of the portals' ${sumOfLimits.toFixed(0)}/s), ` +
      `${overallRate.toFixed(1)}/s overall (${calls.length} calls); ` +
      `slowest portal ${slowest.toFixed(1)} s, median ${middle.toFixed(1)} s, ratio ${(slowest / middle).toFixed(2)}; ` +
      `worker CPU ${workerCpu.toFixed(1)} s (${perThousand(workerCpu)} s per 1,000 contacts), ` +
      `PostgreSQL CPU ${serverCpu.toFixed(1)} s (${perThousand(serverCpu)}); ` +
      `busiest 10 s of a portal ${Math.max(...windows)} calls (limit ${LIMITS.tenSecondlyMax})` +
      `${Math.max(...windows) > LIMITS.tenSecondlyMax ? ' EXCEEDED' : ''}; ${answered429} answered 429\n`,
  );
} finally {
  for (const worker of spawned) worker.child.kill('SIGTERM');
  await Promise.all(spawned.map((w) => w.exited()));
  await queues.close();
  await product.close();
  await proxy.close();
  await sandbox.close();
  await redis.stop();
  await cluster?.stop();
}
