import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureWebBuilt } from '../../cli/web-build.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { AccountList, AccountView } from '../../server/api/contracts/accounts.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { seedAccounts, type AccountPortal } from '../support/account-portal.js';
import { ROOT } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

/** Screenshots, kept as test artefacts (gitignored). */
const ARTIFACTS = join(ROOT, 'tests', 'artifacts', 'dashboard');
const HUB = 923;
const CONTACTS = 240;
const PER_COMPANY = 6;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let portalId: number;
let accounts: AccountPortal;
const consoleErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await ensureWebBuilt();
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB], rateLimits: { tenSecondlyMax: 100_000 } });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  // No worker runs here: the portal's first jobs are dropped, the warehouse is filled directly.
  await product.ctx.queues.get('system').drain();
  const db = product.ctx.db.db;
  portalId = (await findPortalByExternalId(db, 'hubspot', String(HUB)))!.id;
  const { modelId } = await seedScoredPortal(db, portalId, { contacts: CONTACTS, weeks: 3, idPrefix: 'a' });
  // One of Northwind's customers left 40 days ago: its account counts it against it.
  await sql`update contacts set lifecycle_stage = 'other', stage_kind = 'former',
      former_since = now() - interval '40 days'
    where portal_id = ${portalId} and id = 'a3'`.execute(db);
  accounts = await seedAccounts(db, portalId, {
    idPrefix: 'a',
    contacts: CONTACTS,
    perCompany: PER_COMPANY,
    modelId,
  });

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  // The dashboard's own console only: the CRM's consent page is not ours.
  page.on('console', (message) => {
    if (message.type() === 'error' && message.location().url.startsWith(product.url))
      consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

/** The API, called from the signed-in page (its cookie), as the dashboard itself calls it. */
async function apiFromPage<T>(path: string): Promise<T> {
  return page.evaluate(async (p) => {
    const response = await fetch(p);
    if (!response.ok) throw new Error(`${p} answered ${response.status}`);
    return response.json();
  }, path);
}

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const horizontalOverflow = () =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
const firstRowName = () => page.locator('tbody tr').first().locator('td').first().locator('a').textContent();

describe('accounts in the dashboard', () => {
  it('lists the companies by risk, as the API does, sorted and filtered from the address', async () => {
    await page.goto(`${product.url}/app/`);
    await page.getByRole('link', { name: 'Sign in with HubSpot' }).click();
    await page.locator('select[name=portalId]').selectOption(String(HUB));
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('h1').first().waitFor();
    await page
      .getByRole('navigation', { name: 'Dashboard pages' })
      .getByRole('link', { name: 'Accounts' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    await page.getByTestId('accounts-total').waitFor();
    expect(await page.title()).toBe('Accounts — Churn Radar');

    const api = await apiFromPage<AccountList>(`/api/v1/portals/${portalId}/accounts?limit=25`);
    expect(api.total).toBe(CONTACTS / PER_COMPANY);
    await expect(page.getByTestId('accounts-total').textContent()).resolves.toBe(
      `${api.total} accounts · showing 1–25`,
    );
    await expect(page.getByTestId('accounts-high').locator('.stat-value').textContent()).resolves.toBe(
      String(api.summary.high),
    );
    await expect(page.locator('tbody tr').count()).resolves.toBe(25);
    await expect(firstRowName()).resolves.toBe(api.rows[0]!.name);
    // The score to one decimal, as the API gives it.
    await expect(page.locator('tbody tr').first().locator('td').nth(1).textContent()).resolves.toBe(
      api.rows[0]!.score.toFixed(1),
    );
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    await shot('accounts');

    // Sorted by value at risk from its column; the address keeps it.
    await page.getByRole('button', { name: /Value at risk/ }).click();
    await page.waitForURL(/sort=valueAtRisk/);
    const byValue = await apiFromPage<AccountList>(
      `/api/v1/portals/${portalId}/accounts?sort=valueAtRisk&limit=1`,
    );
    await page.waitForFunction(
      (name) => document.querySelector('tbody tr td a')?.textContent === name,
      byValue.rows[0]!.name,
    );

    // An address names the list: the soonest renewals among the high and medium accounts.
    await page.goto(`${product.url}/app/accounts?tier=high,medium&sort=renewal`);
    const renewing = await apiFromPage<AccountList>(
      `/api/v1/portals/${portalId}/accounts?tier=high,medium&sort=renewal&order=asc&limit=25`,
    );
    await page.getByText(`${renewing.total} accounts ·`).waitFor();
    await expect(page.locator('select[name=tier]').inputValue()).resolves.toBe('high,medium');
    await expect(page.locator('select[name=sort]').inputValue()).resolves.toBe('renewal');
    await expect(firstRowName()).resolves.toBe(renewing.rows[0]!.name);
    await page.locator('select[name=tier]').selectOption('high');
    await page.getByText(`${api.summary.high} accounts ·`).waitFor();
    expect(page.url()).toContain('tier=high&sort=renewal');
    await page.goBack();
    await page.getByText(`${renewing.total} accounts ·`).waitFor();
  });

  it('opens a company with its risk, reasons and contacts, each linked to its contact view', async () => {
    const northwind = accounts.companies[0]!;
    const api = await apiFromPage<AccountView>(`/api/v1/portals/${portalId}/accounts/${northwind}`);
    await page.goto(`${product.url}/app/accounts?sort=name&order=asc`);
    await page.getByRole('link', { name: api.name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: api.name }).waitFor();
    await page.getByTestId('account-reasons').waitFor();
    expect(await page.title()).toBe(`${api.name} — Churn Radar`);
    // The industry in words, not HubSpot's option code.
    expect(api.industry).toBe('COMPUTER_SOFTWARE');
    await expect(page.locator('.page-header p').first().textContent()).resolves.toContain(
      `${northwind}.example.com · Computer software · `,
    );

    await expect(page.getByTestId('account-score').locator('.stat-value').textContent()).resolves.toBe(
      `${api.score!.score.toFixed(1)}${api.score!.tier}`,
    );
    await expect(
      page.getByTestId('account-reasons').locator('.account-reason-text').allTextContents(),
    ).resolves.toEqual(api.score!.reasons.map((r) => r.text));
    // The score splits into its customers' own risk and what the account's signals add.
    const { customers, signals } = api.score!.breakdown;
    expect(Math.abs(customers + signals - api.score!.probability * 100)).toBeLessThan(0.2);
    expect(Math.round((customers + signals) * 10) / 10).toBe(api.score!.score);
    await expect(page.getByTestId('account-breakdown').textContent()).resolves.toBe(
      `${api.score!.score.toFixed(1)} = ${customers.toFixed(1)} from its customers' own risk + ${signals.toFixed(1)} from the account's signals`,
    );
    expect(api.score!.reasons.map((r) => r.kind)).toEqual(
      expect.arrayContaining(['renewal', 'high_priority_tickets', 'churned_contacts']),
    );
    const rows = page.locator('.account-contacts tbody tr');
    await expect(rows.count()).resolves.toBe(PER_COMPANY);
    await expect(rows.locator('td:first-child a').allTextContents()).resolves.toEqual(
      api.contacts.map((c) => c.name),
    );
    // The one who left is listed last, as having left; the decision-maker is marked.
    await expect(rows.last().locator('td').nth(2).textContent()).resolves.toMatch(/^left\d/);
    await expect(page.locator('.account-leader').count()).resolves.toBe(1);
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    await shot('account');

    const top = api.contacts[0]!;
    await rows.first().locator('td:first-child a').click();
    await page.waitForURL(new RegExp(`/app/contacts/${top.contactId}$`));
    await page.getByRole('heading', { level: 1, name: top.name }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: api.name }).waitFor();
  });

  it('fits a phone without horizontal scrolling, and logs no console errors', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${product.url}/app/accounts`);
    await page.getByTestId('accounts-total').waitFor();
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    await shot('accounts-phone');
    await page.goto(`${product.url}/app/accounts/${accounts.companies[0]}`);
    await page.getByTestId('account-reasons').waitFor();
    expect(await horizontalOverflow()).toBeLessThanOrEqual(0);
    await shot('account-phone');
    await page.setViewportSize({ width: 1440, height: 900 });

    await page.goto(`${product.url}/app/accounts/nope`);
    await page.getByText('No such company in this portal').waitFor();
    const refused = consoleErrors.splice(0);
    expect(refused.every((m) => /404 \(Not Found\)/.test(m) && /accounts\/nope/.test(m))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });
});
