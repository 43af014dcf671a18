import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadTokenKey, TokenCipher, TokenKeyError } from '../../server/oauth/token-cipher.js';
import { tempDir } from '../support/processes.js';

describe('tokens encrypted at rest', () => {
  const cipher = new TokenCipher(Buffer.alloc(32, 7));

  it('round-trips a token, and never stores it in clear', () => {
    const sealed = cipher.encrypt('pat-na1-secret-token', 'portal:1');
    expect(sealed).not.toContain('secret');
    expect(cipher.decrypt(sealed, 'portal:1')).toBe('pat-na1-secret-token');
  });

  it('encrypts the same token differently each time', () => {
    expect(cipher.encrypt('same', 'portal:1')).not.toBe(cipher.encrypt('same', 'portal:1'));
  });

  it('refuses a value moved to another portal, or tampered with', () => {
    const sealed = cipher.encrypt('token', 'portal:1');
    expect(() => cipher.decrypt(sealed, 'portal:2')).toThrow(TokenKeyError);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('forged').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'portal:1')).toThrow(TokenKeyError);
  });

  it('refuses a value sealed with another key', () => {
    const other = new TokenCipher(Buffer.alloc(32, 8));
    expect(() => other.decrypt(cipher.encrypt('token', 'portal:1'), 'portal:1')).toThrow(
      /TOKEN_ENCRYPTION_KEY/,
    );
  });

  it('creates the embedded key file once, readable by its owner only', () => {
    const dir = tempDir();
    const key = loadTokenKey({ configuredKey: undefined, dataDir: dir });
    expect(key).toHaveLength(32);
    expect(statSync(join(dir, 'token-encryption.key')).mode & 0o777).toBe(0o600);
    expect(loadTokenKey({ configuredKey: undefined, dataDir: dir }).equals(key)).toBe(true);
  });

  it('takes a configured key as hex or base64, and names the variable when it is wrong', () => {
    const hex = 'ab'.repeat(32);
    expect(loadTokenKey({ configuredKey: hex, dataDir: tempDir() })).toEqual(Buffer.from(hex, 'hex'));
    const b64 = Buffer.alloc(32, 1).toString('base64');
    expect(loadTokenKey({ configuredKey: b64, dataDir: tempDir() })).toEqual(Buffer.alloc(32, 1));
    expect(() => loadTokenKey({ configuredKey: 'too-short', dataDir: tempDir() })).toThrow(
      /TOKEN_ENCRYPTION_KEY/,
    );
  });
});
