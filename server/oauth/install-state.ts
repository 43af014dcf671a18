import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { CrmKind } from '../db/schema.js';
import { AppError } from '../errors.js';

/** How long a round trip through the CRM's authorize page may take (the state and the browser's cookie). */
export const STATE_TTL_MS = 10 * 60 * 1000;

/** What the round trip through the CRM's authorize page is for: installing the app, or signing in. */
export type StatePurpose = 'install' | 'login';

/** What a state was issued for; `crm` names the CRM whose authorize page it went through. */
export interface StateUse {
  purpose: StatePurpose;
  /** As issued; the CRM registry checks it against the CRMs it knows. */
  crm: string | undefined;
}

const payloadSchema = z.object({
  nonce: z.string().min(16),
  exp: z.number().int(),
  purpose: z.enum(['install', 'login']).default('install'),
  crm: z.string().min(1).max(40).optional(),
  /** SHA-256 of the nonce in the cookie of the browser that started the round trip. */
  browser: z.string().min(16),
});

export class InvalidStateError extends AppError {
  constructor(reason: string, status = 400, message?: string) {
    super(
      status,
      'invalid_state',
      message ?? `This install link is not valid: ${reason}. Start the install again.`,
    );
  }
}

/**
 * The state is genuine but the browser that brought it back is not the one that started the round
 * trip (its cookie is missing or another): someone else's link, which must not sign this browser in
 * or install anything (RFC 6749 §10.12).
 */
export class ForeignBrowserStateError extends InvalidStateError {
  constructor(readonly purpose: StatePurpose) {
    const what = purpose === 'login' ? 'sign-in' : 'install';
    super(
      'it was started in another browser',
      403,
      `This ${what} was started in another browser (or more than ten minutes ago), so it cannot finish here. Start the ${what} again in this browser.`,
    );
  }
}

/** A fresh nonce for the cookie of the browser that starts a round trip. */
export function newBrowserNonce(): string {
  return randomBytes(32).toString('base64url');
}

function browserHash(nonce: string): string {
  return createHash('sha256').update(nonce).digest('base64url');
}

function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The OAuth `state`: an HMAC-signed nonce with an expiry and the hash of the starting browser's
 * cookie nonce, accepted once and only from that browser. Single use holds across processes because
 * the nonce is spent in Redis with SET NX.
 */
export class InstallState {
  constructor(
    private readonly signingKey: Buffer,
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  /**
   * A state for one round trip, bound to the browser that starts it: `browser` is the nonce set in
   * that browser's cookie (see `newBrowserNonce`), and only its hash goes into the state.
   */
  issue(browser: string, options: { now?: number; purpose?: StatePurpose; crm?: CrmKind } = {}): string {
    const { now = Date.now(), purpose = 'install', crm } = options;
    const payload = Buffer.from(
      JSON.stringify({
        nonce: randomBytes(16).toString('base64url'),
        exp: now + STATE_TTL_MS,
        purpose,
        ...(crm ? { crm } : {}),
        browser: browserHash(browser),
      }),
    );
    const body = payload.toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /**
   * Checks signature and expiry, and that `browser` (the nonce from the returning browser's cookie)
   * is the one the state was issued to; then spends the nonce and returns what the state was issued
   * for. Throws InvalidStateError (ForeignBrowserStateError for another browser) otherwise.
   */
  async consume(state: string | undefined, browser: string | undefined, now = Date.now()): Promise<StateUse> {
    if (!state) throw new InvalidStateError('it carries no state');
    const [body, signature] = state.split('.');
    if (!body || !signature || !this.verify(body, signature))
      throw new InvalidStateError('its signature does not match');
    let payload: z.infer<typeof payloadSchema>;
    try {
      payload = payloadSchema.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    } catch {
      throw new InvalidStateError('it cannot be read');
    }
    if (payload.exp <= now) throw new InvalidStateError('it has expired');
    if (!browser || !sameText(browserHash(browser), payload.browser)) {
      throw new ForeignBrowserStateError(payload.purpose);
    }
    const spent = await this.redis.set(
      `${this.keyPrefix}:oauth-state:${payload.nonce}`,
      '1',
      'PX',
      payload.exp - now + 1000,
      'NX',
    );
    if (spent !== 'OK') throw new InvalidStateError('it has already been used');
    return { purpose: payload.purpose, crm: payload.crm };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.signingKey).update(body).digest('base64url');
  }

  private verify(body: string, signature: string): boolean {
    return sameText(this.sign(body), signature);
  }
}
