import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle, type MigrationSecrets } from './db/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './jobs/embedded-redis.js';
import { Queues } from './jobs/queues.js';
import type { Logger } from './logger.js';
import { loadTokenKey, TokenCipher } from './oauth/token-cipher.js';
import { sealSurveyToken, SURVEY_KEY_PURPOSE } from './workflows/secrets.js';

/**
 * The connections a process needs, made once: the warehouse (PostgreSQL at DATABASE_URL, or PGlite
 * in the data folder) and Redis (REDIS_URL, or a child redis-server). Only how a connection is made
 * differs between production and the embedded defaults.
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: DatabaseHandle;
  queues: Queues;
  redisUrl: string;
  close(): Promise<void>;
}

export async function startRuntime(config: Config, logger: Logger): Promise<Runtime> {
  let embeddedRedis: EmbeddedRedis | undefined;
  let redisUrl = config.redisUrl;
  if (!redisUrl) {
    embeddedRedis = await startEmbeddedRedis();
    redisUrl = embeddedRedis.url;
    logger.info({ url: redisUrl, redisPid: embeddedRedis.pid }, 'started embedded redis-server');
  }
  let db: DatabaseHandle;
  try {
    db = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      secrets: migrationSecrets(config),
    });
  } catch (error) {
    await embeddedRedis?.stop();
    throw error;
  }
  logger.info({ kind: db.kind, location: db.location }, 'database ready');
  const queues = new Queues({ redisUrl, prefix: config.queuePrefix });
  return {
    config,
    logger,
    db,
    queues,
    redisUrl,
    close: async () => {
      await queues.close().catch((error: unknown) => logger.warn({ err: error }, 'closing queues'));
      await db.close().catch((error: unknown) => logger.warn({ err: error }, 'closing database'));
      await embeddedRedis?.stop();
    },
  };
}

/**
 * The server's key for the migrations that take a secret out of the clear: TOKEN_ENCRYPTION_KEY (or
 * the embedded mode's key file), read only when a migration has something to encrypt.
 */
export function migrationSecrets(config: Pick<Config, 'tokenEncryptionKey' | 'dataDir'>): MigrationSecrets {
  let surveyKey: Buffer | undefined;
  const surveyKeyOf = () =>
    (surveyKey ??= new TokenCipher(
      loadTokenKey({ configuredKey: config.tokenEncryptionKey, dataDir: config.dataDir }),
    ).derive(SURVEY_KEY_PURPOSE));
  return {
    sealSurveyToken: (token, portalId, retentionActionId) =>
      sealSurveyToken(surveyKeyOf(), portalId, retentionActionId, token),
  };
}
