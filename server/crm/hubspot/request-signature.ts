import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../../errors.js';

/** HubSpot's window: a request signed longer ago than this may be a replay. */
export const SIGNATURE_MAX_AGE_MS = 5 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** The full address the CRM sent the request to: scheme, host, path and query, as sent. */
  uri: string;
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
}

/** A request whose signature is missing, wrong or too old; the HTTP layer answers 401. */
export class InvalidSignatureError extends UnauthorizedError {
  constructor(message: string) {
    super(message, 'invalid_signature');
  }
}

/** base64(HMAC-SHA256(clientSecret, METHOD + URI + body + timestamp)), HubSpot's v3 signature. */
export function signatureV3(
  clientSecret: string,
  method: string,
  uri: string,
  rawBody: Buffer,
  timestamp: string,
): string {
  return createHmac('sha256', clientSecret)
    .update(method + uri)
    .update(rawBody)
    .update(timestamp)
    .digest('base64');
}

/**
 * Throws unless the request carries a v3 signature made with our client secret less than five
 * minutes ago (either way, so a skewed clock cannot stretch the window).
 */
export function verifySignatureV3(request: SignedRequest, clientSecret: string, now = Date.now()): void {
  const { signature, timestamp } = request;
  if (!signature || !timestamp) {
    throw new InvalidSignatureError(
      'The request carries no X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp headers.',
    );
  }
  const sentAt = /^\d{1,16}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isFinite(sentAt) || Math.abs(now - sentAt) > SIGNATURE_MAX_AGE_MS) {
    throw new InvalidSignatureError('The request timestamp is not within the last five minutes.');
  }
  const expected = signatureV3(
    clientSecret,
    request.method.toUpperCase(),
    request.uri,
    request.rawBody,
    timestamp,
  );
  if (!constantTimeEqual(signature, expected)) {
    throw new InvalidSignatureError('The request signature does not match this app.');
  }
}

/** hex(SHA-256(clientSecret + METHOD + URI + body)), HubSpot's v2 signature (workflow actions). */
export function signatureV2(clientSecret: string, method: string, uri: string, rawBody: Buffer): string {
  return createHash('sha256')
    .update(clientSecret + method + uri)
    .update(rawBody)
    .digest('hex');
}

/** Throws unless the request carries a v2 signature made with our client secret. */
export function verifySignatureV2(request: Omit<SignedRequest, 'timestamp'>, clientSecret: string): void {
  if (!request.signature) {
    throw new InvalidSignatureError('The request carries no X-HubSpot-Signature header.');
  }
  const expected = signatureV2(clientSecret, request.method.toUpperCase(), request.uri, request.rawBody);
  if (!constantTimeEqual(request.signature.toLowerCase(), expected)) {
    throw new InvalidSignatureError('The request signature does not match this app.');
  }
}

export interface SignatureHeaders {
  /** `X-HubSpot-Signature-v3` */
  v3: string | undefined;
  /** `X-HubSpot-Request-Timestamp` */
  timestamp: string | undefined;
  /** `X-HubSpot-Signature` */
  legacy: string | undefined;
  /** `X-HubSpot-Signature-Version` */
  legacyVersion: string | undefined;
}

/**
 * Workflow-action calls are signed v2 (HubSpot's documented scheme for custom actions) and may also
 * carry v3: a v3 signature is checked when present (it also bounds the request's age), else v2.
 */
export function verifyActionSignature(
  request: Omit<SignedRequest, 'signature' | 'timestamp'>,
  headers: SignatureHeaders,
  clientSecret: string,
  now = Date.now(),
): void {
  if (headers.v3) {
    verifySignatureV3({ ...request, signature: headers.v3, timestamp: headers.timestamp }, clientSecret, now);
    return;
  }
  if (headers.legacy && (headers.legacyVersion ?? 'v2').toLowerCase() === 'v2') {
    verifySignatureV2({ ...request, signature: headers.legacy }, clientSecret);
    return;
  }
  throw new InvalidSignatureError(
    headers.legacy
      ? `Signature version ${headers.legacyVersion ?? ''} is not accepted here; HubSpot signs actions with v2 or v3.`
      : 'The request carries no HubSpot signature (X-HubSpot-Signature or X-HubSpot-Signature-v3).',
  );
}

function constantTimeEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // The length of a base64 HMAC is public; only the content must not leak through timing.
  return a.length === b.length && timingSafeEqual(a, b);
}
