import type { Command } from 'commander';
import { createApp } from '../../server/api/app.js';
import { listen } from '../../server/api/http-server.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startRuntime } from '../../server/runtime.js';
import { onShutdown, reportStartupError } from '../lifecycle.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the HTTP server: OAuth install, webhooks, card and dashboard API, health checks')
    .action(async () => {
      try {
        const config = loadConfig();
        const logger = createLogger(config.logLevel, 'serve');
        const runtime = await startRuntime(config, logger);
        const server = await listen(createApp(runtime), config.host, config.port);
        logger.info({ url: server.url }, 'listening');
        onShutdown([runtime.close, server.close], (m) => logger.info(m));
      } catch (error) {
        reportStartupError(error);
      }
    });
}
