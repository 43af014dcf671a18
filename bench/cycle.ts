/**
 * A portal's whole first cycle (full sync, training, scoring, write-back) on a `churn work`
 * process against the sandbox at HubSpot's rate limit (or K times it), compared with the floor:
 * the fewest calls HubSpot's page sizes allow (list pages for every object type, 100 records per
 * write-back call), made at exactly the allowed rate. Prints one line: calls, wall time, floor,
 * their ratio, the peak RSS of the worker, PostgreSQL's largest process and Redis, and the CPU
 * seconds the worker process (its threads and any child processes) used for the cycle, per 1,000
 * contacts and per phase of the run, with the share of its job thread (the event loop all of a
 * worker's jobs share, so the figure that caps how much one worker syncs at once).
 *
 *   npx tsx bench/cycle.ts [--contacts 20000] [--seed 1] [--crm hubspot|salesforce]
 *     [--database pglite|postgres] [--rate-multiplier K] [--profile DIR]
 *
 * `--database postgres` keeps the warehouse in PostgreSQL: a fresh database on the server at
 * DATABASE_URL, else on a throwaway cluster, whose server CPU is then printed apart from the
 * worker's (the queries run there, not in the worker). `--rate-multiplier K` raises the sandbox's
 * limits and the product's budget K times (the floor is computed at that limit). `--profile DIR`
 * runs the worker with `--cpu-prof` and leaves its profiles (one per thread) in DIR.
 * With `--crm salesforce`, the same cycle on a Salesforce org (see ./cycle-salesforce.ts).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../server/db/index.js';
import { HUBSPOT_RATE_LIMITS } from '../server/crm/rate-limit.js';
import { CYCLE_JOB } from '../server/jobs/cycle-job.js';
import { startEmbeddedRedis } from '../server/jobs/embedded-redis.js';
import { Queues } from '../server/jobs/queues.js';
import { startCountingProxy } from '../tests/support/counting-proxy.js';
import { CHURN_BIN, spawnProcess, waitForValue } from '../tests/support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall } from '../tests/support/product-server.js';
import { benchSalesforceCycle } from './cycle-salesforce.js';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.js';
import { startSandboxProcess } from './sandbox-process.js';
import { largestPeakRssMb, mainThreadCpuSeconds, sampleCpu, type CpuTimeline } from './process-cpu.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    crm: { type: 'string', default: 'hubspot' },
    database: { type: 'string', default: 'pglite' },
    'rate-multiplier': { type: 'string', default: '1' },
    profile: { type: 'string' },
  },
});
const contacts = Number(values.contacts);
if (values.crm === 'salesforce') {
  await benchSalesforceCycle(contacts, Number(values.seed));
  process.exit(0);
}
if (values.crm !== 'hubspot') throw new Error(`--crm takes hubspot or salesforce, not ${values.crm}`);
if (values.database !== 'pglite' && values.database !== 'postgres')
  throw new Error(`--database takes pglite or postgres, not ${values.database}`);
const multiplier = Number(values['rate-multiplier']);
if (!(multiplier >= 1 && multiplier <= 90))
  throw new Error(`--rate-multiplier takes a number from 1 to 90, not ${values['rate-multiplier']}`);
const HUB = 710;
/** HubSpot's 110 calls per rolling 10 s and 5 searches a second, raised K times. */
const SANDBOX_LIMITS = {
  tenSecondlyMax: Math.round(110 * multiplier),
  searchPerSecond: Math.round(5 * multiplier),
};
const ALLOWED_PER_SECOND = SANDBOX_LIMITS.tenSecondlyMax / 10;
const PAGE = 100;
/** HubSpot lists 100 records a page, 50 when their history comes too (contacts: stage and profile). */
const pageSize = (type: string) => (type === 'contacts' ? 50 : PAGE);

const redis = await startEmbeddedRedis();
const sandbox = await startSandboxProcess({
  portalId: HUB,
  contacts,
  seed: Number(values.seed),
  rateLimits: SANDBOX_LIMITS,
});
const postgres = values.database === 'postgres';
// PGlite is the worker's own: a DATABASE_URL in the environment must not reach it.
if (!postgres) delete process.env.DATABASE_URL;
const cluster: PostgresCluster | null =
  postgres && !process.env.DATABASE_URL ? await startPostgresCluster() : null;
const proxy = await startCountingProxy(sandbox.url);
const product = await startTestProduct({
  crmUrl: proxy.url,
  redisUrl: redis.url,
  persistent: true,
  ...(cluster ? { databaseUrl: cluster.url } : {}),
  env: {
    HUBSPOT_RATE_LIMIT_PER_SECOND: String(HUBSPOT_RATE_LIMITS.generalPerSecond * multiplier),
    HUBSPOT_SEARCH_RATE_LIMIT_PER_SECOND: String(
      Math.floor(HUBSPOT_RATE_LIMITS.searchPerSecond * multiplier),
    ),
  },
});
await sandbox.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
const queues = new Queues({ redisUrl: redis.url, prefix: product.ctx.config.queuePrefix });
/** Node refuses `--cpu-prof` in NODE_OPTIONS: the worker gets it on its command line. */
const nodeFlags = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values.profile)}`] : [];
try {
  const started = Date.now();
  await walkInstall(product.url, { portalId: HUB });
  // The worker process owns the embedded database from here on.
  if (!postgres) await product.ctx.db.close();
  const worker = spawnProcess(
    process.execPath,
    [...nodeFlags, CHURN_BIN, 'work', '--concurrency', '2'],
    product.workerEnv,
  );
  await worker.waitFor(/worker ready/, 120_000);
  // For benches that measure something else beside a cycle (bench/card.ts --beside-cycle).
  process.stderr.write('cycle: worker ready, first sync under way\n');
  // The CPU of the cycle, from the worker's readiness (its start-up, compiling and loading, apart).
  const cpu = sampleCpu(worker.child.pid!);
  // The event loop every job of the worker shares, apart from its training, scoring and sentiment threads.
  const jobThread = sampleCpu(worker.child.pid!, 200, mainThreadCpuSeconds);
  const startupCpu = cpu.latest();
  const crmCpu = sampleCpu(sandbox.pid);
  const crmStartCpu = crmCpu.latest();
  const server: CpuTimeline | null = cluster ? sampleCpu(cluster.postmasterPid()) : null;
  const serverStartCpu = server?.latest() ?? 0;
  // Peak resident sets: the worker, PostgreSQL's largest process (its backends are processes of
  // their own), Redis.
  const peaks = { worker: 0, postgres: 0, redis: 0 };
  const samplePeaks = () => {
    peaks.worker = Math.max(peaks.worker, largestPeakRssMb(worker.child.pid!));
    if (cluster) peaks.postgres = Math.max(peaks.postgres, largestPeakRssMb(cluster.postmasterPid()));
    peaks.redis = Math.max(peaks.redis, largestPeakRssMb(redis.pid));
  };
  // Once a second: the completed jobs are read whole, up to a thousand of them at 1,000,000 contacts.
  const cycle = await waitForValue(
    async () => {
      samplePeaks();
      const done = await queues.get('score').getJobs(['completed', 'failed']);
      const job = done.find((j) => j.name === CYCLE_JOB);
      if (job?.failedReason) throw new Error(`the cycle failed: ${job.failedReason}`);
      return job?.returnvalue?.runId !== undefined ? job : undefined;
    },
    'the first cycle',
    { timeoutMs: 4 * 3600_000, everyMs: 1000 },
  );
  const seconds = ((cycle.finishedOn ?? Date.now()) - started) / 1000;
  const cycleCpu = cpu.latest() - startupCpu;
  const serverCpu = server ? server.latest() - serverStartCpu : null;
  const sandboxCpu = crmCpu.latest() - crmStartCpu;
  crmCpu.stop();
  cpu.stop();
  jobThread.stop();
  server?.stop();
  samplePeaks();
  worker.child.kill('SIGTERM');
  await worker.exited();

  // Where the time went, from the phase start times the run keeps.
  const db = postgres ? product.ctx.db : await openDatabase({ dataDir: product.workerEnv.DATA_DIR! });
  const run = await db.db
    .selectFrom('scoring_runs')
    .select(['started_at', 'finished_at', 'summary'])
    .executeTakeFirstOrThrow();
  // Inside the write-back phase: tiers and account scores first, then the chunks' CRM writes.
  const writes = await db.db
    .selectFrom('scoring_run_chunks')
    .select((eb) => [eb.fn.min('writeback_started_at').as('first'), eb.fn.max('written_at').as('last')])
    .executeTakeFirstOrThrow();
  // Each kind of record's CRM writes, from the first confirmed to the last.
  const confirmed = await db.db
    .selectFrom('crm_writebacks')
    .select((eb) => ['object_type', eb.fn.min('written_at').as('first'), eb.fn.max('written_at').as('last')])
    .groupBy('object_type')
    .execute();
  if (!postgres) await db.close();
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
  const writeStart = writes.first ? new Date(writes.first).getTime() : NaN;
  const writeEnd = writes.last ? new Date(writes.last).getTime() : NaN;
  const writeback = Date.parse(phases.writeback ?? '');
  const byType = confirmed
    .map((w) => {
      const [first, last] = [new Date(w.first!).getTime(), new Date(w.last!).getTime()];
      return `${w.object_type} ${((first - writeback) / 1000).toFixed(1)}–${((last - writeback) / 1000).toFixed(1)} s`;
    })
    .join(', ');
  const writeSteps = `tiers and accounts ${((writeStart - writeback) / 1000).toFixed(1)} s, CRM writes ${((writeEnd - writeStart) / 1000).toFixed(1)} s; confirmed after the phase began: ${byType}`;
  const perThousand = (cpuSeconds: number) => ((cpuSeconds * 1000) / contacts).toFixed(2);
  const byPhase = (timeline: CpuTimeline) =>
    marks
      .slice(0, -1)
      .map(([name, at], i) => `${name} ${perThousand(timeline.at(marks[i + 1]![1]) - timeline.at(at))}`)
      .join(', ');
  const cpuBreakdown = `install ${perThousand(cpu.at(marks[0]![1]) - startupCpu)}, ${byPhase(cpu)}`;
  const serverBreakdown = server ? byPhase(server) : '';
  // Each object type's list pages come one after another (a page's cursor names the next): the
  // longest of these streams bounds the sync however high the rate limit.
  const streams = new Map<string, { calls: number; first: number; last: number; answering: number }>();
  for (const r of proxy.requests) {
    const type =
      r.method === 'GET'
        ? /^\/crm\/(?:v3\/objects|objects\/[\d-]+)\/([a-z_]+)$/.exec(r.path)?.[1]
        : undefined;
    if (!type) continue;
    const stream = streams.get(type) ?? { calls: 0, first: r.at, last: r.at, answering: 0 };
    stream.calls++;
    stream.answering += r.answeredIn ?? 0;
    stream.last = Math.max(stream.last, r.at);
    streams.set(type, stream);
  }
  const listStreams = [...streams]
    .sort((a, b) => b[1].last - b[1].first - (a[1].last - a[1].first))
    .map(
      ([type, x]) =>
        `${type} ${x.calls} pages in ${((x.last - x.first) / 1000).toFixed(1)} s (answered in ${(x.answering / x.calls).toFixed(0)} ms)`,
    )
    .join(', ');
  const [trained] = await queues.get('train').getJobs(['completed']);
  const training = trained?.returnvalue as { seconds?: { features: number; fitting?: number } } | undefined;
  const counts = sandbox.counts;
  // Every contact is written: a score and tier for active customers, `churned` or `prospect` for the rest.
  const written = await sandbox.contactsWithTier();
  if (written !== counts.contacts)
    throw new Error(`only ${written} of ${counts.contacts} contacts were written`);
  const objects = ['contacts', 'companies', 'emails', 'tickets', 'deals', 'feedback_submissions'];
  const floorCalls =
    objects.reduce((n, type) => n + Math.max(1, Math.ceil(counts[type]! / pageSize(type))) + 1, 0) +
    Math.ceil(counts.contacts! / PAGE);
  const floorSeconds = floorCalls / ALLOWED_PER_SECOND;
  /**
   * How many calls the CRM refused with 429, and for each kind of call refused, the most calls the
   * proxy passed in the 10 s up to a refusal: above the CRM's window, our pacing sent too many;
   * within it, the CRM counted calls we did not see (or rounds the window's edges otherwise).
   */
  const refusals = () => {
    const refused = proxy.requests.filter((r) => r.status === 429);
    if (refused.length === 0) return '0 answered 429';
    const kinds = new Map<string, { count: number; mostInWindow: number }>();
    for (const r of refused) {
      const kind = `${r.method} ${r.path.replace(/\/\d+/g, '/{id}')}`;
      const inWindow = proxy.requests.filter((o) => o.at > r.at - 10_000 && o.at <= r.at).length;
      const k = kinds.get(kind) ?? { count: 0, mostInWindow: 0 };
      kinds.set(kind, { count: k.count + 1, mostInWindow: Math.max(k.mostInWindow, inWindow) });
    }
    const listed = [...kinds].map(
      ([kind, k]) => `${kind} ×${k.count}, at most ${k.mostInWindow} calls in the 10 s up to it`,
    );
    return `${refused.length} answered 429 (${listed.join('; ')})`;
  };
  process.stdout.write(
    `first cycle of ${contacts} contacts (${values.database}, ${multiplier}× rate): ${proxy.requests.length} calls in ${seconds.toFixed(1)} s; ` +
      `floor ${floorCalls} calls in ${floorSeconds.toFixed(1)} s; ratio ${(seconds / floorSeconds).toFixed(3)}; ` +
      `peak RSS: worker ${peaks.worker.toFixed(0)} MB, ` +
      (cluster ? `PostgreSQL's largest process ${peaks.postgres.toFixed(0)} MB, ` : '') +
      `Redis ${peaks.redis.toFixed(0)} MB; ${refusals()}; ` +
      `worker CPU ${cycleCpu.toFixed(1)} s, ${perThousand(cycleCpu)} s per 1,000 contacts (${cpuBreakdown}; its job thread: ${byPhase(jobThread)}) ` +
      (serverCpu === null
        ? ''
        : `PostgreSQL server CPU ${serverCpu.toFixed(1)} s, ${perThousand(serverCpu)} s per 1,000 contacts (${serverBreakdown}) `) +
      `(${breakdown}; the CRM sandbox's CPU ${((sandboxCpu * 1000) / proxy.requests.length).toFixed(1)} ms a call; list pages: ${listStreams}; write-back: ${writeSteps}; training rows ${training?.seconds?.features ?? '?'} s, fitting ${training?.seconds?.fitting ?? '?'} s)\n`,
  );
} finally {
  await queues.close();
  await product.close();
  await proxy.close();
  await sandbox.close();
  await redis.stop();
  await cluster?.stop();
}
