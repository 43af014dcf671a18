import { describe, expect, it } from '@jest/globals';
import { Signature } from '@hubspot/api-client';
import { actionSignatureHeaders, webhookSignatureHeaders } from '../../sandbox/webhooks/signing.js';
import {
  InvalidSignatureError,
  signatureV2,
  verifyActionSignature,
  type SignatureHeaders,
} from '../../server/crm/hubspot/request-signature.js';

const SECRET = 'app-client-secret';
const URI = 'https://churn.example.com/workflow-actions/send-retention-offer';
const BODY = JSON.stringify({
  callbackId: 'ap-1-2-3-0',
  origin: { portalId: 9 },
  inputFields: { campaign: 'q4' },
});
const NOW = 1_790_000_000_000;

function headersOf(raw: Record<string, string>): SignatureHeaders {
  return {
    v3: raw['X-HubSpot-Signature-v3'],
    timestamp: raw['X-HubSpot-Request-Timestamp'],
    legacy: raw['X-HubSpot-Signature'],
    legacyVersion: raw['X-HubSpot-Signature-Version'],
  };
}

function verify(headers: SignatureHeaders, body = BODY, now = NOW) {
  return () =>
    verifyActionSignature({ method: 'POST', uri: URI, rawBody: Buffer.from(body) }, headers, SECRET, now);
}

describe('workflow action signatures', () => {
  const signed = actionSignatureHeaders(SECRET, URI, BODY, NOW);

  it('computes v2 as HubSpot does (checked against HubSpot’s own SDK)', () => {
    const ours = signatureV2(SECRET, 'POST', URI, Buffer.from(BODY));
    expect(
      Signature.isValid({
        signature: ours,
        clientSecret: SECRET,
        requestBody: BODY,
        signatureVersion: 'v2',
        method: 'POST',
        url: URI,
      }),
    ).toBe(true);
  });

  it('accepts a request signed with v2 only', () => {
    const { v3: _v3, timestamp: _t, ...v2 } = headersOf(signed);
    expect(verify({ ...v2, v3: undefined, timestamp: undefined })).not.toThrow();
  });

  it('accepts a request signed with v3 only, within five minutes', () => {
    const v3 = { ...headersOf(signed), legacy: undefined, legacyVersion: undefined };
    expect(verify(v3)).not.toThrow();
    expect(verify(v3, BODY, NOW + 4 * 60_000)).not.toThrow();
  });

  it('refuses a v3 signature older than five minutes, even with a valid v2 beside it', () => {
    expect(verify(headersOf(signed), BODY, NOW + 6 * 60_000)).toThrow(InvalidSignatureError);
  });

  it('refuses a changed body, a wrong secret and a missing signature', () => {
    const v2Only = { ...headersOf(signed), v3: undefined, timestamp: undefined };
    expect(verify(v2Only, BODY.replace('q4', 'q5'))).toThrow(/does not match/);
    expect(verify(headersOf(signed), BODY.replace('q4', 'q5'))).toThrow(/does not match/);
    const other = headersOf(actionSignatureHeaders('another-secret', URI, BODY, NOW));
    expect(verify({ ...other, v3: undefined, timestamp: undefined })).toThrow(InvalidSignatureError);
    expect(
      verify({ v3: undefined, timestamp: undefined, legacy: undefined, legacyVersion: undefined }),
    ).toThrow(/no HubSpot signature/);
  });

  it('refuses the v1 scheme, which does not cover the URL', () => {
    const v1 = headersOf(webhookSignatureHeaders(SECRET, URI, BODY, NOW));
    expect(verify({ ...v1, v3: undefined, timestamp: undefined })).toThrow(/v1 is not accepted/);
  });
});
