import { resolve } from 'node:path';
import { z } from 'zod';
import { HUBSPOT_RATE_LIMITS } from './crm/rate-limit.js';
import { SALESFORCE_API_VERSION } from './crm/salesforce/api-version.js';

/**
 * Every setting comes from the environment, parsed here once. Defaults give the embedded mode
 * (PGlite in a data folder, a child redis-server, the local CRM sandbox); production sets
 * DATABASE_URL, REDIS_URL and the HubSpot app's credentials.
 */

const port = z.coerce.number().int().min(0).max(65535);
const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optionalUrl = z.preprocess(emptyAsUndefined, z.url().optional());
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());

/** A job's lock when the warehouse is a PostgreSQL server: a dead worker's jobs move on in 30 s. */
const SERVER_DATABASE_JOB_LOCK_MS = 30_000;
/**
 * A job's lock with the embedded database. PGlite runs each statement on the worker's own event
 * loop, so a long one (planner statistics or a feature read over 100,000 contacts on a busy box)
 * holds back the lock's renewal with it, and a 30 s lock would be lost by a worker that is alive.
 * PGlite allows one process, so no other worker waits to take a job over: only a restarted one,
 * which finds its jobs again after this long.
 */
const EMBEDDED_JOB_LOCK_MS = 300_000;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  /** The address the CRM and browsers reach this server at (OAuth redirect, webhooks, card fetches). */
  PUBLIC_URL: optionalUrl,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where embedded data lives: the PGlite database and the embedded Redis's scratch folder. */
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  REDIS_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
  ),
  /** BullMQ key prefix; use `{churn}` hash tags on Redis Cluster. */
  QUEUE_PREFIX: z.string().min(1).default('churn'),
  /**
   * How long a worker holds a job's lock before another may take it over (ms); by default 30 s
   * with PostgreSQL, 5 minutes with the embedded database (see EMBEDDED_JOB_LOCK_MS).
   */
  JOB_LOCK_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1000).optional()),
  /** How long a worker waits for running jobs on SIGTERM before releasing them (ms). */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  /** Jobs at once per worker on each queue whose work is the machine's own (scoring, training). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * Jobs at once per worker on each queue paced by the CRM (sync, write-back, workflow actions):
   * they wait on each portal's rate limit, so one worker serves many portals' syncs side by side.
   */
  CRM_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  SCORING_CHUNK_SIZE: z.coerce.number().int().min(10).max(10_000).default(1000),
  HUBSPOT_APP_ID: z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().optional()),
  HUBSPOT_CLIENT_ID: optionalString,
  HUBSPOT_CLIENT_SECRET: optionalString,
  /** HubSpot's API; the local sandbox's address in the demo and tests. */
  HUBSPOT_API_BASE: z.url().default('https://api.hubapi.com'),
  HUBSPOT_AUTHORIZE_URL: z.url().default('https://app.hubspot.com/oauth/authorize'),
  /** A contact's page in the CRM, for the dashboard's links: `{portalId}` and `{contactId}` are filled in. */
  HUBSPOT_RECORD_URL: z
    .string()
    .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL template')
    .default('https://app.hubspot.com/contacts/{portalId}/record/0-1/{contactId}'),
  /** Our budget per portal, kept under HubSpot's 110 calls per rolling 10 s and its search limit. */
  HUBSPOT_RATE_LIMIT_PER_SECOND: z.coerce
    .number()
    .min(0.1)
    .max(1000)
    .default(HUBSPOT_RATE_LIMITS.generalPerSecond),
  HUBSPOT_SEARCH_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(4),
  SALESFORCE_CLIENT_ID: optionalString,
  SALESFORCE_CLIENT_SECRET: optionalString,
  /** Salesforce's login origin (`https://test.salesforce.com` for sandboxes); the local sandbox in the demo and tests. */
  SALESFORCE_LOGIN_URL: z.url().default('https://login.salesforce.com'),
  /** The REST API version every call names. */
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d{2}\.0$/, 'must be a version such as 64.0')
    .default(SALESFORCE_API_VERSION),
  /** Our pace per org across every worker; Salesforce counts calls per day, not per second. */
  SALESFORCE_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0.1).max(1000).default(20),
  /** A contact's page in Salesforce, for the dashboard's links: `{instanceUrl}` and `{contactId}` are filled in. */
  SALESFORCE_RECORD_URL: z
    .string()
    .regex(/^(https?:\/\/|\{instanceUrl\})\S+$/, 'must be an http(s) URL template')
    .default('{instanceUrl}/lightning/r/Contact/{contactId}/view'),
  /**
   * How long the CRM's answer about a card user (are they an active user, may they start plays) is
   * trusted: a user removed in the CRM loses the card's actions within this time.
   */
  CARD_USER_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** Days an uninstalled portal's warehouse rows are kept before they are deleted. */
  UNINSTALLED_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** 32 bytes, base64 or hex: the key that encrypts OAuth tokens at rest. */
  TOKEN_ENCRYPTION_KEY: optionalString,
});

/** The name of every setting read from the environment here, in the schema's order. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[];

/** What a process started with `NODE_ENV=production` refuses to start without. */
export const REQUIRED_IN_PRODUCTION = [
  'DATABASE_URL',
  'REDIS_URL',
  'PUBLIC_URL',
  'TOKEN_ENCRYPTION_KEY',
] as const;

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  queuePrefix: string;
  jobLockMs: number;
  shutdownGraceMs: number;
  workerConcurrency: number;
  crmConcurrency: number;
  /** Contacts per scoring and write-back job: the unit many workers share a big portal by. */
  scoringChunkSize: number;
  hubspot: {
    appId: number | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    apiBase: string;
    authorizeUrl: string;
    recordUrl: string;
    rateLimits: { generalPerSecond: number; searchPerSecond: number };
  };
  salesforce: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    loginUrl: string;
    apiVersion: string;
    recordUrl: string;
    rateLimits: { generalPerSecond: number; searchPerSecond: number };
  };
  tokenEncryptionKey: string | undefined;
  uninstalledRetentionDays: number;
  cardUserCacheMs: number;
}>;

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid environment: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}. ` +
        'Fix or unset these variables and start again.',
    );
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        message: `${issue.message} (got ${JSON.stringify(env[String(issue.path[0])] ?? null)})`,
      })),
    );
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production') {
    const missing = REQUIRED_IN_PRODUCTION.filter((name) => e[name] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(missing.map((variable) => ({ variable, message: 'is required in production' })));
    }
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`,
    logLevel: e.LOG_LEVEL,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    jobLockMs: e.JOB_LOCK_MS ?? (e.DATABASE_URL ? SERVER_DATABASE_JOB_LOCK_MS : EMBEDDED_JOB_LOCK_MS),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    crmConcurrency: e.CRM_CONCURRENCY,
    scoringChunkSize: e.SCORING_CHUNK_SIZE,
    hubspot: {
      appId: e.HUBSPOT_APP_ID,
      clientId: e.HUBSPOT_CLIENT_ID,
      clientSecret: e.HUBSPOT_CLIENT_SECRET,
      apiBase: e.HUBSPOT_API_BASE,
      authorizeUrl: e.HUBSPOT_AUTHORIZE_URL,
      recordUrl: e.HUBSPOT_RECORD_URL,
      rateLimits: {
        generalPerSecond: e.HUBSPOT_RATE_LIMIT_PER_SECOND,
        searchPerSecond: e.HUBSPOT_SEARCH_RATE_LIMIT_PER_SECOND,
      },
    },
    salesforce: {
      clientId: e.SALESFORCE_CLIENT_ID,
      clientSecret: e.SALESFORCE_CLIENT_SECRET,
      loginUrl: e.SALESFORCE_LOGIN_URL,
      apiVersion: e.SALESFORCE_API_VERSION,
      recordUrl: e.SALESFORCE_RECORD_URL,
      rateLimits: {
        generalPerSecond: e.SALESFORCE_RATE_LIMIT_PER_SECOND,
        searchPerSecond: e.SALESFORCE_RATE_LIMIT_PER_SECOND,
      },
    },
    tokenEncryptionKey: e.TOKEN_ENCRYPTION_KEY,
    uninstalledRetentionDays: e.UNINSTALLED_RETENTION_DAYS,
    cardUserCacheMs: e.CARD_USER_CACHE_SECONDS * 1000,
  };
}
