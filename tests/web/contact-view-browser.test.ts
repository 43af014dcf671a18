import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureWebBuilt } from '../../cli/web-build.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { ROOT } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

/** Screenshots, kept as test artefacts (gitignored). */
const ARTIFACTS = join(ROOT, 'tests', 'artifacts', 'dashboard');
const HUB = 931;
const DAY_MS = 86_400_000;
/** A customer scored once, this week. */
const SCORED_ONCE = 'a500';

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let portalId: number;
const consoleErrors: string[] = [];

const db = () => product.ctx.db.db;

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
  portalId = (await findPortalByExternalId(db(), 'hubspot', String(HUB)))!.id;
  const { modelId } = await seedScoredPortal(db(), portalId, { contacts: 120, weeks: 8, idPrefix: 'a' });
  await seedScoredOnce(modelId);

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

async function seedScoredOnce(modelId: number) {
  await db()
    .insertInto('contacts')
    .values({
      portal_id: portalId,
      id: SCORED_ONCE,
      email: 'new@example.com',
      first_name: 'Nova',
      last_name: 'Newcomer',
      lifecycle_stage: 'customer',
      stage_kind: 'customer',
      customer_since: new Date(Date.now() - 20 * DAY_MS),
      billing_period: 'monthly',
    })
    .execute();
  await db()
    .insertInto('scores')
    .values({
      portal_id: portalId,
      contact_id: SCORED_ONCE,
      model_id: modelId,
      probability: 0.7,
      tier: 'high',
    })
    .execute();
}

const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

/** The contact's company, owner (with a synced name), and recent tickets and emails with their tone. */
async function seedFacts(contactId: string) {
  await db()
    .insertInto('companies')
    .values({ portal_id: portalId, id: 'co1', name: 'Northwind Logistics' })
    .execute();
  const { owner_id: ownerId } = await db()
    .selectFrom('contacts')
    .select('owner_id')
    .where('portal_id', '=', portalId)
    .where('id', '=', contactId)
    .executeTakeFirstOrThrow();
  await sql`update contacts set company_id = 'co1' where portal_id = ${portalId} and id = ${contactId}`.execute(
    db(),
  );
  await db()
    .insertInto('owners')
    .values({
      portal_id: portalId,
      id: ownerId!,
      name: 'Rita Alvarez',
      email: 'rita@example.com',
      user_id: null,
    })
    .execute();
  const tickets = [
    ['Invoices export fails every night since the update', 'HIGH', false, -0.8],
    ['Cannot add a second warehouse location', 'MEDIUM', false, -0.3],
    ['Question about the API rate limits', 'LOW', true, 0],
    ['Thanks for the quick fix on routing', 'LOW', true, 0.7],
    ['Password reset email not arriving', 'MEDIUM', true, -0.1],
    ['An older ticket that is not listed', 'LOW', true, 0],
  ] as const;
  await db()
    .insertInto('tickets')
    .values(
      tickets.map(([subject, priority, closed, sentiment], i) => ({
        portal_id: portalId,
        id: `t${i}`,
        subject,
        priority,
        is_closed: closed,
        created_at: daysAgo(3 + i * 9),
        sentiment,
      })),
    )
    .execute();
  const emails = [
    ['Re: Your renewal is coming up', 'INCOMING_EMAIL', -0.6],
    ['Your renewal is coming up', 'EMAIL', null],
    ['Re: Quarterly review', 'INCOMING_EMAIL', 0.2],
    ['Quarterly review', 'EMAIL', null],
    ['New in Northwind: route planning', 'EMAIL', null],
  ] as const;
  await db()
    .insertInto('emails')
    .values(
      emails.map(([subject, direction, sentiment], i) => ({
        portal_id: portalId,
        id: `e${i}`,
        subject,
        direction,
        sent_at: daysAgo(2 + i * 6),
        sentiment,
      })),
    )
    .execute();
  await db()
    .insertInto('associations')
    .values(
      [
        ...tickets.map((_, i) => ({ to_type: 'tickets', to_id: `t${i}` })),
        ...emails.map((_, i) => ({ to_type: 'emails', to_id: `e${i}` })),
      ].map((a) => ({ ...a, portal_id: portalId, from_type: 'contacts', from_id: contactId })),
    )
    .execute();
}

/** The API, called from the signed-in page (its cookie), as the dashboard itself calls it. */
function apiFromPage<T>(path: string): Promise<{ status: number; body: T }> {
  return page.evaluate(async (p) => {
    const response = await fetch(p);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }, path);
}

const formatDate = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

interface ListRow {
  contactId: string;
  name: string;
  renewalAt: string | null;
}

let top: ListRow;

describe('the contact view in a browser', () => {
  it('opens from the at-risk list with its renewal, company, owner, tickets, emails and trend', async () => {
    await page.goto(`${product.url}/app/`);
    await page.getByRole('link', { name: 'Sign in with HubSpot' }).click();
    await page.locator('select[name=portalId]').selectOption(String(HUB));
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('navigation', { name: 'Dashboard pages' }).waitFor();

    const list = await apiFromPage<{ rows: ListRow[] }>(`/api/v1/portals/${portalId}/at-risk?limit=50`);
    top = list.body.rows.find((r) => r.renewalAt !== null)!;
    await seedFacts(top.contactId);

    await page
      .getByRole('navigation', { name: 'Dashboard pages' })
      .getByRole('link', { name: 'At-risk list' })
      .click();
    await page.locator(`tbody a[href="/app/contacts/${top.contactId}"]`).click();
    await page.getByRole('heading', { level: 1, name: top.name }).waitFor();
    await expect(page.title()).resolves.toBe(`${top.name} — Churn Radar`);

    // The renewal the list shows for this contact.
    await expect(page.getByTestId('contact-renewal').locator('.stat-value').textContent()).resolves.toBe(
      formatDate(top.renewalAt!),
    );
    const company = page.getByTestId('contact-company').getByRole('link', { name: /Northwind Logistics/ });
    await expect(company.getAttribute('href')).resolves.toContain(`/record/0-2/co1`);
    await expect(page.getByTestId('contact-owner').textContent()).resolves.toBe('Rita Alvarez');
    const tickets = page.getByTestId('contact-tickets').locator('li');
    await expect(tickets.count()).resolves.toBe(5);
    await expect(tickets.first().textContent()).resolves.toContain('Invoices export fails');
    await expect(tickets.first().textContent()).resolves.toMatch(/open.*High priority.*angry/);
    await expect(page.getByTestId('contact-emails').locator('li').count()).resolves.toBe(5);
    await expect(page.getByTestId('contact-emails').locator('li').first().textContent()).resolves.toMatch(
      /From them.*unhappy|From them.*angry/,
    );

    // The trend: a line over eight weeks, with labelled axes and a text alternative.
    const chart = page.getByTestId('trend-chart');
    await chart.locator('.recharts-line-curve').waitFor();
    await expect(chart.getAttribute('aria-label')).resolves.toMatch(
      /^Weekly churn risk score over 8 weeks, from \d+/,
    );
    await expect(chart.locator('.recharts-label').allTextContents()).resolves.toEqual(
      expect.arrayContaining(['Week starting', 'Risk score']),
    );
    await expect(chart.locator('.recharts-line-dot').count()).resolves.toBe(8);
    expect(await overflow()).toBeLessThanOrEqual(0);
  });

  it('starts the three plays and shows what each made', async () => {
    const result = page.getByTestId('play-result');
    await page.getByRole('button', { name: 'Ask for feedback' }).click();
    await expect(result.getByRole('link').getAttribute('href')).resolves.toMatch(/\/s\/\S+$/);
    await page.getByRole('button', { name: 'Schedule check-in' }).click();
    await result.getByText('Check-in requested').waitFor();
    await page.getByRole('button', { name: 'Send retention offer' }).click();
    await expect(result.filter({ hasText: 'Offer code' }).locator('.code').textContent()).resolves.toMatch(
      /\S{6,}/,
    );
    const actions = await db()
      .selectFrom('retention_actions')
      .select('action')
      .where('portal_id', '=', portalId)
      .where('contact_id', '=', top.contactId)
      .orderBy('id')
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      'request-feedback',
      'proactive-support',
      'send-retention-offer',
    ]);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot('contact');
  });

  it('snoozes the contact off the at-risk list, and brings it back on undo', async () => {
    await page.getByRole('button', { name: 'Snooze 30 days' }).click();
    await page
      .getByTestId('outcome')
      .getByText(/off the at-risk list until/)
      .waitFor();
    await page
      .getByRole('navigation', { name: 'Dashboard pages' })
      .getByRole('link', { name: 'At-risk list' })
      .click();
    await page.locator('tbody tr').first().waitFor();
    expect(await page.locator(`tbody a[href="/app/contacts/${top.contactId}"]`).count()).toBe(0);

    await page.goto(`${product.url}/app/contacts/${top.contactId}`);
    await page.getByTestId('outcome').getByRole('button', { name: 'Undo' }).click();
    await page.getByTestId('outcome').getByRole('button', { name: 'Undo' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Saved' }).click();
    await page
      .getByTestId('outcome')
      .getByText(/Marked saved on/)
      .waitFor();
    await page
      .getByRole('navigation', { name: 'Dashboard pages' })
      .getByRole('link', { name: 'At-risk list' })
      .click();
    await page.locator(`tbody a[href="/app/contacts/${top.contactId}"]`).waitFor();
  });

  it('says when a contact was scored for the first time instead of drawing one dot', async () => {
    await page.goto(`${product.url}/app/contacts/${SCORED_ONCE}`);
    await page.getByRole('heading', { level: 1, name: 'Nova Newcomer' }).waitFor();
    await expect(page.getByTestId('trend-first').textContent()).resolves.toMatch(
      /^Scored for the first time in the week of \d+ \w+ \d{4}$/,
    );
    expect(await page.getByTestId('trend-chart').count()).toBe(0);
    await expect(page.title()).resolves.toBe('Nova Newcomer — Churn Radar');
  });

  it('fits a phone without sideways scrolling, and logged no console errors', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${product.url}/app/contacts/${top.contactId}`);
    await page.getByTestId('trend-chart').locator('.recharts-line-curve').waitFor();
    await page.getByTestId('contact-tickets').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot('contact-phone');
    expect(consoleErrors).toEqual([]);
  });
});
