/**
 * Every route a CRM calls, authenticated by a signature or a secret rather than a dashboard
 * session, read from the product's own router (a route added later fails the classification test
 * until it is listed here), tried the ways a stranger or an eavesdropper would: with no signature,
 * a forged one (the right form, the wrong secret), a stale one (correctly signed longer ago than
 * the product's window, SIGNATURE_MAX_AGE_MS, or dated as far ahead) and a replay (the exact same
 * signed request twice). Each refusal is a 401 with its JSON error and leaves every table, the
 * portals and the queues as they were; a replay is answered as the first call was (or refused)
 * and does nothing twice.
 *
 * How each caller proves itself:
 * - HubSpot's webhooks and the risk card's fetches: the v3 signature (HMAC of method, URL, body and
 *   timestamp).
 * - HubSpot's workflow-action calls: v3 when present, else v2, HubSpot's documented scheme for
 *   actions. v2 carries no time, so a request signed with v2 alone cannot be stale: a replay of it
 *   is answered from its callbackId, as the first call was, and creates nothing.
 * - The Salesforce package's Apex: the org's secret with its org id. A secret carries no time:
 *   "stale" is the secret the org held before it was rotated, and there is no "future".
 * - Usage events from the customer's product: the portal's usage API key; "stale" is the key
 *   before it was rotated, and there is no "future".
 *
 * Left out, and why:
 * - `/api/v1/portals/:portalId/…` and `/api/v1/session…`: the dashboard's session (or the
 *   operator's call from this machine), tried in route-matrix.test.ts.
 * - `/oauth/install`, `/app/login`, `/oauth/callback`: the OAuth round trip, held by a signed state
 *   bound to the browser that started it (oauth-state.test.ts); no CRM signs them.
 * - `/s/:token`: a customer's survey link, opened in their browser: the link is the credential
 *   (192 bits, only its hash kept) and takes one answer (survey-and-offers.test.ts). There are no
 *   offer links: codes are redeemed through the dashboard's routes.
 * - `/`, `/healthz`, `/healthz/worker`, `/app…`: public reads holding no portal's data, and the
 *   dashboard's page.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'kysely';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../../sandbox/salesforce/main.js';
import type { SalesforceOrg } from '../../sandbox/salesforce/org.js';
import { adminUserId } from '../../sandbox/store.js';
import { signatureV2, signatureV3 } from '../../sandbox/webhooks/signing.js';
import { createApp } from '../../server/api/app.js';
import type { CrmConnector } from '../../server/crm/connector.js';
import { SIGNATURE_MAX_AGE_MS } from '../../server/crm/hubspot/request-signature.js';
import { provisionOrgCredential } from '../../server/crm/org-credentials.js';
import {
  ORG_HEADER,
  PLAYS_PERMISSION_SET,
  SECRET_HEADER,
  USER_HEADER,
} from '../../server/crm/salesforce/org-package.js';
import { json } from '../../server/db/json.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { QUEUE_NAMES } from '../../server/jobs/queues.js';
import { createUsageApiKey, rotateUsageApiKey } from '../../server/sync/usage/api-keys.js';
import { SALESFORCE_APP, walkSalesforceInstall } from '../contract/salesforce-driver.js';
import { appRoutes, type AppRoute } from '../support/app-routes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { NO_LIMITS } from '../support/sandbox-server.js';

const HUB = 7601;
/** A customer in each portal's warehouse: HubSpot's digits, Salesforce's 18 characters. */
const HUB_CONTACT = '1001';
const SF_CONTACT = '003000000000001AAA';
/** An org id of the right form that no install holds. */
const UNKNOWN_ORG = '00D000000000009AAA';
const WRONG_SECRET = 'not-the-app-client-secret';
/** A minute past the product's window, either way. */
const OUT_OF_WINDOW_MS = SIGNATURE_MAX_AGE_MS + 60_000;
const LOYALTY = {
  campaign: 'signatures',
  points: 10,
  period_days: 30,
  cap_per_period: 1000,
  holdout_percent: 0,
};

let redis: EmbeddedRedis;
let hubspot: RunningSandbox;
let salesforce: RunningSalesforceSandbox;
let product: TestProduct;
let org: SalesforceOrg;
let routes: AppRoute[];
/** The Salesforce org's secret now, and the one it held before it was rotated. */
const orgSecret = { current: '', replaced: '' };
/** The HubSpot portal's usage API key now, and the one it replaced. */
const usageKey = { current: '', replaced: '' };

/** Each call gets its own keys (event ids, callback ids, request keys): an accepted one would act. */
let sequence = 0;
const next = () => ++sequence;

interface CrmCall {
  method: 'GET' | 'POST';
  /** The path and query, as the CRM sends them. */
  path: string;
  /** The exact bytes signed and sent ('' for a GET). */
  body: string;
}

const get = (path: string): CrmCall => ({ method: 'GET', path, body: '' });
const post = (path: string, body: unknown): CrmCall => ({ method: 'POST', path, body: JSON.stringify(body) });

type Scheme = 'hubspot-v3' | 'hubspot-action' | 'org-secret' | 'usage-key';

interface CrmFacingRoute {
  scheme: Scheme;
  /** A call as the CRM makes it, with fresh keys. */
  call(): CrmCall;
  /** The answer a replay must give, from the first call's answer. */
  replayAnswer(first: unknown): unknown;
}

/** The identity HubSpot appends to a card's fetch URL: the portal and its user (a super admin here). */
const cardPath = (path: string) =>
  `${path}${path.includes('?') ? '&' : '?'}userId=${adminUserId(HUB)}&appId=${PRODUCT_APP.appId}&portalId=${HUB}`;
const sameAnswer = (first: unknown) => first;
const namedAgain = (first: unknown) => ({ ...(first as object), replayed: true });

const CRM_FACING: Record<string, CrmFacingRoute> = {
  'POST /webhooks/hubspot': {
    scheme: 'hubspot-v3',
    call: () =>
      post('/webhooks/hubspot', [
        {
          eventId: 5_000_000 + next(),
          subscriptionId: 1,
          portalId: HUB,
          appId: PRODUCT_APP.appId,
          occurredAt: Date.now(),
          subscriptionType: 'contact.propertyChange',
          attemptNumber: 0,
          objectId: Number(HUB_CONTACT),
          propertyName: 'lifecyclestage',
          propertyValue: 'customer',
        },
      ]),
    replayAnswer: () => ({ recorded: 0, duplicates: 1, ignored: 0, refetchJobs: 0 }),
  },
  'POST /workflow-actions/:action': {
    scheme: 'hubspot-action',
    call: () =>
      post('/workflow-actions/loyalty-reward', {
        callbackId: `ap-${HUB}-${next()}`,
        origin: { portalId: HUB },
        object: { objectId: Number(HUB_CONTACT), objectType: 'CONTACT' },
        inputFields: LOYALTY,
      }),
    replayAnswer: sameAnswer,
  },
  'GET /api/v1/cards/contact-risk': {
    scheme: 'hubspot-v3',
    call: () => get(cardPath(`/api/v1/cards/contact-risk?contactId=${HUB_CONTACT}`)),
    replayAnswer: sameAnswer,
  },
  'POST /api/v1/cards/plays': {
    scheme: 'hubspot-v3',
    call: () =>
      post(cardPath('/api/v1/cards/plays'), {
        contactId: HUB_CONTACT,
        play: 'offer',
        requestKey: `card-play-${next()}`,
      }),
    replayAnswer: namedAgain,
  },
  'POST /api/v1/cards/feedback': {
    scheme: 'hubspot-v3',
    call: () =>
      post(cardPath('/api/v1/cards/feedback'), {
        contactId: HUB_CONTACT,
        comment: 'This score looks too high.',
        requestKey: `card-flag-${next()}`,
      }),
    replayAnswer: namedAgain,
  },
  'GET /api/v1/salesforce/contacts/:contactId/risk': {
    scheme: 'org-secret',
    call: () => get(`/api/v1/salesforce/contacts/${SF_CONTACT}/risk`),
    replayAnswer: sameAnswer,
  },
  'POST /api/v1/salesforce/contacts/:contactId/plays': {
    scheme: 'org-secret',
    call: () =>
      post(`/api/v1/salesforce/contacts/${SF_CONTACT}/plays`, {
        play: 'offer',
        requestKey: `sf-play-${next()}`,
      }),
    replayAnswer: namedAgain,
  },
  'POST /api/v1/salesforce/contacts/:contactId/score-feedback': {
    scheme: 'org-secret',
    call: () =>
      post(`/api/v1/salesforce/contacts/${SF_CONTACT}/score-feedback`, {
        comment: 'This score looks too high.',
        requestKey: `sf-flag-${next()}`,
      }),
    replayAnswer: namedAgain,
  },
  'POST /api/v1/salesforce/actions/:action': {
    scheme: 'org-secret',
    call: () =>
      post('/api/v1/salesforce/actions/loyalty-reward', {
        requests: [{ contactId: SF_CONTACT, requestKey: `flow-${next()}`, ...LOYALTY }],
      }),
    replayAnswer: (first) => ({
      results: (first as { results: object[] }).results.map((r) => ({ ...r, replayed: true })),
    }),
  },
  'POST /api/v1/usage-events': {
    scheme: 'usage-key',
    call: () =>
      post('/api/v1/usage-events', {
        events: [
          {
            eventId: `usage-${next()}`,
            contact: { id: HUB_CONTACT },
            occurredAt: new Date().toISOString(),
            name: 'session',
            durationSeconds: 600,
          },
        ],
      }),
    replayAnswer: () => ({ accepted: 0, duplicates: 1 }),
  },
};

/** The routes this file does not try, each with where it is tried instead. */
const LEFT_OUT: { covers: (route: AppRoute) => boolean; why: string }[] = [
  {
    covers: (r) => r.path.startsWith('/api/v1/portals/:portalId/') || r.path.startsWith('/api/v1/session'),
    why: "the dashboard's session: route-matrix.test.ts",
  },
  {
    covers: (r) => ['/oauth/install', '/oauth/callback', '/app/login'].includes(r.path),
    why: 'the OAuth round trip: oauth-state.test.ts',
  },
  { covers: (r) => r.path === '/s/:token', why: "a customer's survey link: survey-and-offers.test.ts" },
  {
    covers: (r) =>
      r.method === 'GET' && ['/', '/healthz', '/healthz/worker', '/app', '/app/{*path}'].includes(r.path),
    why: 'public reads without portal data',
  },
];

const routeKey = (route: AppRoute) => `${route.method} ${route.path}`;

function hubspotV3(call: CrmCall, secret: string, at: number): Record<string, string> {
  return {
    'X-HubSpot-Signature-v3': signatureV3(secret, call.method, product.url + call.path, call.body, at),
    'X-HubSpot-Request-Timestamp': String(at),
  };
}

function hubspotV2(call: CrmCall, secret: string): Record<string, string> {
  return {
    'X-HubSpot-Signature': signatureV2(secret, call.method, product.url + call.path, call.body),
    'X-HubSpot-Signature-Version': 'v2',
  };
}

const orgHeaders = (secret: string | undefined, orgId = org.orgId): Record<string, string> => ({
  [ORG_HEADER]: orgId,
  [USER_HEADER]: org.adminUser.Id,
  ...(secret === undefined ? {} : { [SECRET_HEADER]: secret }),
});
const bearer = (key: string): Record<string, string> => ({ Authorization: `Bearer ${key}` });

type Kind = 'valid' | 'none' | 'forged' | 'stale' | 'future';
interface Signer {
  label: string;
  sign(call: CrmCall): Record<string, string>;
}

const SECRET = PRODUCT_APP.clientSecret;
const unsigned: Signer = { label: 'unsigned', sign: () => ({}) };
const ago = () => Date.now() - OUT_OF_WINDOW_MS;
const ahead = () => Date.now() + OUT_OF_WINDOW_MS;

/** How each scheme signs a call, rightly and in each wrong way; an empty list: it cannot be wrong that way. */
const SIGNERS: Record<Scheme, Record<Kind, Signer[]>> = {
  'hubspot-v3': {
    valid: [{ label: 'v3', sign: (c) => hubspotV3(c, SECRET, Date.now()) }],
    none: [unsigned],
    forged: [{ label: 'v3 with another secret', sign: (c) => hubspotV3(c, WRONG_SECRET, Date.now()) }],
    stale: [{ label: 'v3 signed too long ago', sign: (c) => hubspotV3(c, SECRET, ago()) }],
    future: [{ label: 'v3 dated too far ahead', sign: (c) => hubspotV3(c, SECRET, ahead()) }],
  },
  'hubspot-action': {
    valid: [
      {
        label: 'v2 and v3, as HubSpot sends them',
        sign: (c) => ({ ...hubspotV2(c, SECRET), ...hubspotV3(c, SECRET, Date.now()) }),
      },
      { label: 'v2 alone', sign: (c) => hubspotV2(c, SECRET) },
    ],
    none: [unsigned],
    forged: [
      {
        label: 'v2 and v3 with another secret',
        sign: (c) => ({ ...hubspotV2(c, WRONG_SECRET), ...hubspotV3(c, WRONG_SECRET, Date.now()) }),
      },
      { label: 'v2 alone with another secret', sign: (c) => hubspotV2(c, WRONG_SECRET) },
      { label: 'v3 alone with another secret', sign: (c) => hubspotV3(c, WRONG_SECRET, Date.now()) },
    ],
    stale: [
      {
        label: 'v2 and v3 signed too long ago',
        sign: (c) => ({ ...hubspotV2(c, SECRET), ...hubspotV3(c, SECRET, ago()) }),
      },
      { label: 'v3 alone signed too long ago', sign: (c) => hubspotV3(c, SECRET, ago()) },
    ],
    future: [
      {
        label: 'v2 and v3 dated too far ahead',
        sign: (c) => ({ ...hubspotV2(c, SECRET), ...hubspotV3(c, SECRET, ahead()) }),
      },
      { label: 'v3 alone dated too far ahead', sign: (c) => hubspotV3(c, SECRET, ahead()) },
    ],
  },
  'org-secret': {
    valid: [{ label: "the org's secret", sign: () => orgHeaders(orgSecret.current) }],
    none: [{ label: 'no secret', sign: () => orgHeaders(undefined) }],
    forged: [
      { label: 'a secret of the right form', sign: () => orgHeaders(randomBytes(32).toString('base64url')) },
      {
        label: "the org's secret naming another org",
        sign: () => orgHeaders(orgSecret.current, UNKNOWN_ORG),
      },
    ],
    stale: [{ label: 'the secret before its rotation', sign: () => orgHeaders(orgSecret.replaced) }],
    future: [],
  },
  'usage-key': {
    valid: [{ label: "the portal's key", sign: () => bearer(usageKey.current) }],
    none: [unsigned],
    forged: [
      {
        label: 'a key of the right form',
        sign: () =>
          bearer(`cru_${randomBytes(6).toString('base64url')}_${randomBytes(32).toString('base64url')}`),
      },
    ],
    stale: [{ label: 'the key before its rotation', sign: () => bearer(usageKey.replaced) }],
    future: [],
  },
};

/** The error each scheme refuses with (always a 401). */
const REFUSAL_CODE: Record<Scheme, string> = {
  'hubspot-v3': 'invalid_signature',
  'hubspot-action': 'invalid_signature',
  'org-secret': 'unauthorized',
  'usage-key': 'invalid_api_key',
};

interface Answer {
  status: number;
  body: unknown;
}

async function send(call: CrmCall, headers: Record<string, string>): Promise<Answer> {
  const answer = await fetch(`${product.url}${call.path}`, {
    method: call.method,
    headers: { ...(call.method === 'POST' ? { 'Content-Type': 'application/json' } : {}), ...headers },
    ...(call.method === 'POST' ? { body: call.body } : {}),
  });
  const text = await answer.text();
  try {
    return { status: answer.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: answer.status, body: text };
  }
}

/** A refusal as the product documents it: 401 and `{ error: { code, message } }`. */
function refusal(answer: Answer, scheme: Scheme): string | undefined {
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const ok =
    answer.status === 401 &&
    error?.code === REFUSAL_CODE[scheme] &&
    typeof error.message === 'string' &&
    error.message.length > 0;
  return ok ? undefined : `${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
}

interface Tally {
  rows: number;
  /** A digest of the rows' content, so an update shows too. */
  digest: string;
}

/** Every table's rows, and every queue's jobs. */
async function snapshot(): Promise<Record<string, Tally>> {
  const db = product.ctx.db.db;
  const state: Record<string, Tally> = {};
  for (const table of await db.introspection.getTables()) {
    if (table.name.startsWith('kysely_')) continue;
    const { rows } = await sql<{ n: number; digest: string | null }>`
      select count(*)::integer as n, md5(string_agg(t::text, '|' order by t::text)) as digest
      from ${sql.table(table.name)} t`.execute(db);
    state[table.name] = { rows: Number(rows[0]!.n), digest: rows[0]!.digest ?? '' };
  }
  for (const name of QUEUE_NAMES) {
    const counts = await product.ctx.queues.get(name).getJobCounts();
    state[`queue ${name}`] = { rows: Object.values(counts).reduce((a, b) => a + b, 0), digest: '' };
  }
  return state;
}

function changes(before: Record<string, Tally>, after: Record<string, Tally>): string[] {
  return Object.keys(after).filter((name) => !isDeepStrictEqual(before[name], after[name]));
}

/** How many rows (or jobs) each table (or queue) gained. */
function growth(before: Record<string, Tally>, after: Record<string, Tally>): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after)
      .map((name) => [name, after[name]!.rows - (before[name]?.rows ?? 0)] as const)
      .filter(([, added]) => added !== 0),
  );
}

/** Sets a new secret for the org as the product rotates it; the org's side keeps what it was given. */
async function rotateOrgSecret(portalId: number): Promise<string> {
  let given = '';
  const orgSide: Pick<CrmConnector, 'setOrgSecret'> = {
    setOrgSecret: async (_portalId, secret) => {
      given = secret;
      return 'set';
    },
  };
  expect(await provisionOrgCredential(product.ctx.db.db, orgSide as CrmConnector, portalId)).toBe('set');
  return given;
}

const crmFacing = () =>
  routes
    .filter((r) => routeKey(r) in CRM_FACING)
    .map((r) => ({ key: routeKey(r), ...CRM_FACING[routeKey(r)]! }));

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  hubspot = await startSandbox({ portals: [HUB], rateLimits: NO_LIMITS });
  salesforce = await startSalesforceSandbox();
  product = await startTestProduct({
    crmUrl: hubspot.url,
    redisUrl: redis.url,
    env: {
      SALESFORCE_CLIENT_ID: SALESFORCE_APP.clientId,
      SALESFORCE_CLIENT_SECRET: SALESFORCE_APP.clientSecret,
      SALESFORCE_LOGIN_URL: salesforce.loginUrl,
    },
  });
  const callback = `${product.url}/oauth/callback`;
  hubspot.store.registerApp({ ...PRODUCT_APP, redirectUris: [callback] });
  salesforce.auth.registerApp({ ...SALESFORCE_APP, redirectUris: [callback] });
  expect((await walkInstall(product.url, { portalId: HUB, namedCrm: true })).status).toBe(200);
  org = salesforce.store.createOrg();
  expect((await walkSalesforceInstall(product.url, org.orgId)).status).toBe(200);
  // The org's admin may start plays, as the package's permission set grants.
  const plays = org.create('PermissionSet', { Name: PLAYS_PERMISSION_SET, Label: 'Churn Radar plays' });
  org.create('PermissionSetAssignment', { AssigneeId: org.adminUser.Id, PermissionSetId: plays.Id });
  await product.ctx.queues.get('system').drain();

  const db = product.ctx.db.db;
  const hubPortal = (await findPortalByExternalId(db, 'hubspot', String(HUB)))!.id;
  const sfPortal = (await findPortalByExternalId(db, 'salesforce', org.orgId))!.id;
  await db
    .insertInto('contacts')
    .values([
      { portal_id: hubPortal, id: HUB_CONTACT, email: 'ada@example.com', properties: json({}) },
      { portal_id: sfPortal, id: SF_CONTACT, email: 'bo@example.com', properties: json({}) },
    ])
    .execute();
  orgSecret.replaced = await rotateOrgSecret(sfPortal);
  orgSecret.current = await rotateOrgSecret(sfPortal);
  usageKey.replaced = (await createUsageApiKey(db, hubPortal)).key;
  usageKey.current = (await rotateUsageApiKey(db, hubPortal)).key;
  routes = appRoutes(createApp(product.ctx));
}, 300_000);

afterAll(async () => {
  await product?.close();
  await salesforce?.close();
  await hubspot?.close();
  await redis?.stop();
});

const REFUSALS: [Exclude<Kind, 'valid'>, string][] = [
  ['none', 'a request with no signature'],
  ['forged', 'a forged signature'],
  ['stale', 'a stale signature'],
  ['future', 'a signature dated past the window ahead'],
];

describe('every CRM-facing route', () => {
  it('is classified: each route of the product is tried here or left out for a stated reason', () => {
    const unclassified = routes
      .filter((r) => !(routeKey(r) in CRM_FACING) && !LEFT_OUT.some((l) => l.covers(r)))
      .map(routeKey);
    expect(unclassified).toEqual([]);
    const served = new Set(routes.map(routeKey));
    expect(Object.keys(CRM_FACING).filter((key) => !served.has(key))).toEqual([]);
  });

  for (const [kind, name] of REFUSALS) {
    it(`refuses ${name} with a 401 and its JSON error, and changes nothing`, async () => {
      const before = await snapshot();
      const outcomes: string[] = [];
      for (const route of crmFacing()) {
        for (const signer of SIGNERS[route.scheme][kind]) {
          const call = route.call();
          const wrong = refusal(await send(call, signer.sign(call)), route.scheme);
          if (wrong) outcomes.push(`${route.key} (${signer.label}): ${wrong}`);
        }
      }
      expect(outcomes).toEqual([]);
      expect(changes(before, await snapshot())).toEqual([]);
    });
  }

  it('answers a replayed request as it answered the first, and does nothing twice', async () => {
    const outcomes: string[] = [];
    for (const route of crmFacing()) {
      for (const signer of SIGNERS[route.scheme].valid) {
        const where = `${route.key} (${signer.label})`;
        const call = route.call();
        const headers = signer.sign(call);
        const before = await snapshot();
        const first = await send(call, headers);
        const afterFirst = await snapshot();
        const second = await send(call, headers);
        const afterSecond = await snapshot();
        if (first.status < 200 || first.status > 299) {
          outcomes.push(`${where}: the first call answered ${first.status} ${JSON.stringify(first.body)}`);
          continue;
        }
        if (call.method === 'POST' && changes(before, afterFirst).length === 0)
          outcomes.push(`${where}: the first call did nothing`);
        const doubled = changes(afterFirst, afterSecond);
        if (doubled.length > 0) outcomes.push(`${where}: the replay changed ${doubled.join(', ')}`);
        const refused = refusal(second, route.scheme) === undefined;
        const answeredAgain =
          second.status >= 200 &&
          second.status <= 299 &&
          isDeepStrictEqual(second.body, route.replayAnswer(first.body));
        if (!refused && !answeredAgain)
          outcomes.push(
            `${where}: the replay answered ${second.status} ${JSON.stringify(second.body)} after ${JSON.stringify(first.body)}`,
          );
      }
    }
    expect(outcomes).toEqual([]);
  });

  it('acts once for the same signed request sent twice at once', async () => {
    const outcomes: string[] = [];
    for (const route of crmFacing()) {
      for (const signer of SIGNERS[route.scheme].valid) {
        const where = `${route.key} (${signer.label})`;
        const single = route.call();
        const before = await snapshot();
        await send(single, signer.sign(single));
        const afterOne = await snapshot();
        const call = route.call();
        const headers = signer.sign(call);
        const answers = await Promise.all([send(call, headers), send(call, headers)]);
        const afterTwo = await snapshot();
        for (const answer of answers)
          if (answer.status < 200 || answer.status > 299)
            outcomes.push(`${where}: answered ${answer.status} ${JSON.stringify(answer.body)}`);
        const once = growth(before, afterOne);
        const twice = growth(afterOne, afterTwo);
        if (!isDeepStrictEqual(once, twice))
          outcomes.push(
            `${where}: one call added ${JSON.stringify(once)}, two at once ${JSON.stringify(twice)}`,
          );
      }
    }
    expect(outcomes).toEqual([]);
  });
});
