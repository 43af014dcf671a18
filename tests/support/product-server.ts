import { createApp } from '../../server/api/app.js';
import express, { type Express } from 'express';
import { listen, type RunningServer } from '../../server/api/http-server.js';
import { assembleContext, type AppContext } from '../../server/application.js';
import { loadConfig } from '../../server/config.js';
import type { RateLimits } from '../../server/crm/rate-limit.js';
import { enqueueCycle } from '../../server/jobs/cycle-job.js';
import { Queues } from '../../server/jobs/queues.js';
import { productFailureHandlers, productProcessors } from '../../server/jobs/processors.js';
import { WorkerPool } from '../../server/jobs/worker-pool.js';
import { createLogger } from '../../server/logger.js';
import { latestRunProgress } from '../../server/scoring/runs.js';
import { openDatabase } from '../../server/db/index.js';
import {
  openProductTestDatabase,
  openTestDatabase,
  testDatabaseServer,
  type TestDatabase,
} from './database.js';
import { tempDir, waitUntil } from './processes.js';

export interface TestProduct {
  url: string;
  ctx: AppContext;
  /** The environment a `churn work` process needs to work for this product. */
  workerEnv: Record<string, string>;
  /** Starts an in-process worker on the product's queues. */
  startWorker(): Promise<WorkerPool>;
  close(): Promise<void>;
}

export const PRODUCT_APP = {
  appId: 4242,
  clientId: 'churn-radar-client',
  clientSecret: 'churn-radar-secret',
};

/**
 * The product's HTTP server for a test, configured as a HubSpot app talking to a sandbox at
 * `crmUrl`, on real Redis and a fresh warehouse.
 */
export async function startTestProduct(options: {
  crmUrl: string;
  redisUrl: string;
  env?: Record<string, string>;
  rateLimits?: RateLimits;
  /** Keep the warehouse where `churn work` processes can open it (a PGlite folder, or PostgreSQL). */
  persistent?: boolean;
  /** A PostgreSQL database (already created) for the product and its `churn work` processes. */
  databaseUrl?: string;
  /** The clock the product's short-lived caches (the card users') expire by. */
  clock?: () => number;
  /** Every log line of the product (and its in-process workers), as JSON, at `level`. */
  logTo?: { level: string; write(line: string): void };
}): Promise<TestProduct> {
  // The server listens first (on a port the system picks) and takes its app once the app, whose
  // URLs name that port, is built: no other test can take the port in between.
  const target: { app?: Express } = {};
  const shell = express();
  shell.use((req, res, next) => (target.app ? target.app(req, res, next) : res.status(503).end()));
  const server: RunningServer = await listen(shell, '127.0.0.1', 0);
  const port = server.port;
  const url = server.url;
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: url,
    DATA_DIR: tempDir(),
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: `p${port}`,
    HUBSPOT_APP_ID: String(PRODUCT_APP.appId),
    HUBSPOT_CLIENT_ID: PRODUCT_APP.clientId,
    HUBSPOT_CLIENT_SECRET: PRODUCT_APP.clientSecret,
    HUBSPOT_API_BASE: options.crmUrl,
    HUBSPOT_AUTHORIZE_URL: `${options.crmUrl}/oauth/authorize`,
    ...options.env,
  });
  const db = options.databaseUrl
    ? await openNamedDatabase(options.databaseUrl)
    : options.persistent
      ? await openPersistentDatabase(config.dataDir)
      : await openProductTestDatabase();
  const queues = new Queues({ redisUrl: options.redisUrl, prefix: config.queuePrefix });
  const logger = options.logTo
    ? createLogger(options.logTo.level, 'churn', options.logTo)
    : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const ctx = assembleContext(
    { config, db, queues, logger },
    {
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    },
  );
  target.app = createApp(ctx);
  const pools: WorkerPool[] = [];
  const workerEnv: Record<string, string> = {
    DATA_DIR: config.dataDir,
    DATABASE_URL: db.url ?? '',
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: config.queuePrefix,
    PUBLIC_URL: url,
    HUBSPOT_APP_ID: String(PRODUCT_APP.appId),
    HUBSPOT_CLIENT_ID: PRODUCT_APP.clientId,
    HUBSPOT_CLIENT_SECRET: PRODUCT_APP.clientSecret,
    HUBSPOT_API_BASE: options.crmUrl,
    HUBSPOT_AUTHORIZE_URL: `${options.crmUrl}/oauth/authorize`,
    ...options.env,
  };
  return {
    url,
    ctx,
    workerEnv,
    startWorker: async () => {
      const pool = new WorkerPool({
        redisUrl: options.redisUrl,
        prefix: config.queuePrefix,
        processors: productProcessors(ctx),
        failedForGood: productFailureHandlers(ctx),
        concurrency: 2,
        lockDurationMs: 30_000,
        logger,
      });
      await pool.waitUntilReady();
      pools.push(pool);
      return pool;
    },
    close: async () => {
      for (const pool of pools) await pool.close(1000);
      await server.close();
      await queues.close();
      await db.dispose();
    },
  };
}

/** The database tests' warehouse (`testDatabaseServer`), or the embedded one in `dataDir`. */
async function openPersistentDatabase(dataDir: string): Promise<TestDatabase> {
  if (testDatabaseServer()) return openTestDatabase();
  const handle = await openDatabase({ dataDir });
  return { ...handle, dispose: handle.close };
}

async function openNamedDatabase(url: string): Promise<TestDatabase> {
  const handle = await openDatabase({ databaseUrl: url });
  return { ...handle, url, dispose: handle.close };
}

/**
 * The round-trip cookie a product's `/oauth/install` or `/app/login` answer set (`name=value`), which
 * the browser sends back to the callback.
 */
export function flowCookie(start: Response): string {
  const cookie = start.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('churn_oauth_flow='));
  if (!cookie) throw new Error('the product set no round-trip cookie');
  return cookie;
}

/**
 * An admin's install, walked through over HTTP: the product's install link, the CRM's consent
 * page (approve or deny), and back to the product's callback with the install's round-trip cookie.
 * Returns the callback's answer.
 */
export async function walkInstall(
  productUrl: string,
  options: {
    portalId: number;
    decision?: 'approve' | 'deny';
    tamperState?: (state: string) => string;
    /** Names HubSpot on the install link, as a product serving several CRMs needs. */
    namedCrm?: boolean;
  },
): Promise<{ status: number; html: string; callbackUrl: string; flowCookie: string }> {
  const start = await fetch(`${productUrl}/oauth/install${options.namedCrm ? '?crm=hubspot' : ''}`, {
    redirect: 'manual',
  });
  if (start.status !== 302) throw new Error(`install answered ${start.status}`);
  const cookie = flowCookie(start);
  const authorize = new URL(start.headers.get('location')!);
  const fields = Object.fromEntries(authorize.searchParams);
  if (options.tamperState && fields.state) fields.state = options.tamperState(fields.state);
  const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      ...fields,
      portalId: String(options.portalId),
      decision: options.decision ?? 'approve',
    }),
  });
  if (consent.status !== 302) throw new Error(`consent answered ${consent.status}: ${await consent.text()}`);
  const callbackUrl = consent.headers.get('location')!;
  const callback = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } });
  return { status: callback.status, html: await callback.text(), callbackUrl, flowCookie: cookie };
}

/** Starts another cycle of the portal, as its Run-now button does, and waits until it succeeded. */
export async function runAnotherCycle(
  product: TestProduct,
  portalId: number,
  timeoutMs: number,
): Promise<void> {
  const db = product.ctx.db.db;
  const before = (await latestRunProgress(db, portalId))?.runId;
  await enqueueCycle(product.ctx.queues, portalId, 'manual');
  await waitUntil(async () => {
    const run = await latestRunProgress(db, portalId);
    return run !== null && run.runId !== before && run.status === 'succeeded';
  }, timeoutMs);
}
