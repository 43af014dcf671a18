import { createHash, createHmac, randomBytes } from 'node:crypto';
import { TokenCipher } from '../oauth/token-cipher.js';

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

/** What the survey links' key is derived for from TOKEN_ENCRYPTION_KEY. */
export const SURVEY_KEY_PURPOSE = 'survey-links';

/**
 * A link made before tokens were derived holds a random token, which cannot be worked out again:
 * it is kept encrypted as OAuth tokens are (AES-256-GCM, a fresh IV, bound to its portal and
 * action), under a key of its own derived from the survey key, so that the replay of its action
 * can give the same link and the database alone cannot.
 */
function keptTokenCipher(surveyKey: Buffer): TokenCipher {
  return new TokenCipher(new TokenCipher(surveyKey).derive('kept-survey-tokens'));
}

const keptTokenContext = (portalId: number, retentionActionId: number) =>
  `survey-link:${portalId}:${retentionActionId}`;

export function sealSurveyToken(
  surveyKey: Buffer,
  portalId: number,
  retentionActionId: number,
  token: string,
): string {
  return keptTokenCipher(surveyKey).encrypt(token, keptTokenContext(portalId, retentionActionId));
}

export function openSurveyToken(
  surveyKey: Buffer,
  portalId: number,
  retentionActionId: number,
  sealed: string,
): string {
  return keptTokenCipher(surveyKey).decrypt(sealed, keptTokenContext(portalId, retentionActionId));
}
