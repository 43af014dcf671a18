/**
 * HubSpot's request signatures, as the CRM computes them when it calls an app.
 *
 * v1 (webhooks):          hex(sha256(clientSecret + body))
 * v2 (workflow actions):  hex(sha256(clientSecret + METHOD + URI + body))
 * v3 (everything newer):  base64(hmacSha256(clientSecret, METHOD + URI + body + timestampMs))
 *
 * The URI is the full URL the request goes to (scheme, host, path and query), exactly as sent.
 */
import { createHash, createHmac } from 'node:crypto';

export function signatureV1(clientSecret: string, body: string): string {
  return createHash('sha256')
    .update(clientSecret + body)
    .digest('hex');
}

export function signatureV2(clientSecret: string, method: string, uri: string, body: string): string {
  return createHash('sha256')
    .update(clientSecret + method + uri + body)
    .digest('hex');
}

export function signatureV3(
  clientSecret: string,
  method: string,
  uri: string,
  body: string,
  timestampMs: number,
): string {
  return createHmac('sha256', clientSecret)
    .update(method + uri + body + String(timestampMs))
    .digest('base64');
}

/** The headers on a webhook batch: v1 in `X-HubSpot-Signature`, plus v3. */
export function webhookSignatureHeaders(
  clientSecret: string,
  uri: string,
  body: string,
  timestampMs: number,
): Record<string, string> {
  return {
    'X-HubSpot-Signature': signatureV1(clientSecret, body),
    'X-HubSpot-Signature-Version': 'v1',
    'X-HubSpot-Signature-v3': signatureV3(clientSecret, 'POST', uri, body, timestampMs),
    'X-HubSpot-Request-Timestamp': String(timestampMs),
  };
}

/** The headers on a workflow-action call: v2 in `X-HubSpot-Signature`, plus v3. */
export function actionSignatureHeaders(
  clientSecret: string,
  uri: string,
  body: string,
  timestampMs: number,
): Record<string, string> {
  return {
    'X-HubSpot-Signature': signatureV2(clientSecret, 'POST', uri, body),
    'X-HubSpot-Signature-Version': 'v2',
    'X-HubSpot-Signature-v3': signatureV3(clientSecret, 'POST', uri, body, timestampMs),
    'X-HubSpot-Request-Timestamp': String(timestampMs),
  };
}
