import type { Config } from './config.js';
import type { RateLimits } from './crm/rate-limit.js';
import type { DatabaseHandle } from './db/index.js';
import { BullMqWorkQueue } from './jobs/bullmq-work-queue.js';
import type { Queues } from './jobs/queues.js';
import type { Logger } from './logger.js';
import { loadManifest, type AppManifest } from './manifest/index.js';
import { startRuntime } from './runtime.js';
import { createServices, type Services } from './services.js';
import type { WorkQueue } from './work-queue.js';

/** Everything a route or a job may use, built once per process (or per test). */
export interface AppContext {
  config: Config;
  logger: Logger;
  db: DatabaseHandle;
  queues: Queues;
  /** The work port on `queues`: what sync, OAuth, workflows and routes hand on to the workers. */
  work: WorkQueue;
  services: Services;
  manifest: AppManifest;
}

export interface AssembleOptions {
  rateLimits?: RateLimits;
  /** The clock the card users' cache expires by. */
  clock?: () => number;
}

/** The product's parts on top of connections that already exist. */
export function assembleContext(
  parts: Pick<AppContext, 'config' | 'logger' | 'db' | 'queues'>,
  options: AssembleOptions = {},
): AppContext {
  return withParts(parts, loadManifest(), options);
}

function withParts<C extends Pick<AppContext, 'config' | 'logger' | 'db' | 'queues'>>(
  connections: C,
  manifest: AppManifest,
  options: AssembleOptions,
): C & AppContext {
  const work = new BullMqWorkQueue(connections.queues);
  return { ...connections, work, manifest, services: createServices({ ...connections, work }, options) };
}

export interface Application extends AppContext {
  redisUrl: string;
  close(): Promise<void>;
}

/** Connections (embedded or not) plus the product's parts: what `churn serve/work/demo` run on. */
export async function startApplication(
  config: Config,
  logger: Logger,
  options: AssembleOptions = {},
): Promise<Application> {
  const manifest = loadManifest();
  const runtime = await startRuntime(config, logger);
  try {
    return withParts(runtime, manifest, options);
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
