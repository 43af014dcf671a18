import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs; in a terminal they are pretty-printed for people. One logger per process,
 * children carry the component name.
 */
export function createLogger(level: string, name = 'churn'): Logger {
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  return pino({
    name,
    level,
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}
