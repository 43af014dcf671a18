import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ensureWebBuilt } from '../../cli/web-build.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { HUNG_WAIT_MS, ROOT } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

/**
 * The charts read honestly in a desktop browser: amounts with their currency, the week or month in
 * progress marked rather than drawn as a drop, every axis titled, NPS with its number of answers,
 * features by their names in words, and a campaign's effect said in sentences.
 */

const ARTIFACTS = join(ROOT, 'tests', 'artifacts', 'dashboard');
const HUB = 921;
const DAY_MS = 86_400_000;
const SNAKE_CASE = /\b[a-z]+_[a-z_]+\b/;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let browser: Browser;
let page: Page;
let portal: number;
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
  portal = (await findPortalByExternalId(db, 'hubspot', String(HUB)))!.id;
  await seedScoredPortal(db, portal, { contacts: 300, weeks: 6, idPrefix: 'a', engagement: true });
  // A contact rescored just now: the current week has scores whatever the hour of the test.
  await sql`insert into scores (portal_id, contact_id, model_id, probability, tier, reasons, scored_at)
    select portal_id, contact_id, model_id, probability, tier, reasons, now()
    from scores where portal_id = ${portal} and contact_id = 'a1' limit 1`.execute(db);
  await seedDrift();
  await seedCampaign('winback', 'loyalty-reward', 100, 20);
  await seedCampaign('spring-offer', 'send-retention-offer', 45, 100);

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(HUNG_WAIT_MS);
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

/** The last run's drift, by the features' catalogue names (and one a CSV model could have). */
async function seedDrift() {
  await product.ctx.db.db
    .insertInto('scoring_runs')
    .values({
      portal_id: portal,
      trigger: 'cycle',
      phase: 'done',
      status: 'succeeded',
      drift: JSON.stringify({
        scorePsi: 0.08,
        threshold: 0.2,
        flagged: false,
        features: [
          { name: 'days_since_last_purchase', psi: 0.27 },
          { name: 'support_sentiment_mean_90d', psi: 0.12 },
          { name: 'tickets_open_now', psi: 0.06 },
          { name: 'loyalty_points_7d', psi: 0.01 },
        ],
      }),
      finished_at: new Date(),
    })
    .execute();
}

/**
 * A campaign enrolled `daysAgo` days ago: 60 customers from `firstContact`, every other one held out;
 * one control in three left 20 days after enrolment, one treated customer in twelve. An offer
 * action issues an offer to each treated customer, a third of them redeemed.
 */
async function seedCampaign(campaign: string, action: string, daysAgo: number, firstContact: number) {
  const db = product.ctx.db.db;
  const enrolledAt = new Date(Date.now() - daysAgo * DAY_MS);
  const leftAt = new Date(enrolledAt.getTime() + 20 * DAY_MS);
  for (let i = firstContact; i < firstContact + 60; i++) {
    const group = i % 2 === 0 ? 'treatment' : 'control';
    const { id } = await db
      .insertInto('retention_actions')
      .values({
        portal_id: portal,
        contact_id: `a${i}`,
        action,
        campaign_id: campaign,
        group,
        created_at: enrolledAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (action === 'send-retention-offer' && group === 'treatment') {
      await db
        .insertInto('retention_offers')
        .values({
          portal_id: portal,
          retention_action_id: id,
          contact_id: `a${i}`,
          campaign_id: campaign,
          code: `SPRING-${i}`,
          offer_type: 'discount',
          discount_percent: 20,
          validity_days: 60,
          expires_at: new Date(enrolledAt.getTime() + 60 * DAY_MS),
          created_at: enrolledAt,
          redeemed_at: i % 3 === 0 ? new Date(enrolledAt.getTime() + 5 * DAY_MS) : null,
          redeemed_value: i % 3 === 0 ? 120 : null,
        })
        .execute();
    }
    const left = group === 'control' ? i % 3 === 0 : i % 12 === 0;
    if (left) {
      await sql`update contacts set former_since = ${leftAt}
        where portal_id = ${portal} and id = ${`a${i}`}`.execute(db);
    }
  }
}

function apiFromPage<T>(path: string): Promise<T> {
  return page.evaluate(
    async (p) => (await fetch(p)).json(),
    `/api/v1/portals/${portal}/${path}`,
  ) as Promise<T>;
}

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const card = (title: string) =>
  page.locator('section.card').filter({ has: page.getByRole('heading', { name: title }) });
const openPage = async (label: string) => {
  await page.getByRole('navigation', { name: 'Dashboard pages' }).getByRole('link', { name: label }).click();
  await page.getByRole('heading', { level: 1, name: label }).waitFor();
};

/**
 * Each chart in `scope`: its titled axes' titles, or `untitled` where it has more axes than titles
 * (Recharts draws an axis's label in a layer of its own, apart from the axis).
 */
function axisTitles(scope: Locator) {
  return scope.locator('.recharts-wrapper').evaluateAll((charts) =>
    charts.map((chart) => {
      const titles = Array.from(chart.querySelectorAll('.axis-title'), (t) => t.textContent?.trim() ?? '');
      const axes = chart.querySelectorAll('.recharts-cartesian-axis').length;
      return axes > titles.length ? [...titles, 'untitled'] : titles;
    }),
  );
}

/** Every chart on the page has a title on each of its axes. */
async function expectEveryAxisTitled() {
  const charts = await axisTitles(page.locator('main'));
  expect(charts.length).toBeGreaterThan(0);
  for (const titles of charts) {
    expect(titles.length).toBeGreaterThanOrEqual(2);
    for (const title of titles) expect(title).not.toMatch(/^(untitled)?$/);
  }
}

describe('honest charts at 1440 × 900', () => {
  it('shows the value at risk in its currency and marks the week in progress on the overview', async () => {
    await page.goto(`${product.url}/app/`);
    await page.getByRole('link', { name: 'Sign in with HubSpot' }).click();
    await page.locator('select[name=portalId]').selectOption(String(HUB));
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.chart .recharts-wrapper').length === 3);

    const overview = await apiFromPage<{
      currency: string;
      valueAtRisk: { atRisk: number };
      trend: { week: string; partial: boolean }[];
    }>('overview');
    expect(overview.currency).toBe('USD');
    const value = page.getByTestId('stat-value-at-risk');
    const compact = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      notation: 'compact',
      maximumFractionDigits: 1,
    }).format(overview.valueAtRisk.atRisk);
    await expect(value.locator('.stat-value').textContent()).resolves.toBe(compact);
    expect(compact).toMatch(/^\$/);
    await expect(value.locator('.stat-hint').textContent()).resolves.toContain('USD');
    await expect(
      page.getByTestId('stat-expected-loss').locator('.stat-value').textContent(),
    ).resolves.toMatch(/^\$[\d.]+[KMB]?$/);

    // The last week is still being scored: dashed, and said so in words.
    const last = overview.trend.at(-1)!;
    expect(last.partial).toBe(true);
    const trend = card('At-risk share over the weeks');
    const monday = new Date(`${last.week}T00:00:00Z`).toLocaleDateString('en-GB', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      timeZone: 'UTC',
    });
    await expect(trend.getByTestId('trend-partial').textContent()).resolves.toContain(
      `week in progress: ${monday} – today`,
    );
    expect(monday).toMatch(/^Mon \d{1,2} [A-Z][a-z]{2}$/);
    const dashed = trend.locator('.partial-segment path.recharts-line-curve');
    await expect(dashed.count()).resolves.toBe(3);
    await expect(dashed.first().getAttribute('stroke-dasharray')).resolves.toBe('5 4');
    // Its tooltip says so too.
    const plot = (await trend.locator('.recharts-cartesian-grid').boundingBox())!;
    await page.mouse.move(plot.x + plot.width - 2, plot.y + plot.height / 2);
    await expect(trend.locator('.chart-tooltip').textContent()).resolves.toContain(
      `week in progress: ${monday} – today`,
    );
    await page.mouse.move(0, 0);

    await expectEveryAxisTitled();
    expect(await axisTitles(trend)).toEqual([['Week starting (Monday)', 'Share of customers, %']]);
    await shot('charts-overview');
  });

  it('titles both axes of the tickets chart in their series colours, and counts NPS answers', async () => {
    await openPage('Engagement & satisfaction');
    await page.waitForFunction(() => document.querySelectorAll('.chart .recharts-wrapper').length === 3);
    const engagement = await apiFromPage<{
      tickets: { week: string; partial: boolean }[];
      nps: { month: string; responses: number; fewResponses: boolean; partial: boolean }[];
    }>('engagement');

    const tickets = card('Tickets and their tone');
    expect(await axisTitles(tickets)).toEqual([
      ['Week starting (Monday)', 'Tickets opened', 'Mean sentiment, −1 to +1'],
    ]);
    const sentimentTitle = tickets.locator('.axis-title', { hasText: 'Mean sentiment' });
    const sentimentLine = tickets.locator('path.recharts-line-curve').first();
    await expect(sentimentTitle.getAttribute('fill')).resolves.toBe(
      await sentimentLine.getAttribute('stroke'),
    );
    await expect(
      tickets.locator('.axis-title', { hasText: 'Tickets opened' }).getAttribute('fill'),
    ).resolves.toBe('#5b6675');
    // The week in progress is hatched, not drawn as a drop.
    expect(engagement.tickets.at(-1)!.partial).toBe(true);
    await expect(tickets.getByTestId('tickets-partial').textContent()).resolves.toMatch(
      /week in progress: Mon \d{1,2} [A-Z][a-z]{2} – today/,
    );
    await expect(tickets.locator('path[fill^="url(#hatch-"]').count()).resolves.toBe(2);

    // Under each month, how many answered; too few reads as uncertain.
    const nps = card('NPS');
    const counts = await nps.locator('.nps-responses').allTextContents();
    expect(counts).toEqual(
      engagement.nps.map((m) => `n=${m.responses.toLocaleString('en-US')}${m.fewResponses ? '?' : ''}`),
    );
    expect(engagement.nps.some((m) => m.fewResponses && m.responses > 0)).toBe(true);
    await expect(nps.getByTestId('nps-uncertain').textContent()).resolves.toContain('fewer than 10 answers');
    await expectEveryAxisTitled();
    await shot('charts-engagement');
  });

  it('names every feature of the model page in words, and gives the drivers a unit', async () => {
    await openPage('Model');
    await page.locator('section.drivers .recharts-wrapper').waitFor();
    const drivers = page.locator('section.drivers');
    const drift = page.locator('section.drift');
    await drift.locator('tbody tr').first().waitFor();
    for (const section of [drivers, drift]) {
      const text = (await section.evaluate((e) => (e as HTMLElement).innerText + '\n' + e.textContent)) ?? '';
      expect(text).not.toMatch(SNAKE_CASE);
    }
    await expect(drift.locator('tbody tr td:first-child').allTextContents()).resolves.toEqual([
      'Days since their last purchase',
      'Tone of their support messages, last 90 days',
      'Tickets open now',
      'Loyalty points, last 7 days',
    ]);
    expect(await axisTitles(drivers)).toEqual([['Customers it raises the risk of', 'Reason']]);
    await expect(drivers.getByTestId('drivers-note').textContent()).resolves.toContain('log-odds');
    await expectEveryAxisTitled();
    await shot('charts-model');
  });

  it("says each campaign's effect per window in words, pending windows as pending", async () => {
    await openPage('Retention effect');
    await page.locator('.spinner').waitFor({ state: 'detached' });
    await shot('charts-retention');
    const winback = page.getByTestId('campaign-winback');
    await winback.waitFor();
    const ninety = await winback.getByTestId('window-90').textContent();
    expect(ninety).toMatch(
      /^90 days: [\d.]+ % of \d+ treated customers left \(\d+\), against [\d.]+ % of \d+ in the holdout/,
    );
    expect(ninety).toMatch(/Uplift \+[\d.]+ points \(95 % interval [−+]?[\d.]+ points to \+[\d.]+ points\)/);

    // Enrolled 45 days ago: the 30-day window has a result, the 60- and 90-day ones are pending.
    const spring = page.getByTestId('campaign-spring-offer');
    await expect(spring.getByTestId('window-30').textContent()).resolves.toContain('treated customers left');
    for (const days of [60, 90])
      await expect(spring.getByTestId(`window-${days}`).textContent()).resolves.toMatch(
        new RegExp(`^${days} days: pending \\d+ enrolled customers are still inside their ${days} days`),
      );
    await expect(spring.getByTestId('offers').textContent()).resolves.toMatch(
      /^Offers: 30 issued, 10 redeemed \(33\.3 %\), worth \$1\.2K\./,
    );
    // Advisors' marks, where the API reports them, stand apart from the measurement.
    const effect = await apiFromPage<{ campaigns: { campaignId: string; advisorOutcomes?: unknown }[] }>(
      'retention/effect',
    );
    if (effect.campaigns.find((c) => c.campaignId === 'spring-offer')?.advisorOutcomes)
      await expect(spring.getByTestId('advisor-outcomes').textContent()).resolves.toContain(
        'No advisor has marked a treated customer saved or lost yet.',
      );
    await expectEveryAxisTitled();
    await shot('charts-retention');
  });

  it('keeps the titled charts inside a phone screen, without console errors', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, name] of [
      ['/app/', 'charts-overview-phone'],
      ['/app/engagement', 'charts-engagement-phone'],
    ] as const) {
      await page.goto(`${product.url}${path}`);
      await page.waitForFunction(() => document.querySelectorAll('.chart .recharts-wrapper').length === 3);
      await expectEveryAxisTitled();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(name);
    }
    expect(consoleErrors).toEqual([]);
  });
});
