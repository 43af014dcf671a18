import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { webhookSignatureHeaders } from '../../sandbox/webhooks/signing.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { signInToDashboard } from '../support/dashboard-session.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { applyRedemptionImport } from '../../server/workflows/redemption-import.js';
import { issueOffer as issueOfferIn } from '../support/offers.js';
import { importOutcome } from '../support/redemption-import.js';

/** HubSpot portals: one whose admin routes a foreign page tries to use, one the operator uninstalls. */
const HUB = 911;
const HUB_TO_UNINSTALL = 912;
const EVIL = 'http://evil.example';
const ADMIN = { 'X-Churn-Radar-Admin': '1' };

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalId: number;
let otherPortalId: number;

const db = () => product.ctx.db.db;
/** This file runs no worker: an accepted import is applied in-process. */
const apply = (importId: number) => applyRedemptionImport(db(), importId);

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB, HUB_TO_UNINSTALL] });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  for (const hub of [HUB, HUB_TO_UNINSTALL])
    expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  portalId = (await findPortalByExternalId(db(), 'hubspot', String(HUB)))!.id;
  otherPortalId = (await findPortalByExternalId(db(), 'hubspot', String(HUB_TO_UNINSTALL)))!.id;
});
afterAll(async () => {
  await product.close();
  await sandbox.close();
  await redis.stop();
});

const issueOffer = () => issueOfferIn(db(), portalId, 'Cross-site');

const redeemedAt = async (code: string) =>
  (
    await db()
      .selectFrom('retention_offers')
      .select('redeemed_at')
      .where('code', '=', code)
      .executeTakeFirstOrThrow()
  ).redeemed_at;

const portalStatus = async (id: number) =>
  (await db().selectFrom('portals').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

/** What a form or `fetch` on a page of another site sends: no cookie (SameSite=Lax), its own Origin. */
function postRedemptions(headers: Record<string, string>, code: string) {
  return fetch(`${product.url}/api/v1/portals/${portalId}/offers/redemptions`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', ...headers },
    body: `code,value\n${code},10\n`,
  });
}

function postUninstall(id: number, headers: Record<string, string>) {
  return fetch(`${product.url}/api/v1/portals/${id}/uninstall`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: 'confirm=1',
  });
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe('a request another site starts', () => {
  it('cannot uninstall a portal, with a foreign Origin or Sec-Fetch-Site: cross-site', async () => {
    const attempts: Record<string, string>[] = [
      { Origin: EVIL },
      { Origin: EVIL, ...ADMIN },
      { 'Sec-Fetch-Site': 'cross-site', ...ADMIN },
      { Origin: 'null', ...ADMIN },
    ];
    for (const headers of attempts) {
      const answer = await postUninstall(portalId, headers);
      expect(answer.status).toBe(403);
      expect(await errorCode(answer)).toBe('cross_site_request');
    }
    expect(await portalStatus(portalId)).toBe('active');
    expect(sandbox.store.isInstalled(PRODUCT_APP.appId, HUB)).toBe(true);
  });

  it('cannot import offer redemptions, with a foreign Origin or Sec-Fetch-Site: same-site', async () => {
    const code = await issueOffer();
    const attempts: Record<string, string>[] = [
      { Origin: EVIL },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site', ...ADMIN },
    ];
    for (const headers of attempts) {
      const answer = await postRedemptions(headers, code);
      expect(answer.status).toBe(403);
      expect(await errorCode(answer)).toBe('cross_site_request');
    }
    expect(await redeemedAt(code)).toBeNull();
  });

  it('cannot use a signed-in session either, CSRF token or not', async () => {
    const session = await signInToDashboard(product.url, HUB);
    const answer = await fetch(`${product.url}/api/v1/portals/${portalId}/uninstall`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, Origin: EVIL },
    });
    expect(answer.status).toBe(403);
    expect(await errorCode(answer)).toBe('cross_site_request');
    const withoutToken = await fetch(`${product.url}/api/v1/portals/${portalId}/uninstall`, {
      method: 'POST',
      headers: { cookie: session.cookie, Origin: product.url },
    });
    expect(withoutToken.status).toBe(403);
    expect(await errorCode(withoutToken)).toBe('csrf_failed');
    expect(await portalStatus(portalId)).toBe('active');
  });
});

describe('the operator on this machine', () => {
  it('must name the call with the admin header when it has no session', async () => {
    const code = await issueOffer();
    const bare = await postRedemptions({}, code);
    expect(bare.status).toBe(403);
    expect(await errorCode(bare)).toBe('admin_only');
    const read = await fetch(`${product.url}/api/v1/portals/${portalId}/retention/effect`);
    expect(read.status).toBe(403);
    expect(await redeemedAt(code)).toBeNull();
  });

  it('is served with the header, from its own origin or from no page at all', async () => {
    for (const headers of [
      ADMIN,
      { ...ADMIN, Origin: product.url, 'Sec-Fetch-Site': 'same-origin' },
      { ...ADMIN, 'Sec-Fetch-Site': 'none' },
    ]) {
      const code = await issueOffer();
      const answer = await postRedemptions(headers, code);
      expect((await importOutcome(product.url, answer, ADMIN, { apply })).counts.redeemed).toBe(1);
      expect(await redeemedAt(code)).not.toBeNull();
    }
    const read = await fetch(`${product.url}/api/v1/portals/${portalId}/retention/effect`, {
      headers: ADMIN,
    });
    expect(read.status).toBe(200);

    const uninstalled = await postUninstall(otherPortalId, { ...ADMIN, Origin: product.url });
    expect(uninstalled.status).toBe(200);
    expect(await portalStatus(otherPortalId)).toBe('uninstalled');
  });

  it('keeps the dashboard working from its own origin', async () => {
    const session = await signInToDashboard(product.url, HUB);
    const answer = await fetch(`${product.url}/api/v1/session/logout`, {
      method: 'POST',
      headers: {
        cookie: session.cookie,
        'x-csrf-token': session.csrfToken,
        Origin: product.url,
        'Sec-Fetch-Site': 'same-origin',
      },
    });
    expect(answer.status).toBe(204);
  });
});

describe('requests other servers sign or authenticate', () => {
  it('are served whatever Origin or Sec-Fetch-Site they carry', async () => {
    const foreign = { Origin: 'https://app.hubspot.com', 'Sec-Fetch-Site': 'cross-site' };

    const created = await fetch(`${product.url}/api/v1/portals/${portalId}/usage-api-key`, {
      method: 'POST',
      headers: ADMIN,
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const usage = await fetch(`${product.url}/api/v1/usage-events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}`, ...foreign },
      body: JSON.stringify({
        events: [
          { eventId: 'x-1', contact: { id: '1' }, occurredAt: new Date().toISOString(), name: 'login' },
        ],
      }),
    });
    expect(usage.status).toBe(202);

    const webhookUrl = `${product.url}/webhooks/hubspot`;
    const webhook = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...webhookSignatureHeaders(PRODUCT_APP.clientSecret, webhookUrl, '[]', Date.now()),
        ...foreign,
      },
      body: '[]',
    });
    expect(webhook.status).toBe(200);

    // A risk card's signed request reaches its own checks (here: an unsigned one is refused as such).
    const card = await fetch(
      `${product.url}/api/v1/cards/feedback?portalId=${HUB}&appId=${PRODUCT_APP.appId}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...foreign },
        body: '{}',
      },
    );
    expect(card.status).toBe(401);
  });
});
