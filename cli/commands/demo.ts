import type { Command } from 'commander';
import { createApp } from '../../server/api/app.js';
import { listen } from '../../server/api/http-server.js';
import { loadConfig } from '../../server/config.js';
import { productProcessors } from '../../server/jobs/processors.js';
import { WorkerPool } from '../../server/jobs/worker-pool.js';
import { createLogger } from '../../server/logger.js';
import { startApplication } from '../../server/application.js';
import { onShutdown, reportStartupError } from '../lifecycle.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run everything on this machine: embedded Redis and Postgres, the server and a worker')
    .action(async () => {
      try {
        const config = loadConfig();
        const logger = createLogger(config.logLevel, 'demo');
        const app = await startApplication(config, logger);
        const pool = new WorkerPool({
          redisUrl: app.redisUrl,
          prefix: config.queuePrefix,
          processors: productProcessors(app),
          concurrency: config.workerConcurrency,
          lockDurationMs: config.jobLockMs,
          logger,
        });
        const server = await listen(createApp(app), config.host, config.port);
        onShutdown([app.close, () => pool.close(config.shutdownGraceMs), server.close], (m) =>
          logger.info(m),
        );
        await pool.waitUntilReady();
        process.stdout.write(
          [
            '',
            'Churn Radar is running.',
            `  Server:         ${server.url}`,
            `  Health:         ${server.url}/healthz`,
            `  Database:       ${app.db.kind} (${app.db.location})`,
            `  Redis:          ${app.redisUrl}  (more workers: REDIS_URL=${app.redisUrl} churn work)`,
            'Press Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
      } catch (error) {
        reportStartupError(error);
      }
    });
}
