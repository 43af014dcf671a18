import { Router } from 'express';
import { sql } from 'kysely';
import type { DatabaseHandle } from '../db/index.js';
import { ServiceUnavailableError } from '../errors.js';
import { requestHeartbeat } from '../jobs/heartbeat.js';
import type { Queues } from '../jobs/queues.js';

const CHECK_TIMEOUT_MS = 2000;

interface Check {
  ok: boolean;
  ms: number;
  error?: string;
}

/**
 * `/healthz` answers 200 when the database and Redis both answer; `/healthz/worker` also proves a
 * worker takes jobs, by a heartbeat job's round trip.
 */
export function healthRouter(deps: { db: DatabaseHandle; queues: Queues }): Router {
  const router = Router();

  router.get('/healthz', async (_req, res) => {
    const [database, redis] = await Promise.all([
      timed(() => sql`select 1`.execute(deps.db.db)),
      timed(() => deps.queues.ping()),
    ]);
    const checks = { database: { ...database, kind: deps.db.kind }, redis };
    if (!database.ok || !redis.ok) {
      const failing = Object.entries(checks)
        .filter(([, c]) => !c.ok)
        .map(([name, c]) => `${name}: ${c.error}`);
      throw new ServiceUnavailableError('unhealthy', failing.join('; '), checks);
    }
    res.json({ status: 'ok', checks });
  });

  router.get('/healthz/worker', async (_req, res) => {
    const started = Date.now();
    try {
      const worker = await requestHeartbeat(deps.queues, 5000);
      res.json({ status: 'ok', worker, ms: Date.now() - started });
    } catch (error) {
      throw new ServiceUnavailableError('no_worker', (error as Error).message);
    }
  });

  return router;
}

async function timed(check: () => Promise<unknown>): Promise<Check> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, ms: Date.now() - started, error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
