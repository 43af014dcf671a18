import type { Command } from 'commander';
import { createApp } from '../../server/api/app.js';
import { listen } from '../../server/api/http-server.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startApplication } from '../../server/application.js';
import { onShutdown, reportStartupError } from '../lifecycle.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the HTTP server: OAuth install, webhooks, card and dashboard API, health checks')
    .action(async () => {
      try {
        const config = loadConfig();
        const logger = createLogger(config.logLevel, 'serve');
        const app = await startApplication(config, logger);
        const server = await listen(createApp(app), config.host, config.port);
        logger.info({ url: server.url }, 'listening');
        onShutdown([app.close, server.close], (m) => logger.info(m));
      } catch (error) {
        reportStartupError(error);
      }
    });
}
