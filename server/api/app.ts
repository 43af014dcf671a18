import express, { type Express } from 'express';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/index.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../logger.js';
import { errorHandler, notFound } from './error-handler.js';
import { healthRouter } from './health.js';

/** What every route may use; built once per process by the CLI (or by a test). */
export interface AppContext {
  config: Config;
  db: DatabaseHandle;
  queues: Queues;
  logger: Logger;
}

export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms }, 'request');
    });
    next();
  });
  app.use(express.json({ limit: '1mb' }));

  app.get('/', (_req, res) => res.json({ name: 'Churn Radar', health: '/healthz' }));
  app.use(healthRouter(ctx));

  app.use(notFound);
  app.use(errorHandler(ctx.logger));
  return app;
}
