import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../server/config.js';
import { productFailureHandlers, productProcessors } from '../../server/jobs/processors.js';
import { scheduleAbandonedRunsCheck } from '../../server/jobs/abandoned-runs.js';
import { scheduleDailyPurge } from '../../server/jobs/purge-uninstalled.js';
import { WorkerPool } from '../../server/jobs/worker-pool.js';
import { createLogger } from '../../server/logger.js';
import { startApplication } from '../../server/application.js';
import { onShutdown, reportStartupError } from '../lifecycle.js';

export function registerWork(program: Command): void {
  program
    .command('work')
    .description('Run a BullMQ worker that takes sync, scoring and write-back jobs (run as many as you like)')
    .option(
      '-c, --concurrency <n>',
      'jobs at once on each scoring and training queue (default: WORKER_CONCURRENCY)',
      parsePositive,
    )
    .option(
      '--crm-concurrency <n>',
      'jobs at once on each queue paced by the CRM: sync, write-back, workflows (default: CRM_CONCURRENCY)',
      parsePositive,
    )
    .action(async (options: { concurrency?: number; crmConcurrency?: number }) => {
      try {
        const config = loadConfig();
        const logger = createLogger(config.logLevel, 'work');
        const app = await startApplication(config, logger);
        const pool = new WorkerPool({
          redisUrl: app.redisUrl,
          prefix: config.queuePrefix,
          processors: productProcessors(app),
          failedForGood: productFailureHandlers(app),
          concurrency: options.concurrency ?? config.workerConcurrency,
          crmConcurrency: options.crmConcurrency ?? config.crmConcurrency,
          lockDurationMs: config.jobLockMs,
          logger,
        });
        await pool.waitUntilReady();
        await scheduleDailyPurge(app.queues);
        await scheduleAbandonedRunsCheck(app.queues);
        logger.info({ queues: pool.queueNames, pid: process.pid }, 'worker ready');
        onShutdown([app.close, () => pool.close(config.shutdownGraceMs)], (m) => logger.info(m));
      } catch (error) {
        reportStartupError(error);
      }
    });
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return n;
}
