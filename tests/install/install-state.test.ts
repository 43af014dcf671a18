import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import {
  ForeignBrowserStateError,
  InstallState,
  InvalidStateError,
  newBrowserNonce,
} from '../../server/oauth/install-state.js';

let redis: EmbeddedRedis;
let client: Redis;
let other: Redis;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  client = new Redis(redis.url);
  other = new Redis(redis.url);
});
afterAll(async () => {
  client.disconnect();
  other.disconnect();
  await redis.stop();
});

describe('the OAuth state that protects the install callback', () => {
  const key = Buffer.alloc(32, 3);
  const browser = newBrowserNonce();

  it('is accepted once, even by another process', async () => {
    const state = new InstallState(key, client, 'st1').issue(browser);
    await new InstallState(key, client, 'st1').consume(state, browser);
    await expect(new InstallState(key, other, 'st1').consume(state, browser)).rejects.toThrow(
      /already been used/,
    );
  });

  it('is refused when forged or signed with another key', async () => {
    const genuine = new InstallState(key, client, 'st2').issue(browser);
    const [body] = genuine.split('.');
    const forged = `${body}.${Buffer.from('x'.repeat(32)).toString('base64url')}`;
    await expect(new InstallState(key, client, 'st2').consume(forged, browser)).rejects.toBeInstanceOf(
      InvalidStateError,
    );
    const foreign = new InstallState(Buffer.alloc(32, 4), client, 'st2').issue(browser);
    await expect(new InstallState(key, client, 'st2').consume(foreign, browser)).rejects.toThrow(/signature/);
    await expect(new InstallState(key, client, 'st2').consume(undefined, browser)).rejects.toThrow(
      /no state/,
    );
  });

  it('is refused after ten minutes', async () => {
    const states = new InstallState(key, client, 'st3');
    const issuedAt = Date.now();
    const state = states.issue(browser, { now: issuedAt });
    await expect(states.consume(state, browser, issuedAt + 10 * 60 * 1000 + 1)).rejects.toThrow(/expired/);
  });

  it('is refused from a browser other than the one it was issued to, and stays usable there', async () => {
    const states = new InstallState(key, client, 'st4');
    const state = states.issue(browser, { purpose: 'login' });
    await expect(states.consume(state, undefined)).rejects.toBeInstanceOf(ForeignBrowserStateError);
    await expect(states.consume(state, newBrowserNonce())).rejects.toThrow(/another browser/);
    await expect(states.consume(state, browser)).resolves.toMatchObject({ purpose: 'login' });
  });
});
