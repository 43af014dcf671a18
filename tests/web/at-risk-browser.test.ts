import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureWebBuilt } from '../../cli/web-build.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { SandboxOwner } from '../../sandbox/store.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { syncOwners } from '../../server/sync/owners.js';
import { ROOT } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

/** Screenshots, kept as test artefacts (gitignored). */
const ARTIFACTS = join(ROOT, 'tests', 'artifacts', 'dashboard');
const HUB = 931;
const CONTACTS = 600;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let browser: Browser;
let page: Page;
let portalId: number;
let admin: SandboxOwner;
let omar: SandboxOwner;
const consoleErrors: string[] = [];

interface List {
  total: number;
  rows: { contactId: string; name: string; change: number | null; reasons: { text: string }[] }[];
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await ensureWebBuilt();
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB], rateLimits: { tenSecondlyMax: 100_000 } });
  const crmPortal = sandbox.store.portal(HUB)!;
  admin = crmPortal.adminOwner;
  Object.assign(admin, { firstName: 'Maya', lastName: 'Lindqvist', email: 'maya@portal.example' });
  const at = sandbox.store.now();
  omar = crmPortal.addOwner(
    { firstName: 'Omar', lastName: 'Haddad', email: 'omar@portal.example', teams: [] },
    at,
  );
  const priya = crmPortal.addOwner(
    { firstName: 'Priyanka', lastName: 'Ramanathan-Okonkwo', email: 'priya@portal.example', teams: [] },
    at,
  );
  // Lena left: HubSpot archived her owner, and some of Priyanka's old accounts still name her.
  const lena = crmPortal.addOwner(
    { firstName: 'Lena', lastName: 'Vogt', email: 'lena@portal.example', teams: [], archived: true },
    at,
  );
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  // No worker runs here: the portal's first jobs are dropped, the warehouse is filled directly.
  await product.ctx.queues.get('system').drain();
  const db = product.ctx.db.db;
  portalId = (await findPortalByExternalId(db, 'hubspot', String(HUB)))!.id;
  await seedScoredPortal(db, portalId, { contacts: CONTACTS, weeks: 3, idPrefix: 'a', engagement: true });
  await syncOwners({ db, connector: product.ctx.services.crms.connectorFor('hubspot') }, portalId);
  await sql`update contacts set owner_id = case (substr(id, 2)::int % 3)
      when 0 then ${admin.id} when 1 then ${omar.id}
      else case when substr(id, 2)::int % 12 = 5 then ${lena.id} else ${priya.id} end end
    where portal_id = ${portalId}`.execute(db);
  // Companies with long names, as real ones have: the list must still fit its box.
  await sql`insert into companies (portal_id, id, name)
    select ${portalId}, 'co' || k, (array['North Star Logistics & Supply Chain Solutions GmbH',
      'Blue Harbor Veterinary Clinics of Greater Manchester', 'Acme'])[k]
    from generate_series(1, 3) k`.execute(db);
  await sql`update contacts set company_id = 'co' || (1 + substr(id, 2)::int % 3)
    where portal_id = ${portalId}`.execute(db);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  // The dashboard's own console only: the CRM's consent page is not ours.
  page.on('console', (message) => {
    if (message.type() === 'error' && message.location().url.startsWith(product.url))
      consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));

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

/** The API, called from the signed-in page (its cookie), as the dashboard itself calls it. */
function apiFromPage<T>(path: string): Promise<T> {
  return page.evaluate(
    async (p) => (await fetch(p)).json(),
    `/api/v1/portals/${portalId}/${path}`,
  ) as Promise<T>;
}

const caption = () => page.getByTestId('at-risk-total');
const showing = async (total: number, from: number) =>
  caption()
    .filter({ hasText: `${total.toLocaleString('en-US')} contacts · showing ${from}–` })
    .waitFor();
const horizontalOverflow = () =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
const query = () => new URL(page.url()).search;

async function openList(search = '') {
  await page.goto(`${product.url}/app/at-risk${search}`);
  await page.locator('tbody tr').first().waitFor();
}

describe('the at-risk list in a browser', () => {
  it('fits a 1440×900 screen: every column in its box, "Open ↗" on screen, the change and three reasons per row', async () => {
    await openList();
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    const box = await page.locator('.at-risk-table').evaluate((el) => ({
      scroll: el.scrollWidth,
      client: el.clientWidth,
    }));
    expect(box.scroll).toBeLessThanOrEqual(box.client);
    const open = page.getByRole('link', { name: /^Open .* in the CRM$/ }).first();
    const where = (await open.boundingBox())!;
    expect(where.x).toBeGreaterThanOrEqual(0);
    expect(where.x + where.width).toBeLessThanOrEqual(1440);

    const api = await apiFromPage<List>('at-risk?limit=50');
    await showing(api.total, 1);
    const rows = page.locator('tbody tr');
    const first = api.rows[0]!;
    await expect(rows.first().locator('td.at-risk-reasons li').allTextContents()).resolves.toEqual(
      first.reasons.map((r) => r.text),
    );
    expect(first.reasons).toHaveLength(3);
    const changes = await rows.locator('td:nth-child(3)').allTextContents();
    expect(changes).toHaveLength(api.rows.length);
    changes.forEach((text, i) => {
      const change = api.rows[i]!.change;
      expect(text).toBe(
        change === null
          ? '—'
          : change > 0
            ? `▲ +${change.toFixed(1)}`
            : change < 0
              ? `▼ −${(-change).toFixed(1)}`
              : '0.0',
      );
    });
    await page.screenshot({ path: join(ARTIFACTS, 'at-risk.png') });
  });

  it('keeps filters, sort and page in the address: a reload keeps them, Back and Forward step through them', async () => {
    await openList();
    await page.locator('select[name=tier]').selectOption('high');
    await page.waitForURL(/\?tier=high$/);
    await page.locator('select[name=owner]').selectOption('me');
    await page.waitForURL(/owner=me/);
    await page.getByRole('button', { name: /^Renewal/ }).click();
    await page.waitForURL(/sort=renewal/);
    const mine = await apiFromPage<List>('at-risk?tier=high&owner=me&limit=1');
    expect(mine.total).toBeGreaterThan(50);
    await showing(mine.total, 1);
    await page.getByRole('button', { name: 'Next' }).click();
    await showing(mine.total, 51);
    expect(query()).toBe('?tier=high&owner=me&sort=renewal&page=2');

    await page.reload();
    await showing(mine.total, 51);
    await expect(page.locator('select[name=tier]').inputValue()).resolves.toBe('high');
    await expect(page.locator('select[name=owner]').inputValue()).resolves.toBe('me');
    await expect(page.locator('th[aria-sort]').textContent()).resolves.toMatch(/^Renewal/);

    await page.goBack();
    await showing(mine.total, 1);
    expect(query()).toBe('?tier=high&owner=me&sort=renewal');
    await page.goBack();
    expect(query()).toBe('?tier=high&owner=me');
    await expect(page.locator('th[aria-sort]').textContent()).resolves.toMatch(/^Score/);
    await page.goBack();
    expect(query()).toBe('?tier=high');
    await expect(page.locator('select[name=owner]').inputValue()).resolves.toBe('');
    await page.goForward();
    expect(query()).toBe('?tier=high&owner=me');
    await showing(mine.total, 1);
    expect(new URL(page.url()).pathname).toBe('/app/at-risk');
  });

  it('moves Next and Previous readers to the top of the table, focus on its caption', async () => {
    await openList();
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const before = await page.evaluate(() => window.scrollY);
    expect(before).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Next' }).click();
    await caption().filter({ hasText: 'showing 51–' }).waitFor();
    const after = await page.evaluate(() => {
      const el = document.querySelector('[data-testid=at-risk-total]')!;
      return {
        focused: document.activeElement === el,
        top: el.getBoundingClientRect().top,
        y: window.scrollY,
      };
    });
    expect(after.focused).toBe(true);
    expect(after.y).toBeLessThan(before);
    expect(after.top).toBeGreaterThanOrEqual(0);
    expect(after.top).toBeLessThan(900);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.getByRole('button', { name: 'Previous' }).click();
    await caption().filter({ hasText: 'showing 1–' }).waitFor();
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('CAPTION');
  });

  it("filters by owner by name, and shows only that owner's contacts", async () => {
    await openList();
    const owners = await apiFromPage<{
      owners: { id: string; name: string; contacts: number }[];
      me: { id: string };
    }>('owners');
    expect(owners.me.id).toBe(admin.id);
    const options = await page.locator('select[name=owner] option').allTextContents();
    expect(options).toContain(`My accounts (${owners.owners.find((o) => o.id === admin.id)!.contacts})`);
    const omars = owners.owners.find((o) => o.id === omar.id)!;
    expect(options).toContain(`Omar Haddad (${omars.contacts})`);
    await page.locator('select[name=owner]').selectOption(omar.id);
    await showing(omars.contacts, 1);
    const cells = await page.locator('tbody td.at-risk-owner').allTextContents();
    expect(cells.length).toBeGreaterThan(0);
    expect(new Set(cells)).toEqual(new Set(['Omar Haddad']));
    const api = await apiFromPage<List>(`at-risk?owner=${omar.id}&limit=50`);
    await expect(
      page.locator('tbody td.at-risk-contact a[href^="/app/contacts/"]').allTextContents(),
    ).resolves.toEqual(api.rows.map((r) => r.name));
  });

  it('marks an owner who left, and lists the customers nobody looks after under "Owner left"', async () => {
    await openList();
    const owners = await apiFromPage<{
      owners: { id: string; name: string; left: boolean; contacts: number }[];
    }>('owners');
    const lena = owners.owners.find((o) => o.left)!;
    expect(lena.name).toBe('Lena Vogt');
    const options = await page.locator('select[name=owner] option').allTextContents();
    expect(options).toContain(`Owner left (${lena.contacts})`);
    expect(options).toContain(`Lena Vogt, left (${lena.contacts})`);
    await page.locator('select[name=owner]').selectOption('left');
    await page.waitForURL(/owner=left/);
    await showing(lena.contacts, 1);
    const cells = await page.locator('tbody td.at-risk-owner').allTextContents();
    expect(cells.length).toBeGreaterThan(0);
    expect(new Set(cells)).toEqual(new Set(['Lena Vogt left']));
    await expect(page.locator('tbody td.at-risk-owner .tag').first().textContent()).resolves.toBe('left');
  });

  it('fits a 390×844 phone: no sideways page, the table scrolls in its box with the name and its CRM link in view', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openList('?tier=high,medium,low');
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    const inView = async () => {
      const name = (await page
        .locator('tbody tr')
        .first()
        .locator('td.at-risk-contact a')
        .first()
        .boundingBox())!;
      const open = (await page
        .locator('tbody tr')
        .first()
        .getByRole('link', { name: 'Open in CRM ↗' })
        .boundingBox())!;
      for (const box of [name, open]) {
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(390);
      }
    };
    await inView();
    await page.screenshot({ path: join(ARTIFACTS, 'at-risk-phone.png') });
    // Scrolled to its far end, the table keeps the contact column in place.
    await page.locator('.at-risk-table').evaluate((el) => (el.scrollLeft = el.scrollWidth));
    await inView();
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('logs no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
