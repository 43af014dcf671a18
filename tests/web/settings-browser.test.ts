import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureWebBuilt } from '../../cli/web-build.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { portalSchedulerId } from '../../server/jobs/portal-schedules.js';
import { nextRunAt } from '../../web/src/pages/settings-schedule.js';
import { ROOT } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

/** Screenshots of Settings, kept as test artefacts (gitignored). */
const ARTIFACTS = join(ROOT, 'tests', 'artifacts', 'dashboard');
const HUB = 931;
const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
/** WCAG AA for normal text. */
const AA = 4.5;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let browser: Browser;
let page: Page;
let portalId: number;
const consoleErrors: string[] = [];
/** Every PUT of the settings the page sent. */
const settingsPuts: string[] = [];
/** Every contrast measured, by page: kept as an artefact beside the screenshots. */
const contrasts: Record<string, { what: string; ratio: number; fg: string; bg: string }[]> = {};

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
  await seedScoredPortal(db, portalId, { contacts: 120, weeks: 4, idPrefix: 'c' });

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  page = await (await browser.newContext({ viewport: WIDE })).newPage();
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
  writeFileSync(join(ARTIFACTS, 'contrast.json'), `${JSON.stringify(contrasts, null, 1)}\n`);
  await browser?.close();
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

interface Stored {
  defaultHoldoutPercent: number;
  churnRule: { kind: string; formerStage?: string };
  tiers: { kind: string; highShare: number; mediumShare: number };
  schedule: { day: string; hour: number; timeZone: string };
  options: { stages: { value: string; label: string }[]; defaultFormerStage: string };
}

/** The API, called from the signed-in page (its cookie), as the dashboard itself calls it. */
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
const stored = async () => (await callFromPage<Stored>(`/api/v1/portals/${portalId}/settings`)).body;

const openSettings = async () => {
  await page.goto(`${product.url}/app/settings`);
  await page.getByLabel('Default holdout (%)').waitFor();
};
const field = (label: string) => page.getByLabel(label, { exact: true });
/**
 * The message shown for a field once it reads `text`: the element its aria-describedby names, so
 * a message that is only near the field, not linked to it, is not found.
 */
async function expectMessage(label: string, text: string) {
  const id = await field(label).getAttribute('id');
  const message = page.locator(`[id="${id}-message"]`);
  await message.filter({ hasText: text }).waitFor();
  await expect(message.textContent()).resolves.toBe(text);
  await expect(field(label).getAttribute('aria-describedby')).resolves.toContain(`${id}-message`);
  await expect(field(label).getAttribute('aria-invalid')).resolves.toBe('true');
}
const effect = () => page.getByTestId('settings-effect').textContent();
const save = () => page.getByRole('button', { name: 'Save settings' }).click();

/**
 * The WCAG contrast ratio of each badge, button, link and message shown, from the rendered colours:
 * the text's colour over the first opaque background behind it (translucent ones blended in, and
 * opacity applied), by the relative-luminance formula.
 */
function contrastOfPage(): Promise<{ what: string; ratio: number; fg: string; bg: string }[]> {
  return page.evaluate(() => {
    type Rgba = [number, number, number, number];
    const parse = (css: string): Rgba => {
      const n = css.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
      return [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0, css.startsWith('rgba') ? (n[3] ?? 1) : 1];
    };
    const over = (top: Rgba, under: Rgba): Rgba => {
      const a = top[3];
      return [0, 1, 2].map((i) => top[i]! * a + under[i]! * (1 - a)).concat(1) as Rgba;
    };
    const opacityOf = (element: Element) => {
      let opacity = 1;
      for (let e: Element | null = element; e; e = e.parentElement)
        opacity *= Number(getComputedStyle(e).opacity);
      return opacity;
    };
    const backgroundOf = (element: Element): Rgba => {
      const layers: Rgba[] = [];
      for (let e: Element | null = element; e; e = e.parentElement) {
        const layer = parse(getComputedStyle(e).backgroundColor);
        layer[3] *= opacityOf(e) / (e.parentElement ? opacityOf(e.parentElement) : 1);
        if (layer[3] > 0) layers.push(layer);
        if (layer[3] >= 1) break;
      }
      return layers.reduceRight((under, top) => over(top, under), [255, 255, 255, 1] as Rgba);
    };
    const luminance = (c: Rgba) => {
      const [r, g, b] = [0, 1, 2].map((i) => {
        const s = c[i]! / 255;
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const hex = (c: Rgba) =>
      `#${[0, 1, 2].map((i) => Math.round(c[i]!).toString(16).padStart(2, '0')).join('')}`;
    const selector = [
      '.tag',
      '.badge',
      '[class*="tier"]',
      'button',
      '.button',
      'a[href]',
      '.field-message',
      '.settings-effect',
    ].join(',');
    return Array.from(document.querySelectorAll(selector))
      .filter((e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')
      .filter((e) => (e.textContent ?? '').trim() !== '')
      .map((e) => {
        const bg = backgroundOf(e);
        const color = parse(getComputedStyle(e).color);
        color[3] *= opacityOf(e);
        const fg = over(color, bg);
        const [light, dark] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
        const disabled = (e as HTMLButtonElement).disabled ? ' (disabled)' : '';
        const what = `${e.tagName.toLowerCase()}.${Array.from(e.classList).join('.')} “${(e.textContent ?? '').trim().slice(0, 40)}”${disabled}`;
        return {
          what,
          ratio: Math.round(((light! + 0.05) / (dark! + 0.05)) * 100) / 100,
          fg: hex(fg),
          bg: hex(bg),
        };
      });
  });
}

async function expectReadable(where: string, kinds: RegExp[]) {
  const measured = await contrastOfPage();
  contrasts[where] = measured;
  for (const kind of kinds)
    expect({ where, kind: String(kind), found: measured.some((m) => kind.test(m.what)) }).toEqual({
      where,
      kind: String(kind),
      found: true,
    });
  expect({ where, below: measured.filter((m) => m.ratio < AA) }).toEqual({ where, below: [] });
  return measured;
}

describe.each([
  ['wide', WIDE],
  ['phone', PHONE],
] as const)('Settings on a %s screen', (name, viewport) => {
  beforeAll(async () => {
    await page.setViewportSize(viewport);
  });

  it('fits the screen, names the page, and offers the CRM stages and the time zones as lists', async () => {
    await openSettings();
    await expect(page.title()).resolves.toBe('Settings — Churn Radar');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    const settings = await stored();
    expect(settings.options.defaultFormerStage).toBe('other');
    const stages = await field('Former-customer stage')
      .locator('option')
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(stages).toEqual(settings.options.stages.map((s) => s.value));
    expect(stages[0]).toBe('other');
    expect(stages).not.toContain('customer');
    await expect(field('Former-customer stage').inputValue()).resolves.toBe('other');

    const zones = field('time zone').locator('option');
    expect(await zones.count()).toBeGreaterThan(300);
    await expect(zones.filter({ hasText: 'London — Europe/London (UTC' }).count()).resolves.toBe(1);
    await page.screenshot({
      path: join(ARTIFACTS, name === 'wide' ? 'settings.png' : 'settings-phone.png'),
      fullPage: true,
    });
  });

  it('refuses text in a % field where it is typed, in words, and saves nothing', async () => {
    await openSettings();
    const holdout = field('Default holdout (%)');
    await holdout.fill('ten');
    await expectMessage('Default holdout (%)', 'Enter a number, such as 10');
    await holdout.fill('60');
    await expectMessage('Default holdout (%)', 'Enter a whole number from 0 to 50');
    await field('High tier: riskiest share (%)').fill('70');
    await field('Medium tier: next share (%)').fill('50');
    await expectMessage(
      'Medium tier: next share (%)',
      'The high and medium shares together cannot exceed 100 %',
    );
    const putsBefore = settingsPuts.length;
    await save();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Nothing was saved: fix the 2 fields marked above.' })
      .waitFor();
    // The first field marked has the focus, and nothing went to the server.
    await expect(page.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toBe(
      'mediumShare',
    );
    expect(settingsPuts.length).toBe(putsBefore);
    expect((await stored()).defaultHoldoutPercent).toBe(10);
    expect((await stored()).tiers.highShare).toBeCloseTo(0.1, 6);
    expect(await page.getByRole('status').filter({ hasText: 'Saved' }).count()).toBe(0);
    await expectReadable(`settings refused, ${name}`, [/field-message/, /button\.primary/]);
    if (name === 'wide')
      await page.screenshot({ path: join(ARTIFACTS, 'settings-refused.png'), fullPage: true });
  });

  it("shows the server's refusal next to the field it concerns", async () => {
    await openSettings();
    // What the form lets through but the server refuses, as it would answer.
    await page.route(`**/api/v1/portals/${portalId}/settings`, (route) =>
      route.request().method() === 'PUT'
        ? route.fulfill({
            status: 400,
            contentType: 'application/json',
            body: JSON.stringify({
              error: {
                code: 'invalid_request',
                message:
                  'Nothing was saved. Retrain after (days): enter a whole number of days from 7 to 365.',
                details: [
                  { field: 'retrainAfterDays', message: 'Enter a whole number of days from 7 to 365' },
                ],
              },
            }),
          })
        : route.fallback(),
    );
    await field('Retrain after (days)').fill('40');
    await save();
    await expectMessage('Retrain after (days)', 'Enter a whole number of days from 7 to 365');
    await page.getByRole('alert').filter({ hasText: 'Nothing was saved. Retrain after (days)' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Saved' }).count()).toBe(0);
    await page.unrouteAll();

    // The server's own answer, field by field, in words.
    const refused = await callFromPage<{ error: { message: string; details: unknown } }>(
      `/api/v1/portals/${portalId}/settings`,
      'PUT',
      { defaultHoldoutPercent: 'abc', tiers: { kind: 'share', highShare: 0.7, mediumShare: 0.5 } },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      { field: 'mediumShare', message: 'The high and medium shares together cannot exceed 100 %' },
      { field: 'defaultHoldoutPercent', message: 'Enter a number, such as 10' },
    ]);
    expect(refused.body.error.message).not.toMatch(/tiers|highShare|must not/);
  });

  it('asks before setting the holdout to 0, and says when changes take effect', async () => {
    await openSettings();
    await expect(effect()).resolves.toMatch(
      /^Changes to the tiers and the churn rule take effect at the next run, Monday 06:00 UTC \(in \d+ (day|hour|minute)s?\)\.$/,
    );
    await field('Default holdout (%)').fill('0');
    await save();
    const dialog = page.getByRole('alertdialog');
    await expect(dialog.textContent()).resolves.toContain(
      'No control group: you will not be able to measure whether campaigns work. Set the holdout to 0 %?',
    );
    // The question has the focus, on the answer that does what was asked.
    await page.waitForFunction(() => document.activeElement?.textContent === 'Set the holdout to 0 %');
    await expectReadable(`holdout confirmation, ${name}`, [/button\.button\.danger “Set the holdout/]);
    if (name === 'phone')
      await page.screenshot({ path: join(ARTIFACTS, 'settings-confirm-phone.png'), fullPage: true });
    await dialog.getByRole('button', { name: 'Keep a control group' }).click();
    expect((await stored()).defaultHoldoutPercent).toBe(10);

    await save();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Set the holdout to 0 %' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expect(effect()).resolves.toContain('The holdout applies to contacts enrolled from now on');
    expect((await stored()).defaultHoldoutPercent).toBe(0);

    // Back to 10 % (no question asked), with a new weekly slot and tiers.
    await field('Default holdout (%)').fill('10');
    await field('Weekly run: day').selectOption('friday');
    await field('hour').selectOption('9');
    await field('time zone').selectOption('Europe/London');
    await field('High tier: riskiest share (%)').fill('12');
    const before = await effect();
    expect(before).toMatch(
      /^The weekly run moves: the next run will then be Friday 09:00 Europe\/London \(in \d+ (day|hour|minute)s?\)\. Changes to the tiers take effect at the next run, Friday 09:00 Europe\/London/,
    );
    await save();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expect(effect()).resolves.toMatch(
      /^Saved\. The next run is Friday 09:00 Europe\/London \(in \d+ (day|hour|minute)s?\)\. The new tiers take effect at the next run/,
    );
    const now = await stored();
    expect(now.defaultHoldoutPercent).toBe(10);
    expect(now.schedule).toEqual({ day: 'friday', hour: 9, timeZone: 'Europe/London' });
    expect(now.tiers.highShare).toBeCloseTo(0.12, 6);
    // The sentence's next run is the one the queue's schedule holds.
    const scheduler = await product.ctx.queues
      .get('score')
      .getJobScheduler(portalSchedulerId(portalId, 'cycle'));
    expect(scheduler?.next).toBe(nextRunAt(now.schedule, new Date())?.getTime());

    // The former-customer stage, picked from the CRM's: stored by name, and the default by none.
    await field('Former-customer stage').selectOption('subscriber');
    await save();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expect(effect()).resolves.toContain('The new churn rule takes effect at the next run');
    expect((await stored()).churnRule).toEqual({
      kind: 'lifecycle_stage',
      renewalLost: true,
      formerStage: 'subscriber',
    });
    await field('Former-customer stage').selectOption('other');
    await field('Weekly run: day').selectOption('monday');
    await field('hour').selectOption('6');
    await field('time zone').selectOption('UTC');
    await field('High tier: riskiest share (%)').fill('10');
    await save();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const reset = await stored();
    expect(reset.churnRule).toEqual({ kind: 'lifecycle_stage', renewalLost: true });
    expect(reset.schedule).toEqual({ day: 'monday', hour: 6, timeZone: 'UTC' });
    await expectReadable(`settings saved, ${name}`, [/settings-effect\.saved/]);
  }, 300_000);

  it('names each page in the title, and every badge, button and link reads at AA contrast', async () => {
    await page.goto(`${product.url}/app/`);
    await page.getByTestId('stat-high').waitFor();
    await expect(page.title()).resolves.toBe('Churn risk overview — Churn Radar');
    await expectReadable(`overview, ${name}`, [/^a\. “At-risk list”/, /^a\. “Overview”/]);

    await page.goto(`${product.url}/app/at-risk`);
    await page.locator('tbody tr').first().waitFor();
    await expect(page.title()).resolves.toBe('At-risk customers — Churn Radar');
    await expectReadable(`at-risk, ${name}`, [
      /span\.tag\.(high|medium|low)/,
      /a\.button\.primary/,
      /\(disabled\)/,
    ]);

    // The riskiest contact, and one of low risk: each tier's badge on the contact view.
    for (const tier of ['high', 'low']) {
      const list = await callFromPage<{ rows: { contactId: string; name: string }[] }>(
        `/api/v1/portals/${portalId}/at-risk?tier=${tier}&limit=1`,
      );
      const contact = list.body.rows[0]!;
      await page.goto(`${product.url}/app/contacts/${contact.contactId}`);
      await page.getByRole('heading', { level: 1, name: contact.name }).waitFor();
      await page.waitForFunction((title) => document.title === title, `${contact.name} — Churn Radar`);
      await expectReadable(`contact (${tier}), ${name}`, [
        new RegExp(`span\\.tag\\.${tier}`),
        /a\.button “Open in the CRM/,
      ]);
    }

    await openSettings();
    await expectReadable(`settings, ${name}`, [
      /button\.button\.primary “Save settings”/,
      /button\.button\.danger/,
    ]);
    // Only the refusals the tests asked for were logged.
    expect(consoleErrors.filter((m) => !/status of 400 .*\/portals\/\d+\/settings\)/.test(m))).toEqual([]);
  }, 300_000);
});
