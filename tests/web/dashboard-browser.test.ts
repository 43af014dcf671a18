import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureWebBuilt } from '../../cli/web-build.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { loadContacts } from '../../server/features/build/contact-chunks.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { statusesOf, storeStatuses } from '../../server/scoring/customer-statuses.js';
import { completeRun, openRun } from '../../server/scoring/runs.js';
import { HUNG_WAIT_MS, ROOT } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { computeAndStoreReports } from '../../server/reports/stored-reports.js';
import { seedScoredPortal } from '../support/scored-portal.js';

/** Screenshots of every page, kept as test artefacts (gitignored). */
const ARTIFACTS = join(ROOT, 'tests', 'artifacts', 'dashboard');
const HUB_A = 911;
const HUB_B = 912;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let portalA: number;
let portalB: number;
const consoleErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await ensureWebBuilt();
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB_A, HUB_B], rateLimits: { tenSecondlyMax: 100_000 } });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  for (const hub of [HUB_A, HUB_B])
    expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  // No worker runs here: the portals' first jobs are dropped, the warehouse is filled directly.
  await product.ctx.queues.get('system').drain();
  const db = product.ctx.db.db;
  portalA = (await findPortalByExternalId(db, 'hubspot', String(HUB_A)))!.id;
  portalB = (await findPortalByExternalId(db, 'hubspot', String(HUB_B)))!.id;
  await seedScoredPortal(db, portalA, { contacts: 300, weeks: 6, idPrefix: 'a', engagement: true });
  await seedScoredPortal(db, portalB, { contacts: 40, weeks: 2, idPrefix: 'b', namePrefix: 'Bravo' });
  await seedCampaign(portalA);
  await seedCustomersWhoLeft(portalA);
  // The reports a worker stores when a cycle finishes.
  await computeAndStoreReports(db, portalA);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
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

/**
 * A retention campaign enrolled 100 days ago: 60 customers, every other one held out as control;
 * one control in three left within 20 days, one treated customer in six.
 */
async function seedCampaign(portalId: number) {
  const db = product.ctx.db.db;
  const enrolledAt = new Date(Date.now() - 100 * 86_400_000);
  const leftAt = new Date(enrolledAt.getTime() + 20 * 86_400_000);
  for (let i = 20; i < 80; i++) {
    const group = i % 2 === 0 ? 'treatment' : 'control';
    await db
      .insertInto('retention_actions')
      .values({
        portal_id: portalId,
        contact_id: `a${i}`,
        action: 'loyalty-reward',
        campaign_id: 'winback',
        group,
        created_at: enrolledAt,
      })
      .execute();
    const left = group === 'control' ? i % 3 === 0 : i % 12 === 0;
    if (left) {
      await sql`update contacts set former_since = ${leftAt}
        where portal_id = ${portalId} and id = ${`a${i}`}`.execute(db);
    }
  }
}

const DAY_MS = 86_400_000;
/** Customers of portal A who left, by id: how many days ago (null: the CRM has no date). */
const LEFT_DAYS_AGO: Record<string, number | null> = {
  a281: 10,
  a282: 12,
  a283: 25,
  a284: 45,
  a285: 70,
  a286: 100,
  a287: 150,
  a288: 200,
  a289: 300,
  // Left longer ago than the Lost page looks back (a year): not listed.
  a290: 400,
  a291: null,
};
/** A customer whose renewal deal was lost 20 days ago. */
const RENEWAL_LOST = 'a292';
/** A lead who never bought. */
const PROSPECT = 'a293';
/** Who the Lost page lists: everyone who left within a year, or on a day the CRM does not record. */
const LISTED_AS_LOST = [
  ...Object.entries(LEFT_DAYS_AGO)
    .filter(([, days]) => days === null || days <= 365)
    .map(([id]) => id),
  RENEWAL_LOST,
].sort();

/**
 * Some of portal A's customers left (the former-customer stage, dated or not, and a lost renewal)
 * and one contact is a lead; then each contact's status is stored as a scoring run stores it, which
 * also takes those who are not active customers out of the current scores.
 */
async function seedCustomersWhoLeft(portalId: number) {
  const db = product.ctx.db.db;
  for (const [id, days] of Object.entries(LEFT_DAYS_AGO)) {
    const leftAt = days === null ? null : new Date(Date.now() - days * DAY_MS);
    await sql`update contacts set lifecycle_stage = 'other', stage_kind = 'former', former_since = ${leftAt}
      where portal_id = ${portalId} and id = ${id}`.execute(db);
  }
  await db
    .insertInto('deals')
    .values({
      portal_id: portalId,
      id: `${RENEWAL_LOST}-renewal`,
      name: 'Acme renewal',
      amount: 4200,
      stage: 'closedlost',
      deal_type: 'renewal',
      is_renewal: true,
      is_closed_won: false,
      is_closed_lost: true,
      close_date: new Date(Date.now() - 20 * DAY_MS),
    })
    .execute();
  await db
    .insertInto('associations')
    .values({
      portal_id: portalId,
      from_type: 'contacts',
      from_id: RENEWAL_LOST,
      to_type: 'deals',
      to_id: `${RENEWAL_LOST}-renewal`,
    })
    .execute();
  await sql`update contacts set lifecycle_stage = 'lead', stage_kind = 'prospect', customer_since = null
    where portal_id = ${portalId} and id = ${PROSPECT}`.execute(db);
  const contacts = await loadContacts(db, portalId, { from: 'a', upTo: 'a~' });
  const now = new Date();
  const { statuses } = await statusesOf(db, portalId, contacts, now);
  await storeStatuses(db, portalId, statuses, { asOf: now, runId: null });
}

/** Portal A's active customers: its 300 contacts but those who left, the lost renewal and the lead. */
const ACTIVE_CUSTOMERS = 300 - Object.keys(LEFT_DAYS_AGO).length - 2;

/** A day as the dashboard writes it: "22 Nov 2026". */
const day = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
const compact = (n: number) =>
  new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(n);

/** The API, called from the signed-in page (its cookie), as the dashboard itself calls it. */
function apiFromPage<T>(path: string): Promise<{ status: number; body: T }> {
  return page.evaluate(async (p) => {
    const response = await fetch(p);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }, path);
}

const shot = (name: string, fullPage = true) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
const openPage = async (label: string) => {
  await page.getByRole('navigation', { name: 'Dashboard pages' }).getByRole('link', { name: label }).click();
  await page.getByRole('heading', { level: 1, name: label }).waitFor();
};

describe('the dashboard in a browser', () => {
  it('signs in through the CRM and shows the overview with the numbers of the API', async () => {
    await page.goto(`${product.url}/app/`);
    await page.getByRole('link', { name: 'Sign in with HubSpot' }).click();
    await page.locator('select[name=portalId]').selectOption(String(HUB_A));
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    const api = await apiFromPage<{ tiers: { high: number; medium: number }; contacts: number }>(
      `/api/v1/portals/${portalA}/overview`,
    );
    expect(api.status).toBe(200);
    const high = page.getByTestId('stat-high');
    await expect(high.locator('.stat-value').textContent()).resolves.toBe(
      api.body.tiers.high.toLocaleString('en-US'),
    );
    await expect(page.getByTestId('stat-medium').locator('.stat-value').textContent()).resolves.toBe(
      api.body.tiers.medium.toLocaleString('en-US'),
    );
    // The counts are of active customers: those who left (or never bought) have no score.
    await expect(page.getByTestId('active-customers').textContent()).resolves.toBe(
      `Active customers: ${api.body.contacts.toLocaleString('en-US')}`,
    );
    expect(api.body.contacts).toBe(ACTIVE_CUSTOMERS);
    // Three charts: tiers, distribution and the weekly trend.
    await page.waitForFunction(() => document.querySelectorAll('.chart .recharts-wrapper').length === 3);
    await expect(page.getByTestId('changes').textContent()).resolves.toMatch(/became high risk/);
    await shot('overview');
  });

  it('lists the contacts at risk, sorts them, opens one, and exports the list as CSV', async () => {
    await openPage('At-risk list');
    const api = await apiFromPage<{
      total: number;
      rows: { name: string; score: number; contactId: string }[];
    }>(`/api/v1/portals/${portalA}/at-risk?limit=50`);
    await expect(page.getByTestId('at-risk-total').textContent()).resolves.toContain(
      `${api.body.total} contacts`,
    );
    const firstRow = page.locator('tbody tr').first();
    await expect(firstRow.locator('td').nth(1).textContent()).resolves.toBe(
      api.body.rows[0]!.score.toFixed(1),
    );
    await shot('at-risk', false);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(csv[0]).toMatch(/^contact_id,name/);
    expect(csv).toHaveLength(api.body.total + 1);

    await page.getByRole('button', { name: /Score/ }).click();
    await page.waitForFunction(
      () => document.querySelector('th[aria-sort]')?.getAttribute('aria-sort') === 'ascending',
    );
    const lowest = await apiFromPage<{ rows: { score: number }[] }>(
      `/api/v1/portals/${portalA}/at-risk?limit=1&sort=risk&order=asc`,
    );
    await page.waitForFunction(
      (score) => document.querySelector('tbody tr td:nth-child(2)')?.textContent === score,
      lowest.body.rows[0]!.score.toFixed(1),
    );

    await page.locator('select[name=tier]').selectOption('high');
    const highOnly = await apiFromPage<{ total: number }>(
      `/api/v1/portals/${portalA}/at-risk?tier=high&limit=1`,
    );
    await page.getByText(`${highOnly.body.total} contacts ·`).waitFor();
    await page.locator('select[name=owner]').selectOption('101');
    const owned = await apiFromPage<{ total: number }>(
      `/api/v1/portals/${portalA}/at-risk?tier=high&owner=101&limit=1`,
    );
    expect(owned.body.total).toBeLessThan(highOnly.body.total);
    await page.getByText(`${owned.body.total} contacts ·`).waitFor();

    const top = api.body.rows[0]!;
    await page.goto(`${product.url}/app/contacts/${top.contactId}`);
    await page.getByRole('heading', { level: 1, name: top.name }).waitFor();
    await expect(page.getByTestId('contact-score').locator('.stat-value').textContent()).resolves.toContain(
      top.score.toFixed(1),
    );
    await page.locator('.recharts-surface').first().waitFor();
    await shot('contact');
  });

  it("lists the customers who left, against the API, and opens one's view", async () => {
    await openPage('Lost customers');
    type Lost = {
      total: number;
      summary: { last30Days: number; last90Days: number; valueLost90Days: number; winBackCandidates: number };
      rows: {
        contactId: string;
        name: string;
        leftOn: string | null;
        evidence: string;
        valueLost: number | null;
        winBack: boolean;
      }[];
    };
    const api = await apiFromPage<Lost>(`/api/v1/portals/${portalA}/lost?withinDays=365&limit=50`);
    expect(api.status).toBe(200);
    expect(api.body.rows.map((r) => r.contactId).sort()).toEqual(LISTED_AS_LOST);
    expect(api.body.total).toBe(LISTED_AS_LOST.length);

    const { summary } = api.body;
    expect([summary.last30Days, summary.last90Days]).toEqual([4, 6]);
    const stat = (id: string) => page.getByTestId(id).locator('.stat-value').textContent();
    await expect(stat('lost-30')).resolves.toBe(String(summary.last30Days));
    await expect(stat('lost-90')).resolves.toBe(String(summary.last90Days));
    await expect(stat('lost-value-90')).resolves.toBe(compact(summary.valueLost90Days));
    await expect(stat('lost-win-back')).resolves.toBe(String(summary.winBackCandidates));
    await expect(page.getByTestId('lost-total').textContent()).resolves.toContain(
      `${api.body.total} customers lost`,
    );

    // The rows of the API, in its order (the latest to leave first, the undated last).
    const rows = page.locator('tbody tr');
    await expect(rows.locator('td:first-child a').allTextContents()).resolves.toEqual(
      api.body.rows.map((r) => r.name),
    );
    const cells = async (index: number) => rows.nth(index).locator('td').allTextContents();
    const first = api.body.rows[0]!;
    const [, , leftOn, evidence, value, , winBack, crm] = await cells(0);
    expect([leftOn, evidence, value, winBack, crm]).toEqual([
      day(first.leftOn!),
      first.evidence,
      first.valueLost === null ? '—' : compact(first.valueLost),
      first.winBack ? 'yes' : 'no',
      'Open ↗',
    ]);
    const undated = api.body.rows.findIndex((r) => r.leftOn === null);
    expect(api.body.rows[undated]!.contactId).toBe('a291');
    expect((await cells(undated))[2]).toBe('not recorded');
    const renewal = api.body.rows.findIndex((r) => r.contactId === RENEWAL_LOST);
    expect((await cells(renewal))[3]).toBe('Renewal lost: Acme renewal');
    await shot('lost');

    // Only the win-back candidates, as the API counts them.
    const winBackApi = await apiFromPage<Lost>(`/api/v1/portals/${portalA}/lost?winBack=true&limit=50`);
    expect(winBackApi.body.total).toBe(summary.winBackCandidates);
    await page.getByLabel('Win-back candidates only').check();
    await page.getByText(`${winBackApi.body.total} win-back candidates ·`).waitFor();
    await expect(rows.locator('td:first-child a').allTextContents()).resolves.toEqual(
      winBackApi.body.rows.map((r) => r.name),
    );
    await page.getByLabel('Win-back candidates only').uncheck();
    await page.getByText(`${api.body.total} customers lost ·`).waitFor();

    // A customer who left: the contact view says when, and what showed it, without a score.
    await rows.first().getByRole('link', { name: first.name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: first.name }).waitFor();
    await expect(page.getByTestId('contact-left').textContent()).resolves.toBe(
      `Left on ${day(first.leftOn!)}`,
    );
    await page.getByText(first.evidence).waitFor();
    expect(await page.getByTestId('contact-score').count()).toBe(0);
    const view = await apiFromPage<{ status: string; score: unknown }>(
      `/api/v1/portals/${portalA}/contacts/${first.contactId}`,
    );
    expect([view.body.status, view.body.score]).toEqual(['churned', null]);
    await shot('contact-lost');

    await page.goto(`${product.url}/app/contacts/a291`);
    await expect(page.getByTestId('contact-left').textContent()).resolves.toBe('Left (date not recorded)');
    await page.goto(`${product.url}/app/contacts/${PROSPECT}`);
    await expect(page.getByTestId('contact-prospect').textContent()).resolves.toBe(
      'Not a customer yet — churn risk is scored for customers only.',
    );
    await shot('contact-prospect');
  });

  it('shows the model, engagement and report pages', async () => {
    await openPage('Model');
    await expect(page.getByTestId('metric-roc-auc').locator('.stat-value').textContent()).resolves.toBe(
      '0.842',
    );
    await page.locator('.recharts-surface').nth(2).waitFor();
    await shot('model');
    // Retraining is queued for the worker, and the banner shows the job while it waits.
    await page.getByRole('button', { name: 'Retrain now' }).click();
    await page.getByRole('status').filter({ hasText: 'Training queued' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Training a model' }).waitFor({ timeout: HUNG_WAIT_MS });
    const training = await product.ctx.queues.get('train').getJobs(['waiting']);
    expect(training.map((j) => j.data)).toEqual([{ portalId: portalA, reason: 'manual' }]);
    await product.ctx.queues.get('train').drain();

    await openPage('Engagement & satisfaction');
    await page.locator('.recharts-surface').nth(2).waitFor();
    await shot('engagement');

    await openPage('Retention effect');
    const effect = await apiFromPage<{
      campaigns: { campaignId: string; windows: { days: number; uplift: number | null }[] }[];
    }>(`/api/v1/portals/${portalA}/retention/effect`);
    const winback = effect.body.campaigns.find((c) => c.campaignId === 'winback')!;
    const ninety = winback.windows.find((w) => w.days === 90)!;
    expect(ninety.uplift).toBeGreaterThan(0);
    const row = page.locator('tbody tr').filter({ hasText: 'winback' });
    await expect(row.locator('td').nth(3).textContent()).resolves.toBe('90 days');
    await expect(row.locator('td').nth(6).textContent()).resolves.toContain(
      `${(ninety.uplift! * 100).toFixed(1)} %`,
    );
    await page.locator('.recharts-surface').first().waitFor();

    for (const [label, name] of [
      ['Retention effect', 'retention'],
      ['Data quality', 'quality'],
      ['Exploration', 'exploration'],
    ] as const) {
      const errorsBefore = consoleErrors.length;
      await openPage(label);
      await page.locator('.spinner').waitFor({ state: 'detached' });
      // A report may refuse a portal it cannot describe yet (422, e.g. no churn history): the page
      // shows the API's reason, and the browser logs the refused request, which is all it may log.
      const refused = consoleErrors.splice(errorsBefore);
      if (refused.length > 0) await page.getByRole('alert').waitFor();
      for (const message of refused) expect(message).toMatch(/status of 422 .*\/reports\//);
      await shot(name);
    }
  });

  it('changes a setting that is still there after a reload', async () => {
    await openPage('Settings');
    const holdout = page.getByLabel('Default holdout (%)');
    await expect(holdout.inputValue()).resolves.toBe('10');
    await holdout.fill('25');
    await page.locator('select[name=churnRuleKind]').selectOption('no_purchase');
    await page.getByLabel('Days without a purchase').fill('180');
    await page.getByLabel('High tier: riskiest share (%)').fill('15');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.reload();
    await expect(page.getByLabel('Default holdout (%)').inputValue()).resolves.toBe('25');
    await expect(page.getByLabel('Days without a purchase').inputValue()).resolves.toBe('180');
    await expect(page.getByLabel('High tier: riskiest share (%)').inputValue()).resolves.toBe('15');
    const api = await apiFromPage<{
      defaultHoldoutPercent: number;
      churnRule: unknown;
      tiers: { highShare: number };
    }>(`/api/v1/portals/${portalA}/settings`);
    expect(api.body.defaultHoldoutPercent).toBe(25);
    expect(api.body.churnRule).toEqual({ kind: 'no_purchase', days: 180 });
    expect(api.body.tiers.highShare).toBeCloseTo(0.15, 6);
    await shot('settings');
  });

  it("never shows another portal's data", async () => {
    const errorsBefore = consoleErrors.length;
    for (const path of ['overview', 'at-risk', 'lost', 'contacts/b1', 'settings']) {
      expect((await apiFromPage(`/api/v1/portals/${portalB}/${path}`)).status).toBe(404);
    }
    await page.goto(`${product.url}/app/contacts/b1`);
    await page.getByText('No such contact in this portal').waitFor();
    await page.goto(`${product.url}/app/at-risk`);
    await page.locator('tbody tr').first().waitFor();
    await page.locator('select[name=tier]').selectOption('high,medium,low');
    const all = await apiFromPage<{ total: number }>(
      `/api/v1/portals/${portalA}/at-risk?tier=high,medium,low&limit=1`,
    );
    // Every active customer of portal A: those who left, and the lead, have no score.
    expect(all.body.total).toBe(ACTIVE_CUSTOMERS);
    await page.getByText(`${all.body.total} contacts ·`).waitFor();
    expect(await page.content()).not.toContain('Bravo');
    // The browser logs each refused request; those, and only those, are expected here.
    const refused = consoleErrors.splice(errorsBefore);
    expect(refused.length).toBeGreaterThan(0);
    for (const message of refused) {
      expect(message).toMatch(/404 \(Not Found\)/);
      expect(message).toMatch(new RegExp(`/portals/${portalB}/|/contacts/b1\\)`));
    }
  });

  it('is usable on a phone and by keyboard, without console errors', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${product.url}/app/`);
    await page.getByTestId('stat-high').waitFor();
    await shot('overview-phone');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.goto(`${product.url}/app/lost`);
    await page.getByTestId('lost-total').waitFor();
    await shot('lost-phone');
    const lostOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(lostOverflow).toBeLessThanOrEqual(0);
    await page.goto(`${product.url}/app/`);
    await page.getByTestId('stat-high').waitFor();

    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'At-risk list' }).waitFor();
    expect(consoleErrors).toEqual([]);
  });

  it('tells the admin when the last scoring cycle failed, and why', async () => {
    const db = product.ctx.db.db;
    const { run } = await openRun(db, portalA, 'weekly', 'failing-cycle');
    const error = "1 of this run's jobs failed: writeback ×1 (HubSpot did not answer)";
    await completeRun(db, run.id, { drift: null, summary: {}, error });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${product.url}/app/`);
    const notice = page.getByTestId('failed-run');
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toMatch(
      /^The last scoring cycle failed \(.+\)\. 1 of this run's jobs failed: writeback ×1 \(HubSpot did not answer\)\. The scores and CRM fields its finished jobs wrote are kept/,
    );
    await shot('failed-run', false);
    expect(consoleErrors).toEqual([]);
  });
});
