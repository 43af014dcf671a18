import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs; in a terminal they are pretty-printed for people. One logger per process,
 * children carry the component name. A `destination` takes the JSON lines instead (a test's sink).
 */
export function createLogger(level: string, name = 'churn', destination?: DestinationStream): Logger {
  if (destination) return pino({ name, level }, destination);
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
