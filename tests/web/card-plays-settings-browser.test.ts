/**
 * Who may start plays from the risk card, chosen on the Settings page in a real browser: the
 * portal's roles as HubSpot lists them, a restriction asked about before it is saved, the choice
 * kept across a reload, and the card's own answer (`viewer.canRunPlays`) for a user with and
 * without the chosen role following it. A refusal, a CRM that cannot list the roles and an install
 * that may not read them are each said in words; a Salesforce org's page says what decides there.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureWebBuilt } from '../../cli/web-build.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { DEFAULT_ROLES, type PortalData } from '../../sandbox/store.js';
import { SESSION_COOKIE } from '../../server/api/sign-in/session-guard.js';
import { createSession } from '../../server/api/sign-in/sessions.js';
import { signatureV3 } from '../../server/crm/hubspot/request-signature.js';
import { json } from '../../server/db/json.js';
import { findPortalByExternalId, upsertInstalledPortal } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

const HUB = 941;
/** A customer success manager of the portal, and a colleague with the view-only role. */
const ADVISOR = 4941;
const VIEWER = 4942;
const CONTACT = '1001';
const USERS_SCOPE = 'settings.users.read';
const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const EFFECT_AFTER =
  'every play is checked against the rule as it is started, and a card already open shows its buttons by the rule once reloaded. A role given or taken away in the CRM counts within a minute.';

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let hub: PortalData;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let portalId: number;
const consoleErrors: string[] = [];
/** Every PUT of the settings the page sent, as sent. */
const settingsPuts: string[] = [];

beforeAll(async () => {
  await ensureWebBuilt();
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB], rateLimits: { tenSecondlyMax: 100_000 } });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  hub = sandbox.store.portals.get(HUB)!;
  const at = sandbox.store.now();
  const person = (first: string) => ({
    email: `${first.toLowerCase()}@hub${HUB}.example`,
    firstName: first,
    lastName: 'Example',
    teams: [],
  });
  hub.addOwner({ ...person('Advisor'), roleIds: [DEFAULT_ROLES.success.id] }, at, ADVISOR);
  hub.addOwner({ ...person('Viewer'), roleIds: [DEFAULT_ROLES.viewer.id] }, at, VIEWER);
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  // No worker runs here: the portal's first jobs are dropped.
  await product.ctx.queues.get('system').drain();
  const db = product.ctx.db.db;
  portalId = (await findPortalByExternalId(db, 'hubspot', String(HUB)))!.id;
  await db
    .insertInto('contacts')
    .values({
      portal_id: portalId,
      id: CONTACT,
      email: 'ada@example.com',
      first_name: 'Ada',
      properties: json({ firstname: 'Ada' }),
    })
    .execute();

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  context = await browser.newContext({ viewport: WIDE });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && message.location().url.startsWith(product.url))
      consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => {
    if (request.method() === 'PUT' && request.url().endsWith(`/portals/${portalId}/settings`))
      settingsPuts.push(request.postData() ?? '');
  });

  await page.goto(`${product.url}/app/`);
  await page.getByRole('link', { name: 'Sign in with HubSpot' }).click();
  await page.locator('select[name=portalId]').selectOption(String(HUB));
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

interface Viewer {
  userId: string;
  canRunPlays: boolean;
  canGiveFeedback: boolean;
}

/** A request as HubSpot sends a card's `hubspot.fetch`: identity in the URL, v3-signed. */
function cardFetch(method: 'GET' | 'POST', pathAndQuery: string, body?: unknown) {
  const uri = `${product.url}${pathAndQuery}`;
  const raw = body === undefined ? '' : JSON.stringify(body);
  const timestamp = String(Date.now());
  return fetch(uri, {
    method,
    headers: {
      'Content-Type': 'application/json',
      'X-HubSpot-Signature-v3': signatureV3(
        PRODUCT_APP.clientSecret,
        method,
        uri,
        Buffer.from(raw),
        timestamp,
      ),
      'X-HubSpot-Request-Timestamp': timestamp,
    },
    ...(method === 'POST' ? { body: raw } : {}),
  });
}
const identity = (user: number) => `userId=${user}&appId=${PRODUCT_APP.appId}&portalId=${HUB}`;

/** What the card is told this user may do, as the card's own request asks it. */
async function viewerOf(user: number): Promise<Viewer> {
  const response = await cardFetch(
    'GET',
    `/api/v1/cards/contact-risk?contactId=${CONTACT}&userEmail=someone%40example.com&${identity(user)}`,
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { viewer: Viewer }).viewer;
}

/** The dashboard's API, called from the signed-in page (its cookie and CSRF token). */
function callFromPage<T>(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ path, method, body }) => {
      const session = await (await fetch('/api/v1/session')).json();
      const response = await fetch(path, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    { path, method, body },
  );
}
const settingsPath = () => `/api/v1/portals/${portalId}/settings`;
const stored = async () =>
  (await callFromPage<{ cardPlays: unknown; defaultHoldoutPercent: number }>(settingsPath())).body;

const plays = () => page.getByRole('region', { name: 'Plays from the risk card' });
const anyUser = () => plays().getByLabel('Any user of the portal', { exact: true });
const adminsAndRoles = () => plays().getByLabel('Super admins and these roles', { exact: true });
const role = (name: string) => plays().getByLabel(name, { exact: true });
const effect = () => page.getByTestId('card-plays-effect').textContent();
const save = () => plays().getByRole('button', { name: 'Save who may start plays' }).click();
const openSettings = async () => {
  await page.goto(`${product.url}/app/settings`);
  await anyUser().waitFor();
};

/** The tokens the product holds for the portal, as HubSpot would see their scopes. */
const portalTokens = () => [...sandbox.store.oauthTokens.values()].filter((t) => t.portalId === HUB);

describe('who may start plays from the card, on the Settings page', () => {
  it('lets any user of the portal start plays until the admin restricts them', async () => {
    await openSettings();
    await expect(anyUser().isChecked()).resolves.toBe(true);
    await expect(adminsAndRoles().isChecked()).resolves.toBe(false);
    await expect(plays().getByRole('group', { name: 'Roles that may start plays' }).count()).resolves.toBe(0);
    await expect(effect()).resolves.toBe(`Changes take effect at once: ${EFFECT_AFTER}`);
    expect(await viewerOf(ADVISOR)).toEqual({
      userId: String(ADVISOR),
      canRunPlays: true,
      canGiveFeedback: true,
    });
    expect(await viewerOf(VIEWER)).toEqual({
      userId: String(VIEWER),
      canRunPlays: true,
      canGiveFeedback: true,
    });
  });

  it('restricts the plays to a role HubSpot lists, after asking, and the card follows it', async () => {
    await openSettings();
    await adminsAndRoles().check();
    const roles = plays().getByRole('group', { name: 'Roles that may start plays' });
    await role('Customer Success Manager').waitFor();
    // The portal's roles as HubSpot names them, by name.
    const offered = await roles
      .locator('input[type=checkbox]')
      .evaluateAll((inputs) => inputs.map((i) => i.parentElement?.textContent?.trim()));
    expect(offered).toEqual(
      Object.values(DEFAULT_ROLES)
        .map((r) => r.name)
        .sort((a, b) => a.localeCompare(b)),
    );
    await roles.getByText('None chosen: only super admins will start plays.').waitFor();
    await role('Customer Success Manager').check();
    await expect(effect()).resolves.toBe(`This change takes effect at once: ${EFFECT_AFTER}`);
    await plays().screenshot({ path: '/tmp/card-plays-settings.png' });
    await page.screenshot({ path: '/tmp/card-plays-settings-page.png', fullPage: true });

    const putsBefore = settingsPuts.length;
    await save();
    const dialog = plays().getByRole('alertdialog');
    await expect(dialog.locator('p').textContent()).resolves.toBe(
      'Only super admins and users with the role “Customer Success Manager” will be able to start plays from the card; everyone else can still say a score looks wrong. Restrict the plays?',
    );
    await page.waitForFunction(() => document.activeElement?.textContent === 'Restrict the plays');
    await plays().screenshot({ path: '/tmp/card-plays-confirm.png' });
    expect(settingsPuts.length).toBe(putsBefore);
    await dialog.getByRole('button', { name: 'Restrict the plays' }).click();
    await plays().getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expect(effect()).resolves.toBe(`Saved. The new rule takes effect at once: ${EFFECT_AFTER}`);
    // Only the rule is sent: the scoring settings, edited apart, are left as they are.
    expect(settingsPuts.slice(putsBefore).map((body) => JSON.parse(body) as unknown)).toEqual([
      { cardPlays: { who: 'admins_and_roles', roleIds: [DEFAULT_ROLES.success.id] } },
    ]);
    expect(await stored()).toMatchObject({
      cardPlays: { who: 'admins_and_roles', roleIds: [DEFAULT_ROLES.success.id] },
      defaultHoldoutPercent: 10,
    });

    await page.reload();
    await adminsAndRoles().waitFor();
    await expect(adminsAndRoles().isChecked()).resolves.toBe(true);
    await role('Customer Success Manager').waitFor();
    await expect(role('Customer Success Manager').isChecked()).resolves.toBe(true);
    await expect(role('View only').isChecked()).resolves.toBe(false);
    await expect(role('Sales Rep').isChecked()).resolves.toBe(false);

    // The card: plays for the role's holder and the super admin, the flag for everyone.
    expect(await viewerOf(ADVISOR)).toEqual({
      userId: String(ADVISOR),
      canRunPlays: true,
      canGiveFeedback: true,
    });
    expect(await viewerOf(VIEWER)).toEqual({
      userId: String(VIEWER),
      canRunPlays: false,
      canGiveFeedback: true,
    });
    expect((await viewerOf(hub.adminOwner.userId)).canRunPlays).toBe(true);
    const refused = await cardFetch('POST', `/api/v1/cards/plays?${identity(VIEWER)}`, {
      contactId: CONTACT,
      play: 'offer',
      requestKey: 'viewer-click-0001',
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('plays_not_allowed');
  }, 300_000);

  it('gives the plays back to every user without asking', async () => {
    await openSettings();
    await anyUser().check();
    await save();
    await plays().getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expect(plays().getByRole('alertdialog').count()).resolves.toBe(0);
    await page.reload();
    await anyUser().waitFor();
    await expect(anyUser().isChecked()).resolves.toBe(true);
    expect((await stored()).cardPlays).toEqual({ who: 'any_user' });
    expect((await viewerOf(VIEWER)).canRunPlays).toBe(true);
  });

  it("shows the server's refusal next to the roles, in words", async () => {
    await openSettings();
    await page.route(`**${settingsPath()}`, (route) =>
      route.request().method() === 'PUT'
        ? route.fulfill({
            status: 400,
            contentType: 'application/json',
            body: JSON.stringify({
              error: {
                code: 'invalid_request',
                message:
                  'Nothing was saved. Roles that may start plays: choose up to 100 of the portal’s roles.',
                details: [{ field: 'cardPlaysRoleIds', message: 'Choose up to 100 of the portal’s roles' }],
              },
            }),
          })
        : route.fallback(),
    );
    await adminsAndRoles().check();
    await role('Sales Rep').check();
    await save();
    await plays().getByRole('alertdialog').getByRole('button', { name: 'Restrict the plays' }).click();
    const group = plays().getByRole('group', { name: 'Roles that may start plays' });
    await group.locator('.field-message', { hasText: 'Choose up to 100 of the portal’s roles' }).waitFor();
    await expect(group.getAttribute('aria-describedby')).resolves.toContain(
      'settings-cardPlaysRoleIds-message',
    );
    await plays()
      .getByRole('alert')
      .filter({ hasText: 'Nothing was saved: fix the field marked above.' })
      .waitFor();
    await page.unrouteAll();
    expect((await stored()).cardPlays).toEqual({ who: 'any_user' });

    // The server's own answer, field by field.
    const refused = await callFromPage<{ error: { message: string; details: unknown } }>(
      settingsPath(),
      'PUT',
      { cardPlays: { who: 'some_users', roleIds: ['x'] } },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      {
        field: 'cardPlaysWho',
        message: 'Choose every user of the portal, or super admins and the roles you name',
      },
    ]);
    expect((await stored()).cardPlays).toEqual({ who: 'any_user' });
  });

  it('says when HubSpot cannot list the roles or the install may not read them, and lists them once it can', async () => {
    const rolesPath = `${settingsPath()}/roles`;
    await expect(callFromPage(rolesPath)).resolves.toEqual({
      status: 200,
      body: {
        roles: Object.values(DEFAULT_ROLES)
          .map(({ id, name }) => ({ id, name }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      },
    });

    // HubSpot answers 503 to everything for this portal, retries and all.
    const faults = `${sandbox.url}/_sandbox/portals/${HUB}/faults`;
    const injected = await fetch(faults, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1, errorStatus: 503 }),
    });
    expect(injected.status).toBe(200);
    try {
      const down = await callFromPage<{ error: { code: string; message: string } }>(rolesPath);
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe('roles_unavailable');
      expect(down.body.error.message).toMatch(
        /^The CRM (could not|did not) list this portal’s roles.*try again in a minute\.$/,
      );
    } finally {
      await fetch(faults, { method: 'DELETE' });
    }

    // An install from before the users scope: HubSpot refuses, the page says what to do.
    const taken = portalTokens().map((token) => {
      const at = token.scopes.indexOf(USERS_SCOPE);
      if (at >= 0) token.scopes.splice(at, 1);
      return token;
    });
    try {
      const refused = await callFromPage<{ error: { code: string; message: string } }>(rolesPath);
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('roles_not_permitted');
      expect(refused.body.error.message).toMatch(
        /^The CRM does not let Churn Radar read this portal’s roles \(.*\): an admin must reinstall the app to grant it the settings\.users\.read scope\.$/,
      );

      await openSettings();
      await adminsAndRoles().check();
      const alert = plays().getByRole('alert').filter({ hasText: 'The portal’s roles could not be listed.' });
      await alert.waitFor();
      await expect(alert.textContent()).resolves.toContain('an admin must reinstall the app');
      await plays().screenshot({ path: '/tmp/card-plays-roles-unavailable.png' });
    } finally {
      for (const token of taken) if (!token.scopes.includes(USERS_SCOPE)) token.scopes.push(USERS_SCOPE);
    }
    await plays().getByRole('button', { name: 'Try again' }).click();
    await role('Customer Success Manager').waitFor();
    await expect(plays().getByRole('alert').count()).resolves.toBe(0);
  }, 300_000);

  it('fits a phone screen', async () => {
    await page.setViewportSize(PHONE);
    try {
      await openSettings();
      await adminsAndRoles().check();
      await role('View only').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await plays().screenshot({ path: '/tmp/card-plays-settings-phone.png' });
    } finally {
      await page.setViewportSize(WIDE);
    }
  });

  it("says in a Salesforce org's settings that its permission sets decide, with no control", async () => {
    const db = product.ctx.db.db;
    const org = await upsertInstalledPortal(db, {
      crm: 'salesforce',
      externalId: '00D000000000941EAA',
      name: 'Acme (Salesforce)',
      domain: null,
    });
    const { token } = await createSession(db, {
      portalId: org.id,
      userId: '005000000000941AAA',
      userEmail: 'admin@acme.example',
    });
    const orgContext = await browser.newContext({ viewport: WIDE });
    try {
      await orgContext.addCookies([{ name: SESSION_COOKIE, value: token, url: product.url }]);
      const orgPage = await orgContext.newPage();
      await orgPage.goto(`${product.url}/app/settings`);
      const card = orgPage.getByRole('region', { name: 'Plays from the risk card' });
      const words = card.getByTestId('card-plays-org');
      await words.waitFor();
      await expect(words.textContent()).resolves.toContain(
        'In Salesforce the org decides who may start plays from the card: users with the permission set Churn_Radar_Plays, or with any permission set that enables the custom permission Churn_Radar_Run_Plays.',
      );
      await expect(words.textContent()).resolves.toContain(
        'Every user who can open the card may still say a score looks wrong.',
      );
      await expect(card.getByRole('radio').count()).resolves.toBe(0);
      await expect(card.getByRole('button').count()).resolves.toBe(0);
      await card.screenshot({ path: '/tmp/card-plays-salesforce.png' });

      const roles = await orgPage.evaluate(async (path) => {
        const response = await fetch(path);
        return { status: response.status, body: (await response.json()) as unknown };
      }, `/api/v1/portals/${org.id}/settings/roles`);
      expect(roles.status).toBe(409);
      expect(roles.body).toMatchObject({ error: { code: 'plays_decided_by_crm' } });
    } finally {
      await orgContext.close();
    }
  });

  it('logged no errors but the refusals the tests asked for', () => {
    expect(
      consoleErrors.filter((m) => !/status of (400|503) .*\/portals\/\d+\/settings(\/roles)?\)/.test(m)),
    ).toEqual([]);
  });
});
