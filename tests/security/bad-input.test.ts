import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dashboardCall } from '../support/dashboard-session.js';
import { startSignedInProduct, type SignedInProduct } from '../support/signed-in-product.js';

const HUB = 931;
/** A cookie value whose percent-escape is cut short: `decodeURIComponent` cannot read it. */
const UNDECODABLE = 'churn_session=%E0%A4%A';

let running: SignedInProduct;
const url = () => running.product.url;
const portalPath = (rest: string) => `/api/v1/portals/${running.portalId}${rest}`;

beforeAll(async () => {
  running = await startSignedInProduct(HUB);
}, 300_000);
afterAll(async () => {
  await running?.close();
});

describe('a session cookie that does not decode', () => {
  it('is answered as signed out (401), never with a server error', async () => {
    const atRisk = await fetch(`${url()}${portalPath('/at-risk')}`, { headers: { cookie: UNDECODABLE } });
    expect(atRisk.status).toBe(401);
    expect(((await atRisk.json()) as { error: { code: string } }).error.code).toBe('sign_in_required');

    const session = await fetch(`${url()}/api/v1/session`, { headers: { cookie: UNDECODABLE } });
    expect(session.status).toBe(200);
    expect(await session.json()).toEqual({ signedIn: false });
  });

  it('next to other cookies, is ignored as if it had not been sent', async () => {
    const mixed = await fetch(`${url()}${portalPath('/at-risk')}`, {
      headers: { cookie: `theme=dark; ${UNDECODABLE}; lang=en` },
    });
    expect(mixed.status).toBe(401);
  });
});

describe('the retention report’s asOf date', () => {
  const effect = (asOf: string) =>
    dashboardCall<{ asOf?: string; error?: { code: string; message: string } }>(
      url(),
      running.session,
      portalPath(`/retention/effect?asOf=${encodeURIComponent(asOf)}`),
    );

  it.each(['99999', '-1', '1e9', '2026-13-45', '2026-02-31', 'yesterday', '1899-12-31', '+099999-01-01'])(
    'refuses %p with a 400 naming asOf',
    async (asOf) => {
      const answer = await effect(asOf);
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_request');
      expect(answer.body.error?.message).toMatch(/^asOf must be an ISO date/);
    },
  );

  it('refuses a repeated asOf with a 400', async () => {
    const answer = await dashboardCall(
      url(),
      running.session,
      portalPath('/retention/effect?asOf=2026-01-01&asOf=2026-02-01'),
    );
    expect(answer.status).toBe(400);
  });

  it('answers an ISO date or timestamp, and no asOf at all', async () => {
    expect((await effect('2026-12-31')).body.asOf).toBe('2026-12-31T00:00:00.000Z');
    expect((await effect('2026-06-30T12:00:00+02:00')).body.asOf).toBe('2026-06-30T10:00:00.000Z');
    const now = await dashboardCall<{ asOf: string }>(
      url(),
      running.session,
      portalPath('/retention/effect'),
    );
    expect(now.status).toBe(200);
    expect(Math.abs(Date.parse(now.body.asOf) - Date.now())).toBeLessThan(60_000);
  });
});
