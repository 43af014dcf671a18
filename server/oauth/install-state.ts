import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { CrmKind } from '../db/schema.js';
import { AppError } from '../errors.js';

const STATE_TTL_MS = 10 * 60 * 1000;

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
});

export class InvalidStateError extends AppError {
  constructor(reason: string) {
    super(400, 'invalid_state', `This install link is not valid: ${reason}. Start the install again.`);
  }
}

/**
 * The OAuth `state`: an HMAC-signed nonce with an expiry, accepted once. Single use holds across
 * processes because the nonce is spent in Redis with SET NX.
 */
export class InstallState {
  constructor(
    private readonly signingKey: Buffer,
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  issue(now = Date.now(), purpose: StatePurpose = 'install', crm?: CrmKind): string {
    const payload = Buffer.from(
      JSON.stringify({
        nonce: randomBytes(16).toString('base64url'),
        exp: now + STATE_TTL_MS,
        purpose,
        ...(crm ? { crm } : {}),
      }),
    );
    const body = payload.toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /**
   * Checks signature and expiry, then spends the nonce and returns what the state was issued for;
   * throws InvalidStateError otherwise.
   */
  async consume(state: string | undefined, now = Date.now()): Promise<StateUse> {
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
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
