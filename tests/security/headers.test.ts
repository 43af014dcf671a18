import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser } from 'playwright-core';
import { ensureWebBuilt } from '../../cli/web-build.js';
import { dashboardCall } from '../support/dashboard-session.js';
import { startSignedInProduct, type SignedInProduct } from '../support/signed-in-product.js';

const HUB = 933;

let running: SignedInProduct;
const url = () => running.product.url;
const portalPath = (rest: string) => `/api/v1/portals/${running.portalId}${rest}`;

/** The directives of a Content-Security-Policy header, by name. */
function directives(header: string | null): Map<string, string> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(/\s+/)[0]!, d.slice(d.indexOf(' ') + 1)] as [string, string]),
  );
}

beforeAll(async () => {
  running = await startSignedInProduct(HUB);
}, 300_000);
afterAll(async () => {
  await running?.close();
});

describe('the dashboard and the API cannot be framed or sniffed', () => {
  it.each(['/app/at-risk', '/api/v1/session', '/healthz'])(
    '%s sends a CSP, nosniff and no framing',
    async (path) => {
      const answer = await fetch(`${url()}${path}`, { headers: { cookie: running.session.cookie } });
      const csp = directives(answer.headers.get('content-security-policy'));
      expect(csp.get('frame-ancestors')).toBe("'none'");
      expect(csp.get('default-src')).toBe("'self'");
      expect(csp.get('script-src')).toBe("'self'");
      expect(csp.has('upgrade-insecure-requests')).toBe(false);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
    },
  );

  it('the survey page keeps its own strict policy and cannot be framed either', async () => {
    const play = await dashboardCall<{ outputs: { survey_url: string } }>(
      url(),
      running.session,
      portalPath('/contacts/s1/plays'),
      { method: 'POST', body: { play: 'survey', requestKey: 'headers-survey-0001' } },
    );
    expect(play.status).toBe(201);
    const page = await fetch(play.body.outputs.survey_url);
    expect(page.status).toBe(200);
    const csp = directives(page.headers.get('content-security-policy'));
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });
});

describe('answers holding customers’ names and emails are never cached', () => {
  it.each(['/at-risk', '/at-risk.csv', '/contacts/s1', '/overview', '/retention/effect'])(
    '%s answers Cache-Control: no-store',
    async (rest) => {
      const answer = await dashboardCall(url(), running.session, portalPath(rest));
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
    },
  );

  it('the session, with the user’s email, too', async () => {
    const answer = await fetch(`${url()}/api/v1/session`, { headers: { cookie: running.session.cookie } });
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the built dashboard under its Content-Security-Policy', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it('renders the at-risk list and the overview charts with no policy violation', async () => {
    await ensureWebBuilt();
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
    const context = await browser.newContext();
    const [name, value] = running.session.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: url() }]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    await page.goto(`${url()}/app/`);
    await page.locator('svg.recharts-surface').first().waitFor({ timeout: 120_000 });
    await page.goto(`${url()}/app/at-risk`);
    await page.locator('table tbody tr').first().waitFor({ timeout: 120_000 });
    expect(problems).toEqual([]);
  }, 300_000);
});
