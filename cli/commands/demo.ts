import type { Command } from 'commander';
import { createApp } from '../../server/api/app.js';
import { listen } from '../../server/api/http-server.js';
import { loadConfig } from '../../server/config.js';
import { productProcessors } from '../../server/jobs/processors.js';
import { WorkerPool } from '../../server/jobs/worker-pool.js';
import { createLogger } from '../../server/logger.js';
import { startRuntime } from '../../server/runtime.js';
import { onShutdown, reportStartupError } from '../lifecycle.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run everything on this machine: embedded Redis and Postgres, the server and a worker')
    .action(async () => {
      try {
        const config = loadConfig();
        const logger = createLogger(config.logLevel, 'demo');
        const runtime = await startRuntime(config, logger);
        const pool = new WorkerPool({
          redisUrl: runtime.redisUrl,
          prefix: config.queuePrefix,
          processors: productProcessors(),
          concurrency: config.workerConcurrency,
          lockDurationMs: config.jobLockMs,
          logger,
        });
        const server = await listen(createApp(runtime), config.host, config.port);
        onShutdown([runtime.close, () => pool.close(config.shutdownGraceMs), server.close], (m) =>
          logger.info(m),
        );
        await pool.waitUntilReady();
        process.stdout.write(
          [
            '',
            'Churn Radar is running.',
            `  Server:         ${server.url}`,
            `  Health:         ${server.url}/healthz`,
            `  Database:       ${runtime.db.kind} (${runtime.db.location})`,
            `  Redis:          ${runtime.redisUrl}  (more workers: REDIS_URL=${runtime.redisUrl} churn work)`,
            'Press Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
      } catch (error) {
        reportStartupError(error);
      }
    });
}
