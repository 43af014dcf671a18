import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisServerMissingError, startEmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { isRunning, spawnChurn, spawnFixture, tempDir, waitUntil } from '../support/processes.js';

describe('the embedded redis-server', () => {
  it('answers on loopback without persistence, and is gone after stop', async () => {
    const redis = await startEmbeddedRedis();
    const client = new Redis(redis.url);
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      client.disconnect();
      await redis.stop();
    }
    expect(isRunning(redis.pid)).toBe(false);
  });

  it('says exactly what to install when redis-server is missing', async () => {
    const attempt = startEmbeddedRedis({ executable: '/nonexistent/redis-server' });
    await expect(attempt).rejects.toBeInstanceOf(RedisServerMissingError);
    await expect(attempt).rejects.toThrow('sudo apt-get install -y redis-server');
  });

  it('dies with its parent when the parent is killed outright', async () => {
    const owner = spawnFixture('embedded-redis-owner.ts');
    const [, pid] = await owner.waitFor(/REDIS_PID=(\d+)/);
    expect(isRunning(Number(pid))).toBe(true);
    owner.child.kill('SIGKILL');
    await owner.exited();
    await waitUntil(() => !isRunning(Number(pid)), 5000);
  });

  it('`churn demo` answers /healthz and leaves no redis-server behind after Ctrl-C', async () => {
    // A short grace: the demo's first sync is still running when Ctrl-C comes, and is given back.
    const demo = spawnChurn(['demo'], {
      DATA_DIR: tempDir(),
      PORT: '0',
      DATABASE_URL: '',
      REDIS_URL: '',
      SHUTDOWN_GRACE_MS: '3000',
    });
    // Generous waits: on a busy box the demo's customers take a while to generate.
    const [, redisPid] = await demo.waitFor(/"redisPid":(\d+)/, 120_000);
    const [, serverUrl] = await demo.waitFor(/Server:\s+(http:\/\/\S+)/, 120_000);
    const health = await fetch(`${serverUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      checks: { database: { ok: true }, redis: { ok: true } },
    });

    demo.child.kill('SIGINT');
    const { code } = await demo.exited();
    if (code !== 0) console.log(demo.output());
    expect(code).toBe(0);
    expect(isRunning(Number(redisPid))).toBe(false);
  }, 300_000);
});
