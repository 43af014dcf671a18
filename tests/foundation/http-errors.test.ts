import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp } from '../../server/api/app.js';
import { assembleContext } from '../../server/application.js';
import { listen, type RunningServer } from '../../server/api/http-server.js';
import { loadConfig } from '../../server/config.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { Queues } from '../../server/jobs/queues.js';
import { createLogger } from '../../server/logger.js';
import { openTestDatabase } from '../support/database.js';
import { tempDir } from '../support/processes.js';

let redis: EmbeddedRedis;
let server: RunningServer;
let queues: Queues;
let dispose: () => Promise<void>;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  const db = await openTestDatabase();
  dispose = db.dispose;
  queues = new Queues({ redisUrl: redis.url, prefix: 'http-errors' });
  const config = loadConfig({ REDIS_URL: redis.url, DATA_DIR: tempDir() });
  server = await listen(
    createApp(assembleContext({ config, db, queues, logger: createLogger('silent') })),
    '127.0.0.1',
    0,
  );
});
afterAll(async () => {
  await server.close();
  await queues.close();
  await dispose();
  await redis.stop();
});

describe('the HTTP error format', () => {
  it('answers an unknown route with 404 in the error format', async () => {
    const response = await fetch(`${server.url}/no/such/thing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: 'No route for GET /no/such/thing' },
    });
  });

  it('answers a malformed JSON body with 400 in the error format', async () => {
    const response = await fetch(`${server.url}/healthz`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_body' } });
  });

  it('reports healthy while the database and Redis answer, and 503 naming Redis once it is gone', async () => {
    const healthy = await fetch(`${server.url}/healthz`);
    expect(healthy.status).toBe(200);

    await redis.stop();
    const unhealthy = await fetch(`${server.url}/healthz`);
    expect(unhealthy.status).toBe(503);
    const body = (await unhealthy.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unhealthy');
    expect(body.error.message).toMatch(/^redis: /);
  });
});
