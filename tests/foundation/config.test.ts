import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../server/config.js';
import { spawnChurn } from '../support/processes.js';

describe('configuration from the environment', () => {
  it('gives embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.publicUrl).toBe('http://127.0.0.1:3000');
    expect(config.hubspot.apiBase).toBe('https://api.hubapi.com');
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', REDIS_URL: 'http://nope', JOB_LOCK_MS: '5' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(variables).toEqual(['JOB_LOCK_MS', 'PORT', 'REDIS_URL']);
    expect((error as Error).message).toContain('PORT');
    expect((error as Error).message).toContain('"abc"');
  });

  it('requires the production connections in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL.*REDIS_URL.*PUBLIC_URL/s);
  });

  it('holds job locks 30 s with a PostgreSQL server, 5 minutes with the embedded database, or as set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db.internal/churn' }).jobLockMs).toBe(30_000);
    expect(loadConfig({}).jobLockMs).toBe(300_000);
    expect(loadConfig({ JOB_LOCK_MS: '10000' }).jobLockMs).toBe(10_000);
    expect(loadConfig({ JOB_LOCK_MS: '', DATABASE_URL: 'postgres://db.internal/churn' }).jobLockMs).toBe(
      30_000,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '' }).redisUrl).toBeUndefined();
  });

  it('stops `churn serve` at start-up with one line naming the variable', async () => {
    const serve = spawnChurn(['serve'], { PORT: 'abc' });
    const { code } = await serve.exited();
    expect(code).toBe(1);
    expect(serve.output()).toMatch(/^churn: Invalid environment: PORT: .*"abc"/m);
    expect(serve.output()).not.toMatch(/at .*\.ts:\d+/);
  });
});
