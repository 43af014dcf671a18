import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * A lock on one portal's work of one kind, across every process: held while renewed, so a worker
 * that dies lets go after `ttlMs`.
 */
export async function tryLockPortal(redis: Redis, key: string, ttlMs = 30_000): Promise<HeldLock | null> {
  const owner = randomBytes(12).toString('hex');
  if ((await redis.set(key, owner, 'PX', ttlMs, 'NX')) !== 'OK') return null;
  const renew = setInterval(
    () => {
      redis.eval(EXTEND, 1, key, owner, String(ttlMs)).catch(() => {});
    },
    Math.floor(ttlMs / 3),
  );
  renew.unref();
  return {
    release: async () => {
      clearInterval(renew);
      await redis.eval(RELEASE, 1, key, owner);
    },
  };
}
