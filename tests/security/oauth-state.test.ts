import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { signInToDashboard } from '../support/dashboard-session.js';
import {
  flowCookie,
  PRODUCT_APP,
  startTestProduct,
  walkInstall,
  type TestProduct,
} from '../support/product-server.js';

/** The attacker's portal (installed), the victim's, and one nobody has installed yet. */
const HUB_ATTACKER = 921;
const HUB_VICTIM = 922;
const HUB_NOT_INSTALLED = 923;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;

const db = () => product.ctx.db.db;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB_ATTACKER, HUB_VICTIM, HUB_NOT_INSTALLED] });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  for (const hub of [HUB_ATTACKER, HUB_VICTIM]) {
    expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  }
});
afterAll(async () => {
  await product.close();
  await sandbox.close();
  await redis.stop();
});

/**
 * The first half of a round trip, as the browser that starts it sees it: the product's start link
 * (which sets the round-trip cookie) and the CRM's consent page, approved for `hub`. Returns the
 * callback URL the CRM sends the browser to, and that browser's cookie.
 */
async function startRoundTrip(
  startPath: string,
  hub: number,
): Promise<{ callbackUrl: string; cookie: string }> {
  const start = await fetch(`${product.url}${startPath}`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const cookie = flowCookie(start);
  const authorize = new URL(start.headers.get('location')!);
  const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      ...Object.fromEntries(authorize.searchParams),
      portalId: String(hub),
      decision: 'approve',
    }),
  });
  expect(consent.status).toBe(302);
  return { callbackUrl: consent.headers.get('location')!, cookie };
}

const openCallback = (url: string, cookie?: string) =>
  fetch(url, { redirect: 'manual', ...(cookie === undefined ? {} : { headers: { cookie } }) });

const sessionCookies = (response: Response) =>
  response.headers.getSetCookie().filter((c) => c.startsWith('churn_session='));

const countRows = async (table: 'sessions' | 'portals') =>
  Number(
    (
      await db()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('the round-trip cookie', () => {
  it('is short-lived, HttpOnly, SameSite=Lax and sent only to the callback', async () => {
    for (const path of ['/app/login', '/oauth/install']) {
      const start = await fetch(`${product.url}${path}`, { redirect: 'manual' });
      const [cookie] = start.headers.getSetCookie();
      expect(cookie).toMatch(/^churn_oauth_flow=[\w-]{40,};/);
      expect(cookie).toMatch(/Max-Age=600/i);
      expect(cookie).toMatch(/Path=\/oauth\/callback/i);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      // The state names only a hash of the cookie's nonce.
      const nonce = cookie!.split(';')[0]!.split('=')[1]!;
      expect(new URL(start.headers.get('location')!).searchParams.get('state')).not.toContain(nonce);
    }
  });
});

describe('a sign-in callback opened by a browser that did not start it', () => {
  it('is refused with a page saying so, and signs nobody in', async () => {
    const attackersLink = await startRoundTrip(`/app/login?portal=${HUB_ATTACKER}`, HUB_ATTACKER);
    const sessionsBefore = await countRows('sessions');

    // A cookie-less client (the victim following the attacker's link) …
    const cookieless = await openCallback(attackersLink.callbackUrl);
    expect(cookieless.status).toBe(403);
    expect(sessionCookies(cookieless)).toEqual([]);
    const page = await cookieless.text();
    expect(page).toContain('started in another browser');
    expect(page).toContain('/app/login');

    // … and a browser in the middle of its own sign-in.
    const victim = await startRoundTrip(`/app/login?portal=${HUB_VICTIM}`, HUB_VICTIM);
    const crossed = await openCallback(attackersLink.callbackUrl, victim.cookie);
    expect(crossed.status).toBe(403);
    expect(sessionCookies(crossed)).toEqual([]);
    expect(await countRows('sessions')).toBe(sessionsBefore);

    // The victim's own round trip still finishes, as the victim's portal's user.
    const own = await openCallback(victim.callbackUrl, victim.cookie);
    expect(own.status).toBe(302);
    const [session] = sessionCookies(own);
    const about = await fetch(`${product.url}/api/v1/session`, {
      headers: { cookie: session!.split(';')[0]! },
    });
    const victimPortal = await findPortalByExternalId(db(), 'hubspot', String(HUB_VICTIM));
    expect(await about.json()).toMatchObject({ signedIn: true, portal: { id: victimPortal!.id } });
  });
});

describe('an install callback opened by a browser that did not start it', () => {
  it('is refused and installs nothing', async () => {
    const link = await startRoundTrip('/oauth/install', HUB_NOT_INSTALLED);
    const portalsBefore = await countRows('portals');
    const answer = await openCallback(link.callbackUrl);
    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain('started in another browser');
    expect(await countRows('portals')).toBe(portalsBefore);
    expect(await findPortalByExternalId(db(), 'hubspot', String(HUB_NOT_INSTALLED))).toBeUndefined();
  });
});

describe('states that are not genuine or not fresh', () => {
  it('refuses a bogus state, even with the cookie', async () => {
    const link = await startRoundTrip(`/app/login?portal=${HUB_ATTACKER}`, HUB_ATTACKER);
    const url = new URL(link.callbackUrl);
    url.searchParams.set('state', `${url.searchParams.get('state')!.split('.')[0]}.forged`);
    const sessionsBefore = await countRows('sessions');
    const answer = await openCallback(url.toString(), link.cookie);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('signature does not match');
    expect(sessionCookies(answer)).toEqual([]);
    expect(await countRows('sessions')).toBe(sessionsBefore);
  });

  it('refuses a state used once already, even from the browser that started it', async () => {
    const link = await startRoundTrip(`/app/login?portal=${HUB_ATTACKER}`, HUB_ATTACKER);
    const first = await openCallback(link.callbackUrl, link.cookie);
    expect(first.status).toBe(302);
    // The callback clears the round-trip cookie once it has read it.
    expect(first.headers.getSetCookie().find((c) => c.startsWith('churn_oauth_flow='))).toMatch(
      /^churn_oauth_flow=;.*Expires=Thu, 01 Jan 1970/i,
    );
    const sessionsBefore = await countRows('sessions');
    const replay = await openCallback(link.callbackUrl, link.cookie);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already been used');
    expect(sessionCookies(replay)).toEqual([]);
    expect(await countRows('sessions')).toBe(sessionsBefore);
  });
});

describe('the normal round trips', () => {
  it('sign a browser in, and install, when it carries its own cookie back', async () => {
    const session = await signInToDashboard(product.url, HUB_ATTACKER);
    const attackerPortal = await findPortalByExternalId(db(), 'hubspot', String(HUB_ATTACKER));
    expect(session.portalId).toBe(attackerPortal!.id);
    expect(session.setCookie).toMatch(/HttpOnly/i);
    const reinstall = await walkInstall(product.url, { portalId: HUB_VICTIM });
    expect(reinstall.status).toBe(200);
    expect(reinstall.html).toContain('Churn Radar is installed');
  });
});
