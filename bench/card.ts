/**
 * Risk card latency: the product server with a warehouse of scored contacts (weekly history, a
 * renewal deal for every third contact) answers `GET /api/v1/cards/contact-risk` for random
 * contacts, HubSpot-signed, at a fixed rate. Prints p50/p95/p99 latency; the target is p95 ≤ 50 ms
 * at 200 requests/s.
 *
 *   npx tsx bench/card.ts [--contacts 20000] [--weeks 12] [--rate 200] [--seconds 30]
 *
 * The server runs in a child process (it is this file with --serve), so the load generator and the
 * server do not share a thread. The warehouse is PGlite in that process, or the PostgreSQL server at
 * DATABASE_URL when it is set.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
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

const HUB = 9001;
const USER = 77;
/** Signed requests made before the run; the signature window is five minutes, the run is shorter. */
const POOL = 5_000;

const { values: args } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    weeks: { type: 'string', default: '12' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    serve: { type: 'boolean', default: false },
    /** Writes a V8 CPU profile of the server into this folder. */
    profile: { type: 'string' },
  },
});
const contacts = Number(args.contacts);
const weeks = Number(args.weeks);

const REASONS = [
  { feature: 'tickets_open_now', label: 'Tickets open now', value: 3, contribution: 0.8 },
  { feature: 'sessions_per_week_4w', label: 'Sessions per week (4 weeks)', value: 0.5, contribution: 0.6 },
  { feature: 'days_since_last_reply', label: 'Days since their last reply', value: 64, contribution: 0.4 },
  { feature: 'tenure_days', label: 'Days as a customer', value: 900, contribution: -0.3 },
  { feature: 'nps_last', label: 'Last NPS answer', value: 9, contribution: -0.2 },
];

if (args.serve) await serve();
else await drive();

/** The product server on a seeded warehouse; prints its address once ready, stops when stdin closes. */
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
  console.log(JSON.stringify({ url: product.url, rows: contacts * weeks, seeded }));

  const stop = async () => {
    await product.close();
    await sandbox.close();
    await redis.stop();
    process.exit(0);
  };
  process.stdin.on('close', stop);
  process.stdin.resume();
}

interface SignedRequest {
  path: string;
  headers: Record<string, string>;
}

function signedPool(url: string): SignedRequest[] {
  const timestamp = String(Date.now());
  return Array.from({ length: POOL }, () => {
    const contactId = 1 + Math.floor(Math.random() * contacts);
    const path = `/api/v1/cards/contact-risk?contactId=${contactId}&userId=${USER}&appId=${PRODUCT_APP.appId}&portalId=${HUB}`;
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
  });
}

async function load(url: string, rate: number, seconds: number) {
  const pool = signedPool(url);
  const times: number[] = [];
  let next = 0;
  const result = await autocannon({
    url,
    connections: 20,
    overallRate: rate,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          const signed = pool[next++ % pool.length]!;
          return { ...request, method: 'GET', path: signed.path, headers: signed.headers };
        },
      },
    ],
    setupClient: (client) => {
      client.on('response', (_status, _bytes, responseTime) => times.push(responseTime));
    },
  });
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return {
    requests: result.requests.total,
    perSecond: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    bytes: Math.round(result.throughput.total / Math.max(1, result.requests.total)),
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
  };
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
  const ready = await new Promise<{ url: string; rows: number; seeded: string }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before it was ready`)));
  });
  console.error(
    `Warehouse: ${contacts.toLocaleString('en')} contacts, ${ready.rows.toLocaleString('en')} scores (seeded in ${ready.seeded} s)`,
  );
  const rate = Number(args.rate);
  await load(ready.url, rate, 5); // warm-up
  const run = await load(ready.url, rate, Number(args.seconds));
  child.stdin!.end();
  await once(child, 'exit');
  console.log(
    `GET /api/v1/cards/contact-risk at ${rate} requests/s for ${args.seconds} s (${run.requests} requests, ` +
      `${run.perSecond.toFixed(0)}/s, ${run.non2xx} non-2xx, ${run.errors} errors, ${run.bytes} bytes each): ` +
      `p50 ${run.p50} ms, p95 ${run.p95} ms, p99 ${run.p99} ms`,
  );
  if (run.non2xx > 0 || run.errors > 0) process.exitCode = 1;
}
