import { createHash, randomBytes } from 'node:crypto';

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

/** A survey link's token (192 random bits) and the hash that is stored instead of it. */
export function newSurveyToken(): { token: string; hash: string } {
  const token = randomBytes(24).toString('base64url');
  return { token, hash: surveyTokenHash(token) };
}

export function surveyTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
