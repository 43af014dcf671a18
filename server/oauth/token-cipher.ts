import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 'v1';
const KEY_FILE = 'token-encryption.key';

export class TokenKeyError extends Error {
  readonly code = 'invalid_token_key';
}

/**
 * Encrypts OAuth tokens at rest with AES-256-GCM: a fresh 96-bit IV per value, the auth tag kept
 * with it, and the portal id bound in as associated data so a row copied to another portal fails.
 */
export class TokenCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new TokenKeyError('The token encryption key must be 32 bytes.');
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  decrypt(sealed: string, context: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || body === undefined)
      throw new TokenKeyError('Unreadable encrypted token.');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new TokenKeyError(
        'A stored token does not decrypt with this key: was TOKEN_ENCRYPTION_KEY changed?',
      );
    }
  }

  /** A separate key for another purpose (e.g. signing OAuth state), derived so the two never mix. */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.key).update(`churn-radar:${purpose}`).digest();
  }
}

/**
 * The key comes from TOKEN_ENCRYPTION_KEY (32 bytes as base64 or hex). In the embedded mode a key
 * file is created once in the data folder, readable by its owner only.
 */
export function loadTokenKey(options: { configuredKey: string | undefined; dataDir: string }): Buffer {
  if (options.configuredKey) return parseKey(options.configuredKey);
  mkdirSync(options.dataDir, { recursive: true });
  const path = join(options.dataDir, KEY_FILE);
  if (!existsSync(path)) {
    writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(path, 0o600);
  return parseKey(readFileSync(path, 'utf8').trim());
}

function parseKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) {
    throw new TokenKeyError(
      'TOKEN_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32).',
    );
  }
  return key;
}
