/**
 * The Model page leads with the out-of-time figures (fitted on older cutoffs, judged on the
 * latest), each with its 95 % interval and the churners it rests on; the cross-validated figures
 * stay, labelled as such. Without enough churners it says so, and a model trained before the check
 * existed shows its cross-validated figures as it always did.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureWebBuilt } from '../../cli/web-build.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { json } from '../../server/db/json.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import type { OutOfTimeCheck } from '../../server/model/out-of-time.js';
import { ROOT } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { SEEDED_METRICS, seedScoredPortal } from '../support/scored-portal.js';

const ARTIFACTS = join(ROOT, 'tests', 'artifacts', 'dashboard');
const HUB = 927;

const ROWS = { rows: 1209, churners: 80, fit_rows: 3391, fit_churners: 243 };
const MEASURED: OutOfTimeCheck = {
  ...ROWS,
  fit_period: { from: '2026-03-06T00:00:00.000Z', to: '2026-05-05T00:00:00.000Z' },
  validate_at: '2026-08-03T00:00:00.000Z',
  status: 'measured',
  groups: 992,
  repeated_contacts: 1069,
  resamples: 200,
  roc_auc: { value: 0.7936, low: 0.7499, high: 0.845 },
  pr_auc: { value: 0.3098, low: 0.2168, high: 0.413 },
  brier: { value: 0.0546, low: 0.0445, high: 0.065 },
  ece: 0.006,
  calibration_slope: { value: 1.1835, low: 0.941, high: 1.461 },
  calibration_intercept: { value: 0.503, low: -0.081, high: 1.044 },
};

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let browser: Browser;
let page: Page;
let portalId: number;
let modelId: number;
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
  ({ modelId } = await seedScoredPortal(db, portalId, { contacts: 120, weeks: 2, idPrefix: 'm' }));

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && message.location().url.startsWith(product.url))
      consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(`${product.url}/app/`);
  await page.getByRole('link', { name: 'Sign in with HubSpot' }).click();
  await page.locator('select[name=portalId]').selectOption(String(HUB));
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('h1').first().waitFor();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

async function storeMetrics(metrics: Record<string, unknown>): Promise<void> {
  await sql`update models set metrics = ${json(metrics)} where id = ${modelId}`.execute(product.ctx.db.db);
}

async function openModelPage(): Promise<void> {
  await page.goto(`${product.url}/app/model`);
  await page.getByRole('heading', { level: 1, name: 'Model' }).waitFor();
  await page.getByTestId('metric-roc-auc').waitFor();
}

const statValue = (testId: string) => page.getByTestId(testId).locator('.stat-value').textContent();
const statHint = (testId: string) => page.getByTestId(testId).locator('.stat-hint').textContent();
const statLabel = (testId: string) => page.getByTestId(testId).locator('.stat-label').textContent();

describe('the Model page', () => {
  it('leads with the out-of-time figures, their intervals and the churners they rest on', async () => {
    await storeMetrics({ ...SEEDED_METRICS, cv_split: 'groups', cv_groups: 950, out_of_time: MEASURED });
    const report = await page.evaluate(
      async (path) => (await fetch(path)).json(),
      `/api/v1/portals/${portalId}/model`,
    );
    expect((report as { active: { metrics: { out_of_time: unknown } } }).active.metrics.out_of_time).toEqual(
      MEASURED,
    );
    await openModelPage();
    await expect(statValue('metric-oot-roc-auc')).resolves.toBe('0.794');
    await expect(statHint('metric-oot-roc-auc')).resolves.toBe('95 %: 0.750–0.845 · 0.5 is chance');
    await expect(statValue('metric-oot-pr-auc')).resolves.toBe('0.310');
    await expect(statHint('metric-oot-pr-auc')).resolves.toBe('95 %: 0.217–0.413 · chance 0.066');
    await expect(statValue('metric-oot-calibration')).resolves.toBe('1.18');
    await expect(statHint('metric-oot-calibration')).resolves.toBe('95 %: 0.94–1.46 · 1 is calibrated');
    await expect(statValue('metric-oot-brier')).resolves.toBe('0.055');
    const basis = await page.getByTestId('oot-basis').textContent();
    expect(basis).toContain('Rests on 80 churners');
    expect(basis).toContain('1,209 customers');
    expect(basis).toContain('1,069 of these customers were also in the training rows');
    // What the interval does not cover, said where the figure is.
    expect(basis).toContain('not a change in why customers leave from one quarter to the next');
    // The cross-validated figure stays, second and named for what it is.
    await expect(statLabel('metric-roc-auc')).resolves.toBe('ROC-AUC, cross-validated by account');
    await expect(statValue('metric-roc-auc')).resolves.toBe('0.842');
    const oot = await page.getByTestId('metric-oot-roc-auc').boundingBox();
    const cv = await page.getByTestId('metric-roc-auc').boundingBox();
    expect(oot!.y).toBeLessThan(cv!.y);
    await page.locator('.recharts-surface').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'model-out-of-time.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it('says so when the latest cutoff holds too few churners, and shows the cross-validated figures', async () => {
    await storeMetrics({
      ...SEEDED_METRICS,
      cv_split: 'groups',
      out_of_time: { ...ROWS, churners: 6, status: 'too_few_churners', minimum: 10 },
    });
    await openModelPage();
    await expect(page.getByTestId('oot-too-few').textContent()).resolves.toContain(
      'hold only 6 churners (fewer than 10)',
    );
    expect(await page.getByTestId('metric-oot-roc-auc').count()).toBe(0);
    await expect(statLabel('metric-roc-auc')).resolves.toBe('ROC-AUC');
    await expect(statValue('metric-roc-auc')).resolves.toBe('0.842');
    await page.screenshot({ path: join(ARTIFACTS, 'model-too-few-churners.png'), fullPage: true });
  });

  it('shows a model trained before the check as it always did', async () => {
    await storeMetrics(SEEDED_METRICS);
    await openModelPage();
    await expect(statValue('metric-roc-auc')).resolves.toBe('0.842');
    expect(await page.getByTestId('metric-oot-roc-auc').count()).toBe(0);
    expect(await page.getByTestId('oot-basis').count()).toBe(0);
    expect(await page.getByTestId('oot-too-few').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
