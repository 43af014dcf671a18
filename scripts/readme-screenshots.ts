/**
 * The README's pictures, taken from a running demo (`npm run demo`) as its users see it: signs in
 * through the sandbox's consent page, opens the overview, the at-risk list, the riskiest account,
 * the riskiest customer's contact view and the retention effect at 1440×900 in Debian's Chromium,
 * and saves each as `docs/images/<page>.png`; then the riskiest customer's risk card, from the
 * answer the server gives HubSpot for it (a request signed as HubSpot signs it), drawn by
 * ./card-preview.
 *
 *   npx tsx scripts/readme-screenshots.ts --url http://127.0.0.1:3000 [--portal 100001]
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import type { ContactRisk } from '../app/cards/contact-risk.js';
import { HUBSPOT_APP } from '../cli/demo-crms.js';
import { fetchRiskCard } from '../tests/support/risk-card-fetch.js';
import { riskCardHtml } from './card-preview/render-card.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    portal: { type: 'string', default: '100001' },
    out: { type: 'string', default: 'docs/images' },
  },
});
const base = new URL(values.url!).origin;
const out = values.out!;

async function shoot(page: Page, name: string, heading: RegExp | string) {
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 60_000 });
  // Every panel's own request answered: nothing says "Loading…" in the picture.
  await page.waitForFunction(() => !document.body.innerText.includes('Loading'), null, { timeout: 60_000 });
  await page.screenshot({ path: join(out, `${name}.png`) });
  console.log(`${join(out, name)}.png  (${page.url()})`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  await mkdir(out, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${base}/app/login?portal=${encodeURIComponent(values.portal!)}`);
  await page.getByRole('button', { name: 'Approve' }).click();
  await shoot(page, 'dashboard-overview', 'Overview');

  await page.goto(`${base}/app/at-risk`);
  await shoot(page, 'dashboard-at-risk', 'At-risk list');

  await page.goto(`${base}/app/accounts`);
  await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
  await page.locator('table tbody tr a[href^="/app/accounts/"]').first().click();
  await shoot(page, 'dashboard-account', /.+/);

  await page.goto(`${base}/app/at-risk`);
  await page.getByRole('heading', { level: 1, name: 'At-risk list' }).waitFor();
  await page.locator('table tbody tr a[href^="/app/contacts/"]').first().click();
  await shoot(page, 'dashboard-contact', /.+/);
  const contactId = new URL(page.url()).pathname.split('/').pop()!;

  await page.goto(`${base}/app/retention`);
  await shoot(page, 'dashboard-retention', 'Retention effect');

  const card = await browser.newPage({ viewport: { width: 720, height: 900 } });
  const answer = await fetchRiskCard(base, Number(values.portal), contactId, HUBSPOT_APP);
  if (!answer.ok) throw new Error(`the card's request answered ${answer.status}: ${await answer.text()}`);
  await card.setContent(await riskCardHtml((await answer.json()) as ContactRisk));
  await card.locator('.card').screenshot({ path: join(out, 'risk-card.png') });
  console.log(`${join(out, 'risk-card')}.png  (contact ${contactId})`);
} finally {
  await browser.close();
}
