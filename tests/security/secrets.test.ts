/**
 * No secret in a log line or an API answer: a portal installed and scored end to end (sync, model,
 * scores, write-back, a token expired and refreshed mid-run), every log line of the product and
 * its worker at debug level, and the body of every dashboard read, scanned for the OAuth tokens the
 * CRM issued, the app's client secret, the token encryption key and the session cookie.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { generatePortal } from '../../sandbox/generator/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { enqueueCycle } from '../../server/jobs/cycle-job.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { latestRunProgress } from '../../server/scoring/runs.js';
import { signInToDashboard, type DashboardSession } from '../support/dashboard-session.js';
import { waitUntil } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

const HUB = 7401;
const CONTACTS = 300;
const ENCRYPTION_KEY = randomBytes(32).toString('hex');

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalId: number;
let session: DashboardSession;
const logLines: string[] = [];
const answers = new Map<string, string>();

const cycleDone = (trigger: string) =>
  waitUntil(async () => {
    const run = await latestRunProgress(product.ctx.db.db, portalId);
    return run?.trigger === trigger && (run.status === 'succeeded' || run.status === 'failed');
  }, 300_000);

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 100_000, searchPerSecond: 100_000 },
  });
  generatePortal(sandbox.store.portal(HUB)!, { contacts: CONTACTS, seed: 11 });
  product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    env: { TOKEN_ENCRYPTION_KEY: ENCRYPTION_KEY },
    logTo: { level: 'debug', write: (line) => void logLines.push(line) },
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  await product.startWorker();
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
  await cycleDone('install');

  // The access token expires mid-life: the next cycle refreshes it, and that must not be logged either.
  const expired = await fetch(`${sandbox.url}/_sandbox/portals/${HUB}/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ expireTokens: true }),
  });
  expect(expired.status).toBe(200);
  await enqueueCycle(product.ctx.queues, portalId, 'manual');
  await cycleDone('manual');

  session = await signInToDashboard(product.url, HUB);
  const base = `/api/v1/portals/${portalId}`;
  const top = (await (
    await fetch(`${product.url}${base}/at-risk`, { headers: { cookie: session.cookie } })
  ).json()) as { rows: { contactId: string; companyId?: string | null }[] };
  const paths = [
    '/api/v1/session',
    `${base}/overview`,
    `${base}/at-risk`,
    `${base}/at-risk.csv`,
    `${base}/contacts/${top.rows[0]!.contactId}`,
    `${base}/accounts`,
    `${base}/engagement`,
    `${base}/lost`,
    `${base}/model`,
    `${base}/jobs`,
    `${base}/owners`,
    `${base}/settings`,
    `${base}/retention/effect`,
    `${base}/usage-api-key-status`,
    `${base}/reports/quality`,
  ];
  for (const path of paths) {
    const answer = await fetch(`${product.url}${path}`, { headers: { cookie: session.cookie } });
    answers.set(`${path} (${answer.status})`, await answer.text());
  }
}, 600_000);

afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

/** The secrets this run made: every token the CRM issued, the client secret, the key, the session. */
function secrets(): { name: string; value: string }[] {
  const tokens = [...sandbox.store.oauthTokens.values()]
    .filter((t) => t.portalId === HUB)
    .map((t) => ({ name: `${t.use} issued at ${t.issuedAt.toISOString()}`, value: t.token }));
  return [
    ...tokens,
    { name: 'the client secret', value: PRODUCT_APP.clientSecret },
    { name: 'the token encryption key', value: ENCRYPTION_KEY },
    { name: 'the session cookie', value: session.cookie.split('=')[1]! },
  ];
}

function leaks(texts: Iterable<[string, string]>): string[] {
  const found: string[] = [];
  for (const [where, text] of texts)
    for (const secret of secrets()) if (text.includes(secret.value)) found.push(`${secret.name} in ${where}`);
  return found;
}

describe('secrets', () => {
  it('were really used: tokens issued and refreshed, a cycle logged, every read answered', () => {
    const tokens = [...sandbox.store.oauthTokens.values()].filter((t) => t.portalId === HUB);
    // The install's pair, the dashboard sign-in's, and at least one refreshed access token.
    expect(tokens.filter((t) => t.use === 'access_token').length).toBeGreaterThanOrEqual(3);
    const messages = new Set(logLines.map((line) => (JSON.parse(line) as { msg: string }).msg));
    for (const logged of [
      'portal installed',
      'refreshed access token',
      'scoring cycle finished',
      'dashboard sign-in',
    ])
      expect(messages).toContain(logged);
    expect([...answers.keys()].filter((k) => !k.endsWith('(200)'))).toEqual([]);
  });

  it('never appear in a log line of the product or its worker', () => {
    expect(leaks(logLines.map((line, i) => [`log line ${i + 1}`, line] as [string, string]))).toEqual([]);
  });

  it('never appear in an answer of the dashboard API', () => {
    expect(leaks(answers)).toEqual([]);
  });
});
