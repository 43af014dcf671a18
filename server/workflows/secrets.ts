import { createHash, createHmac, randomBytes } from 'node:crypto';

/** Crockford's base 32: no I, L, O or U, so a code read aloud or retyped survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * An offer code such as `CR-7K2M-Q9XD-4HBT-W1NE`: 80 random bits, so codes can be neither guessed
 * nor enumerated; the database's unique index makes a clash (never expected) fail loudly.
 */
export function newOfferCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let code = '';
  for (let i = 0; i < 16; i++) {
    code = ALPHABET[Number(bits & 31n)]! + code;
    bits >>= 5n;
  }
  return `CR-${code.match(/.{4}/g)!.join('-')}`;
}

/** A code as a customer might type it: case, spaces and Crockford's look-alikes forgiven. */
export function normaliseOfferCode(input: string): string {
  const compact = input
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '')
    .replace(/^CR/, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  return compact.length === 16 ? `CR-${compact.match(/.{4}/g)!.join('-')}` : input.trim().toUpperCase();
}

/**
 * A survey link's token (192 bits) and the hash that is stored instead of it. The token is derived
 * with the server's survey key from the retention action it belongs to, so the link can be given
 * again (a replayed workflow call answers what the first answered) without being kept anywhere;
 * without the key it can be neither guessed nor worked out from what the database holds.
 */
export function surveyTokenFor(
  key: Buffer,
  portalId: number,
  retentionActionId: number,
): { token: string; hash: string } {
  const token = createHmac('sha256', key)
    .update(`survey-link:${portalId}:${retentionActionId}`)
    .digest()
    .subarray(0, 24)
    .toString('base64url');
  return { token, hash: surveyTokenHash(token) };
}

export function surveyTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
