import { ConfigError } from '../server/config.js';
import { DatabaseInUseError } from '../server/db/index.js';
import { RedisServerMissingError } from '../server/jobs/embedded-redis.js';

type Cleanup = () => Promise<void>;

/**
 * Runs the cleanups (last registered first) on SIGINT or SIGTERM, then exits. A second signal
 * during cleanup exits at once.
 */
export function onShutdown(cleanups: Cleanup[], log: (message: string) => void): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    log(`${signal}: shutting down`);
    let code = 0;
    for (const cleanup of [...cleanups].reverse()) {
      try {
        await cleanup();
      } catch (error) {
        code = 1;
        log(`error during shutdown: ${(error as Error).message}`);
      }
    }
    process.exit(code);
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
}

/** Errors a person can fix get one clear line, not a stack trace. */
export function reportStartupError(error: unknown): never {
  if (
    error instanceof ConfigError ||
    error instanceof RedisServerMissingError ||
    error instanceof DatabaseInUseError
  ) {
    process.stderr.write(`churn: ${error.message}\n`);
  } else {
    process.stderr.write(`churn: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
}
