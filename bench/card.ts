/**
 * Risk card latency: the product server with a warehouse of scored contacts (weekly history, a
 * renewal deal for every third contact) answers `GET /api/v1/cards/contact-risk`, HubSpot-signed,
 * at an even pace (./paced-load.ts: open-loop, latency from when each request was due). Prints
 * p50/p95/p99 latency, the server's CPU (seconds, and milliseconds per request), its Redis's CPU,
 * and the share of requests the card's view cache answered; the target is p95 ≤ 50 ms at 200
 * requests/s, also beside a running cycle.
 *
 *   npx tsx bench/card.ts [--contacts 20000] [--weeks 12] [--rate 200] [--seconds 30]
 *     [--repeat-share 0.3] [--beside-cycle [--cycle-contacts 20000]] [--profile DIR]
 *
 * Contacts are opened at random; `--repeat-share X` makes that share of requests reopen a contact
 * opened in the last minute instead (an advisor back on a record during the same task, the card
 * fetched again after a play, a teammate on the same account); the default, 0.3, is a guess, not
 * a measurement. How many requests repeated a contact (reopened, or drawn again by chance, which
 * grows with the run's length) is printed beside the cache's hit share.
 *
 * `--beside-cycle` runs a first cycle of `--cycle-contacts` on the same machine meanwhile
 * (`bench/cycle.ts --rate-multiplier 10`, its own sandbox, Redis and worker): the card's load
 * starts once that cycle's worker is syncing, and the cycle is stopped when the load ends. Then
 * the card's p95 and the cores the cycle kept busy are printed for each WINDOW_SECONDS too.
 *
 * How busy the machine was is printed with each run: its busy cores during the load, and how many
 * of them were the server, the load generator (this process), the cycle and anything else.
 *
 * The server runs in a child process (it is this file with --serve), so the load generator and the
 * server do not share a thread. The warehouse is PGlite in that process, or the PostgreSQL server at
 * DATABASE_URL when it is set. `--profile DIR` writes a V8 CPU profile of the server into DIR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { CRM_OBJECT_TYPES } from '../server/crm/connector.js';
import { signatureV3 } from '../server/crm/hubspot/request-signature.js';
import { json } from '../server/db/json.js';
import { findPortalByExternalId } from '../server/db/portals.js';
import { startEmbeddedRedis } from '../server/jobs/embedded-redis.js';
import { startSandbox } from '../sandbox/main.js';
import { PRODUCT_APP, startTestProduct, walkInstall } from '../tests/support/product-server.js';
import { pacedLoad } from './paced-load.js';
import { processTreeCpuSeconds } from './process-cpu.js';

const HUB = 9001;
const USER = 77;
const WARM_UP_SECONDS = 5;
/** A reopened contact is one of those opened in this many seconds before. */
const REOPEN_WINDOW_SECONDS = 60;
/** Beside a cycle, the card's latency and the cycle's CPU are also printed per stretch of this long. */
const WINDOW_SECONDS = 15;

const { values: args } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    weeks: { type: 'string', default: '12' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    'repeat-share': { type: 'string', default: '0.3' },
    'beside-cycle': { type: 'boolean', default: false },
    'cycle-contacts': { type: 'string', default: '20000' },
    serve: { type: 'boolean', default: false },
    /** Writes a V8 CPU profile of the server into this folder. */
    profile: { type: 'string' },
  },
});
const contacts = Number(args.contacts);
const weeks = Number(args.weeks);
const repeatShare = Number(args['repeat-share']);
if (!(repeatShare >= 0 && repeatShare <= 1))
  throw new Error(`--repeat-share takes a share from 0 to 1, not ${args['repeat-share']}`);

const REASONS = [
  { feature: 'tickets_open_now', label: 'Tickets open now', value: 3, contribution: 0.8 },
  { feature: 'sessions_per_week_4w', label: 'Sessions per week (4 weeks)', value: 0.5, contribution: 0.6 },
  { feature: 'days_since_last_reply', label: 'Days since their last reply', value: 64, contribution: 0.4 },
  { feature: 'tenure_days', label: 'Days as a customer', value: 900, contribution: -0.3 },
  { feature: 'nps_last', label: 'Last NPS answer', value: 9, contribution: -0.2 },
];

if (args.serve) await serve();
else await drive();

/** What the server says about its card view cache when asked (null: it keeps none). */
interface ServerStats {
  cache: { hits: number; misses: number; entries: number } | null;
}

/**
 * The product server on a seeded warehouse; prints its address once ready, then answers each
 * `stats` line on stdin with a line of ServerStats; stops when stdin closes.
 */
async function serve(): Promise<void> {
  const redis = await startEmbeddedRedis();
  // The CRM says who the card's user is (asked once a minute): a sandbox portal with that user.
  const sandbox = await startSandbox({ portals: [HUB], rateLimits: { tenSecondlyMax: 100_000 } });
  sandbox.store
    .portal(HUB)!
    .addOwner(
      { email: 'advisor@bench.example', firstName: 'Bench', lastName: 'Advisor', teams: [] },
      sandbox.store.now(),
      USER,
    );
  const product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  const installed = await walkInstall(product.url, { portalId: HUB });
  if (installed.status !== 200) throw new Error(`the install answered ${installed.status}`);
  await product.ctx.queues.get('system').drain();
  const db = product.ctx.db.db;
  const started = performance.now();
  const portalId = (await findPortalByExternalId(db, 'hubspot', String(HUB)))!.id;
  await db
    .insertInto('sync_cursors')
    .values(
      CRM_OBJECT_TYPES.map((type) => ({
        portal_id: portalId,
        object_type: type,
        full_sync_completed_at: new Date(),
      })),
    )
    .execute();
  await sql`
    insert into contacts (portal_id, id, email, properties)
    select ${portalId}, i::text, 'c' || i || '@example.com', jsonb_build_object('firstname', 'Contact ' || i)
    from generate_series(1, ${contacts}) i`.execute(db);
  await sql`
    insert into deals (portal_id, id, name, amount, deal_type, close_date)
    select ${portalId}, 'd' || i, 'Renewal', 500 + (i * 37) % 5000, 'renewal', now() + make_interval(days => 10 + i % 300)
    from generate_series(3, ${contacts}, 3) i`.execute(db);
  await sql`
    insert into associations (portal_id, from_type, from_id, to_type, to_id)
    select ${portalId}, 'contacts', i::text, 'deals', 'd' || i from generate_series(3, ${contacts}, 3) i`.execute(
    db,
  );
  const model = await db
    .insertInto('models')
    .values({ portal_id: portalId, version: 1, family: 'gbdt', status: 'active', feature_spec: json([]) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`
    insert into scores (portal_id, contact_id, model_id, probability, tier, reasons, scored_at)
    select ${portalId}, i::text, ${model.id}, p,
      case when p >= 0.6 then 'high' when p >= 0.3 then 'medium' else 'low' end,
      ${json(REASONS)}::jsonb, now() - make_interval(days => 7 * w, secs => i % 3600)
    from generate_series(1, ${contacts}) i, generate_series(0, ${weeks - 1}) w,
      lateral (select least(0.99, ((i * 7919) % 1000) / 1000.0 + 0.01 * w)::float8 as p) x`.execute(db);
  await sql`analyze`.execute(db);
  const seeded = ((performance.now() - started) / 1000).toFixed(1);
  console.log(JSON.stringify({ url: product.url, rows: contacts * weeks, seeded, redisPid: redis.pid }));

  const services = product.ctx.services as { cardViews?: { stats(): ServerStats['cache'] } };
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'stats') {
      const stats: ServerStats = { cache: services.cardViews?.stats() ?? null };
      console.log(JSON.stringify(stats));
    }
  });
  const stop = async () => {
    await product.close();
    await sandbox.close();
    await redis.stop();
    process.exit(0);
  };
  process.stdin.on('close', stop);
  process.stdin.resume();
}

/**
 * The contacts opened, in order: uniformly at random, except that a `repeatShare` of requests
 * reopen a contact opened in the last REOPEN_WINDOW_SECONDS.
 */
function openingOrder(count: number, rate: number): number[] {
  const window = Math.max(1, Math.round(rate * REOPEN_WINDOW_SECONDS));
  const order: number[] = [];
  for (let i = 0; i < count; i++) {
    const reopen = i > 0 && Math.random() < repeatShare;
    order.push(
      reopen
        ? order[Math.max(0, i - window) + Math.floor(Math.random() * Math.min(i, window))]!
        : 1 + Math.floor(Math.random() * contacts),
    );
  }
  return order;
}

/** Share of the requests from `from` on whose contact had been opened before (in the order). */
function repeatedShare(order: readonly number[], from: number, to: number): number {
  const seen = new Set(order.slice(0, from));
  let repeated = 0;
  for (let i = from; i < to; i++) {
    if (seen.has(order[i]!)) repeated++;
    seen.add(order[i]!);
  }
  return repeated / Math.max(1, to - from);
}

/**
 * Drives `seconds` of load at an even pace (./paced-load.ts); requests take their contacts from
 * `order` at `cursor.next`, signed as sent.
 */
async function load(
  url: string,
  rate: number,
  seconds: number,
  order: readonly number[],
  cursor: { next: number },
) {
  const result = await pacedLoad({
    url,
    rate,
    seconds,
    next: () => {
      const contactId = order[cursor.next++ % order.length]!;
      const path = `/api/v1/cards/contact-risk?contactId=${contactId}&userId=${USER}&appId=${PRODUCT_APP.appId}&portalId=${HUB}`;
      const timestamp = String(Date.now());
      const signature = signatureV3(
        PRODUCT_APP.clientSecret,
        'GET',
        `${url}${path}`,
        Buffer.alloc(0),
        timestamp,
      );
      return {
        path,
        headers: { 'X-HubSpot-Signature-v3': signature, 'X-HubSpot-Request-Timestamp': timestamp },
      };
    },
  });
  const times = [...result.latencies];
  const at = (q: number) => quantile(times, q);
  return {
    responses: result.responses,
    requests: result.requests,
    perSecond: result.perSecond,
    non2xx: result.non2xx,
    errors: result.errors,
    bytes: result.bytes,
    worstSendLagMs: result.worstSendLagMs,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
  };
}

/** The `q` quantile of `values` (sorted here). */
function quantile(values: number[], q: number): number {
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN;
}

/** CPU seconds all cores of the machine spent busy so far (not idle, not waiting for I/O). */
function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const values = ticks.map(Number);
  const total = values.reduce((sum, v) => sum + v, 0);
  return (total - values[3]! - values[4]!) / 100;
}

/** utime + stime of one process (all its threads), seconds. */
function ownCpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Asks the server child for its stats (it answers with one line). */
async function serverStats(child: ChildProcess, lines: Interface): Promise<ServerStats> {
  const answer = once(lines, 'line');
  child.stdin!.write('stats\n');
  const [line] = (await answer) as [string];
  return JSON.parse(line) as ServerStats;
}

/** A 20,000-contact first cycle (bench/cycle.ts) in its own process group; resolves once it syncs. */
async function startCycle(): Promise<{ child: ChildProcess; output: () => string; endedAt: number | null }> {
  const cycleFile = fileURLToPath(new URL('./cycle.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cycleFile, '--contacts', String(args['cycle-contacts']), '--rate-multiplier', '10'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  const cycle = { child, output: () => output, endedAt: null as number | null };
  child.once('exit', () => (cycle.endedAt = Date.now()));
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/first sync under way/.test(output)) {
        child.stderr!.off('data', check);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`the cycle exited with ${code} before it synced:\n${output.slice(-4000)}`));
    child.stderr!.on('data', check);
    child.once('exit', onExit);
  });
  return cycle;
}

async function stopCycle(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // The cycle, its worker and its tsx loader share the process group started for it.
  process.kill(-child.pid!, 'SIGTERM');
  const force = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
}

async function drive(): Promise<void> {
  const profile = args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', fileURLToPath(import.meta.url), '--serve', ...process.argv.slice(2)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ url: string; rows: number; seeded: string; redisPid: number }>(
    (resolve, reject) => {
      lines.once('line', (line) => resolve(JSON.parse(line)));
      child.once('exit', (code) => reject(new Error(`the server exited with ${code} before it was ready`)));
    },
  );
  console.error(
    `Warehouse: ${contacts.toLocaleString('en')} contacts, ${ready.rows.toLocaleString('en')} scores (seeded in ${ready.seeded} s)`,
  );
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const warmUpRequests = rate * WARM_UP_SECONDS;
  const order = openingOrder(Math.ceil((warmUpRequests + rate * seconds) * 1.2), rate);
  const cursor = { next: 0 };

  const cycle = args['beside-cycle'] ? await startCycle() : null;
  try {
    if (cycle)
      console.error(`A first cycle of ${args['cycle-contacts']} contacts is syncing beside the server`);
    await load(ready.url, rate, WARM_UP_SECONDS, order, cursor);
    const from = cursor.next;
    const before = await serverStats(child, lines);
    const cpuBefore = { own: ownCpuSeconds(child.pid!), redis: ownCpuSeconds(ready.redisPid) };
    const machineBefore = machineBusySeconds();
    const selfBefore = process.cpuUsage();
    // A cycle that has ended reads as no CPU: it keeps the last reading.
    const cycleCpu: [number, number][] = [];
    const readCycle = () =>
      cycle &&
      cycleCpu.push([
        Date.now(),
        Math.max(processTreeCpuSeconds(cycle.child.pid!), cycleCpu.at(-1)?.[1] ?? 0),
      ]);
    readCycle();
    const sampler = cycle ? setInterval(readCycle, WINDOW_SECONDS * 1000) : undefined;
    const started = Date.now();
    const run = await load(ready.url, rate, seconds, order, cursor);
    const wall = (Date.now() - started) / 1000;
    clearInterval(sampler);
    readCycle();
    const cpu = {
      own: ownCpuSeconds(child.pid!) - cpuBefore.own,
      redis: ownCpuSeconds(ready.redisPid) - cpuBefore.redis,
    };
    const self = process.cpuUsage(selfBefore);
    const cores = {
      machine: (machineBusySeconds() - machineBefore) / wall,
      server: (cpu.own + cpu.redis) / wall,
      generator: (self.user + self.system) / 1e6 / wall,
      cycle: cycle ? (cycleCpu.at(-1)![1] - cycleCpu[0]![1]) / wall : 0,
    };
    const after = await serverStats(child, lines);
    const repeated = repeatedShare(order, from, cursor.next);
    const cache =
      before.cache && after.cache
        ? (() => {
            const hits = after.cache.hits - before.cache.hits;
            const misses = after.cache.misses - before.cache.misses;
            return `cache hits ${((100 * hits) / Math.max(1, hits + misses)).toFixed(1)} % (${after.cache.entries} views kept)`;
          })()
        : 'no card view cache';
    const others = Math.max(0, cores.machine - cores.server - cores.generator - cores.cycle);
    console.log(
      `GET /api/v1/cards/contact-risk at ${rate} requests/s for ${seconds} s` +
        `${cycle ? `, beside a first cycle of ${args['cycle-contacts']} contacts` : ''} ` +
        `(${run.requests} requests, ${run.perSecond.toFixed(0)}/s, ${run.non2xx} non-2xx, ${run.errors} errors, ${run.bytes} body bytes each): ` +
        `p50 ${run.p50.toFixed(1)} ms, p95 ${run.p95.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms ` +
        `(from when each request was due, evenly paced; the generator sent at most ${run.worstSendLagMs.toFixed(1)} ms late); ` +
        `server CPU ${cpu.own.toFixed(2)} s, ${((1000 * cpu.own) / Math.max(1, run.requests)).toFixed(2)} ms per request ` +
        `(its Redis ${((1000 * cpu.redis) / Math.max(1, run.requests)).toFixed(3)} ms); ` +
        `${(100 * repeated).toFixed(1)} % of requests reopened a contact (--repeat-share ${repeatShare}), ${cache}; ` +
        `machine ${cores.machine.toFixed(2)} cores busy of ${availableParallelism()} (server and its Redis ` +
        `${cores.server.toFixed(2)}, load generator ${cores.generator.toFixed(2)}` +
        `${cycle ? `, cycle ${cores.cycle.toFixed(2)}` : ''}, other processes ${others.toFixed(2)})`,
    );
    if (cycle) {
      const stretches = cycleCpu.slice(1).map(([end, cpuAt], i) => {
        const [start, cpuFrom] = cycleCpu[i]!;
        const latencies = run.responses.filter(([at]) => at > start && at <= end).map(([, ms]) => ms);
        return `${((cpuAt - cpuFrom) / ((end - start) / 1000)).toFixed(1)} cores/p95 ${quantile(latencies, 0.95).toFixed(0)} ms`;
      });
      console.log(`by ${WINDOW_SECONDS} s, cycle cores/card p95: ${stretches.join(', ')}`);
      if (cycle.endedAt !== null) {
        const during = run.responses.filter(([at]) => at <= cycle.endedAt!).map(([, ms]) => ms);
        console.log(
          `The cycle ended ${((cycle.endedAt - started) / 1000).toFixed(0)} s into the load ` +
            `(card p95 until then ${quantile(during, 0.95).toFixed(0)} ms over ${during.length} requests): ` +
            `${cycle.output().trim().split('\n').at(-1)}`,
        );
      }
    }
    if (run.non2xx > 0 || run.errors > 0) process.exitCode = 1;
  } finally {
    if (cycle) await stopCycle(cycle.child);
    child.stdin!.end();
    await once(child, 'exit');
  }
}
