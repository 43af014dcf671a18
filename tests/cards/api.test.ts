import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';
import { seedDefaultProperties } from '../../sandbox/default-properties.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { adminUserId, DEFAULT_ROLES, type PortalData } from '../../sandbox/store.js';
import { CRM_OBJECT_TYPES } from '../../server/crm/connector.js';
import { signatureV3 } from '../../server/crm/hubspot/request-signature.js';
import { json } from '../../server/db/json.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import type { Database } from '../../server/db/schema.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { updatePortalSettings } from '../../server/settings/portal-settings.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { NO_LIMITS } from '../support/sandbox-server.js';

/** HubSpot portal ids: one synced with scores, one other synced portal, one still syncing. */
const HUB = 801;
const OTHER_HUB = 802;
const SYNCING_HUB = 803;
/** An advisor of each portal (a user, and so an owner, in the sandbox). */
const USER = 4711;
/** A colleague who only looks: the sandbox's view-only role. */
const VIEWER = 4712;
/** No user of any portal: HubSpot's users API answers 404 for it. */
const STRANGER = 99_999_999;
/** How long the product trusts what the users API said (its default, CARD_USER_CACHE_SECONDS). */
const USER_CACHE_MS = 60_000;

const DAY = 86_400_000;
/** Monday 06:00 UTC: the weekly run's time in these rows. */
const THIS_RUN = new Date('2026-11-02T06:00:00.000Z');
const weeksBefore = (weeks: number) => new Date(THIS_RUN.getTime() - weeks * 7 * DAY);

const REASONS = [
  // Stored by an older version: a missing value is never shown as a reason.
  { feature: 'country', label: 'Country', value: null, contribution: 1.2 },
  { feature: 'tickets_open_now', label: 'Tickets open now', value: 3, contribution: 0.9 },
  { feature: 'tenure_days', label: 'Days as a customer', value: 1200, contribution: -0.5 },
  { feature: 'days_since_last_use', label: 'Days since last use', value: 41.25, contribution: 0.4 },
  { feature: 'nps_last', label: 'Last NPS answer', value: 9, contribution: -0.1 },
];

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let hubPortal: PortalData;
/** Added to the product's clock: the card users' cache expires when the test moves it, not by waiting. */
let clockShift = 0;
let portalId: number;
let otherPortalId: number;
let latestScoreId: number;
const db = (): Kysely<Database> => product.ctx.db.db;

interface SignOptions {
  body?: unknown;
  secret?: string;
  timestamp?: number;
  /** Signs one URL and sends another, as a tampering proxy would. */
  sendPath?: string;
  unsigned?: boolean;
}

/** A request as HubSpot sends a card's `hubspot.fetch`: identity in the URL, v3-signed. */
function cardFetch(method: 'GET' | 'POST', pathAndQuery: string, options: SignOptions = {}) {
  const uri = `${product.url}${pathAndQuery}`;
  const raw = options.body === undefined ? '' : JSON.stringify(options.body);
  const timestamp = String(options.timestamp ?? Date.now());
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (!options.unsigned) {
    headers['X-HubSpot-Signature-v3'] = signatureV3(
      options.secret ?? PRODUCT_APP.clientSecret,
      method,
      uri,
      Buffer.from(raw),
      timestamp,
    );
    headers['X-HubSpot-Request-Timestamp'] = timestamp;
  }
  return fetch(`${product.url}${options.sendPath ?? pathAndQuery}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: raw } : {}),
  });
}

const riskPath = (hub: number, contactId: string, user = USER) =>
  `/api/v1/cards/contact-risk?contactId=${contactId}&userId=${user}&userEmail=advisor%40example.com&appId=${PRODUCT_APP.appId}&portalId=${hub}`;
const actionPath = (kind: 'plays' | 'feedback', hub = HUB, user = USER) =>
  `/api/v1/cards/${kind}?userId=${user}&appId=${PRODUCT_APP.appId}&portalId=${hub}`;

/** A HubSpot portal in the sandbox with the advisor and a view-only colleague, the app installed in it. */
async function installPortal(hub: number): Promise<{ id: number; portal: PortalData }> {
  const portal = sandbox.store.createPortal(hub);
  seedDefaultProperties(portal);
  const at = sandbox.store.now();
  const person = (first: string) => ({
    email: `${first.toLowerCase()}@hub${hub}.example`,
    firstName: first,
    lastName: 'Example',
    teams: [],
  });
  portal.addOwner({ ...person('Advisor'), roleIds: [DEFAULT_ROLES.success.id] }, at, USER);
  portal.addOwner({ ...person('Viewer'), roleIds: [DEFAULT_ROLES.viewer.id] }, at, VIEWER);
  const installed = await walkInstall(product.url, { portalId: hub });
  if (installed.status !== 200) throw new Error(`installing in ${hub} answered ${installed.status}`);
  const row = await findPortalByExternalId(db(), 'hubspot', String(hub));
  if (!row) throw new Error(`the install made no portal ${hub}`);
  return { id: row.id, portal };
}

async function completeSync(id: number) {
  await db()
    .insertInto('sync_cursors')
    .values(
      CRM_OBJECT_TYPES.map((type) => ({
        portal_id: id,
        object_type: type,
        full_sync_completed_at: THIS_RUN,
      })),
    )
    .execute();
}

async function addContact(id: number, contactId: string, firstname: string) {
  await db()
    .insertInto('contacts')
    .values({
      portal_id: id,
      id: contactId,
      email: `${firstname.toLowerCase()}@example.com`,
      first_name: firstname,
      properties: json({ firstname }),
    })
    .execute();
}

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ rateLimits: NO_LIMITS });
  product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    clock: () => Date.now() + clockShift,
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  const hub = await installPortal(HUB);
  portalId = hub.id;
  hubPortal = hub.portal;
  otherPortalId = (await installPortal(OTHER_HUB)).id;
  const syncingId = (await installPortal(SYNCING_HUB)).id;
  await completeSync(portalId);
  await completeSync(otherPortalId);
  await db()
    .insertInto('sync_cursors')
    .values({ portal_id: syncingId, object_type: 'contacts', full_sync_completed_at: THIS_RUN })
    .execute();

  await addContact(portalId, '1001', 'Ada');
  await addContact(portalId, '1002', 'Bo');
  await addContact(portalId, '1003', 'Chen');
  await addContact(otherPortalId, '2001', 'Dana');

  const model = await db()
    .insertInto('models')
    .values({ portal_id: portalId, version: 3, family: 'gbdt', status: 'active', feature_spec: json([]) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const starter = await db()
    .insertInto('models')
    .values({
      portal_id: otherPortalId,
      version: 1,
      family: 'logistic',
      is_starter: true,
      feature_spec: json([]),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // Ada: four weekly runs, and a rescoring later in the week before the current run. 0.5115 is a
  // tie at the tenth of a point that binary arithmetic gets wrong (0.5115 × 1000 = 511.49999…).
  const history: [Date, number][] = [
    [weeksBefore(3), 0.4137],
    [weeksBefore(2), 0.5521],
    [weeksBefore(1), 0.6],
    [new Date(weeksBefore(1).getTime() + 2 * DAY), 0.5115],
    [THIS_RUN, 0.8234],
  ];
  for (const [at, probability] of history) {
    const row = await db()
      .insertInto('scores')
      .values({
        portal_id: portalId,
        contact_id: '1001',
        model_id: model.id,
        probability,
        tier: probability >= 0.6 ? 'high' : 'medium',
        reasons: json(REASONS),
        scored_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    latestScoreId = row.id;
  }
  await db()
    .insertInto('scores')
    .values({
      portal_id: otherPortalId,
      contact_id: '2001',
      model_id: starter.id,
      probability: 0.12,
      tier: 'low',
      reasons: json([]),
      scored_at: THIS_RUN,
    })
    .execute();
  // Ada's renewal: the next open renewal deal, not the won one or the one further out.
  await db()
    .insertInto('deals')
    .values([
      {
        portal_id: portalId,
        id: 'd1',
        name: 'Renewal 2027',
        amount: 24000,
        deal_type: 'renewal',
        close_date: new Date(Date.now() + 40 * DAY),
      },
      {
        portal_id: portalId,
        id: 'd2',
        name: 'Renewal 2028',
        amount: 26000,
        deal_type: 'renewal',
        close_date: new Date(Date.now() + 400 * DAY),
      },
      {
        portal_id: portalId,
        id: 'd3',
        name: 'Renewal 2026',
        amount: 20000,
        deal_type: 'renewal',
        is_closed_won: true,
        close_date: new Date(Date.now() - 300 * DAY),
      },
    ])
    .execute();
  await db()
    .insertInto('associations')
    .values(
      ['d1', 'd2', 'd3'].map((to_id) => ({
        portal_id: portalId,
        from_type: 'contacts',
        from_id: '1001',
        to_type: 'deals',
        to_id,
      })),
    )
    .execute();
}, 300_000);

afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe('the card API refuses requests HubSpot did not sign', () => {
  it.each([
    ['no signature', { unsigned: true }],
    ['a signature made with another secret', { secret: 'not-our-secret' }],
    ['a signature older than five minutes', { timestamp: Date.now() - 6 * 60 * 1000 }],
    ['a signed URL whose portal was changed', { sendPath: riskPath(OTHER_HUB, '1001') }],
  ])('answers 401 to %s', async (_name, options) => {
    const response = await cardFetch('GET', riskPath(HUB, '1001'), options);
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('invalid_signature');
  });

  it("accepts a signature over the URI with HubSpot's documented escapes decoded", async () => {
    const sent = riskPath(HUB, '1001');
    expect(sent).toContain('advisor%40example.com');
    const uri = `${product.url}${sent}`.replace('%40', '@');
    const timestamp = String(Date.now());
    const response = await fetch(`${product.url}${sent}`, {
      headers: {
        'X-HubSpot-Signature-v3': signatureV3(
          PRODUCT_APP.clientSecret,
          'GET',
          uri,
          Buffer.alloc(0),
          timestamp,
        ),
        'X-HubSpot-Request-Timestamp': timestamp,
      },
    });
    expect(response.status).toBe(200);
  });

  it('answers 401 to a play whose body was changed after signing', async () => {
    const uri = `${product.url}${actionPath('plays')}`;
    const timestamp = String(Date.now());
    const signed = JSON.stringify({ contactId: '1001', play: 'offer', requestKey: 'tampered-key-1' });
    const response = await fetch(uri, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-HubSpot-Signature-v3': signatureV3(
          PRODUCT_APP.clientSecret,
          'POST',
          uri,
          Buffer.from(signed),
          timestamp,
        ),
        'X-HubSpot-Request-Timestamp': timestamp,
      },
      body: signed.replace('offer', 'survey'),
    });
    expect(response.status).toBe(401);
    expect(await db().selectFrom('retention_actions').select('id').execute()).toEqual([]);
  });
});

describe('GET /api/v1/cards/contact-risk', () => {
  it("answers 404 for another portal's contact", async () => {
    const response = await cardFetch('GET', riskPath(HUB, '2001'));
    expect(response.status).toBe(404);
    expect(await errorCode(response)).toBe('not_found');
  });

  it('answers 404 for a portal where the app is not installed', async () => {
    const response = await cardFetch('GET', riskPath(999, '1001'));
    expect(response.status).toBe(404);
  });

  it('gives a scored contact its score, tier, weekly trend, reasons, next step, renewal and model', async () => {
    const response = await cardFetch('GET', riskPath(HUB, '1001'));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.length).toBeLessThan(10_000);
    const view = JSON.parse(text);
    expect(view.status).toBe('scored');
    expect(view.contact).toEqual({ name: 'Ada', email: 'ada@example.com' });
    expect(view.score).toMatchObject({
      id: latestScoreId,
      value: 82.3,
      tier: 'high',
      scoredAt: THIS_RUN.toISOString(),
      model: { version: 3, family: 'gbdt', isStarter: false, label: 'gbdt model v3' },
    });
    // Last week's score is the last one of that week (the rescoring at 51.2), not its first run; the
    // change is the difference of the two scores as shown.
    expect(view.trend).toMatchObject({ change: 31.1, previous: 51.2 });
    expect(view.history).toEqual([
      { week: '2026-10-12', score: 41.4 },
      { week: '2026-10-19', score: 55.2 },
      { week: '2026-10-26', score: 51.2 },
      { week: '2026-11-02', score: 82.3 },
    ]);
    expect(view.reasons.map((r: { text: string; direction: string }) => [r.direction, r.text])).toEqual([
      ['raises', 'Tickets open now: 3'],
      ['lowers', 'Customer for 3 years'],
      ['raises', 'Last used the product 6 weeks ago'],
    ]);
    expect(view.recommendation).toEqual({
      play: 'proactive_support',
      title: 'Proactive support call',
      because: 'Tickets open now: 3',
    });
    expect(view.renewal).toMatchObject({ valueAtRisk: 24000, dealName: 'Renewal 2027' });
  });

  it('names the starter model', async () => {
    const view = await (await cardFetch('GET', riskPath(OTHER_HUB, '2001'))).json();
    expect(view.score.model).toMatchObject({ isStarter: true, label: 'Starter model' });
    expect(view.trend).toBeNull();
  });

  it('tells a contact not scored yet from a portal still syncing', async () => {
    const notScored = await (await cardFetch('GET', riskPath(HUB, '1002'))).json();
    expect(notScored).toMatchObject({ status: 'not_scored', score: null, reasons: [] });
    const syncing = await cardFetch('GET', riskPath(SYNCING_HUB, '5001'));
    expect(syncing.status).toBe(200);
    expect(await syncing.json()).toMatchObject({
      status: 'syncing',
      sync: { complete: false, objectTypesDone: 1, objectTypesTotal: CRM_OBJECT_TYPES.length },
    });
  });
});

describe('the card actions', () => {
  it('records a play once per request key, for the signed portal and user whatever the body says', async () => {
    const body = {
      contactId: '1003',
      play: 'check_in',
      requestKey: 'click-0001-abc',
      portalId: OTHER_HUB,
      userId: 1,
    };
    const first = await cardFetch('POST', actionPath('plays'), { body });
    expect(first.status).toBe(201);
    const created = await first.json();
    expect(created).toMatchObject({ play: 'check_in', status: 'pending', replayed: false });
    const again = await cardFetch('POST', actionPath('plays'), { body });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: created.id, replayed: true });

    const rows = await db()
      .selectFrom('retention_actions')
      .selectAll()
      .where('contact_id', '=', '1003')
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      portal_id: portalId,
      action: 'proactive-support',
      campaign_id: 'card',
      group: 'treatment',
      source: 'manual',
      inputs: { requestedBy: String(USER), play: 'check_in', campaign: 'card', holdout_percent: 0 },
    });
    // The check-in's ticket is CRM work for a worker.
    const queued = await product.ctx.queues.get('workflows').getJobs(['waiting', 'delayed', 'prioritized']);
    expect(queued.map((job) => job.data)).toContainEqual(expect.objectContaining({ actionId: created.id }));

    const second = await cardFetch('POST', actionPath('plays'), {
      body: { ...body, requestKey: 'click-0002-abc' },
    });
    expect(second.status).toBe(201);
    expect(
      await db().selectFrom('retention_actions').select('id').where('contact_id', '=', '1003').execute(),
    ).toHaveLength(2);
  });

  it('makes an offer code for the contact when the advisor sends a retention offer', async () => {
    const response = await cardFetch('POST', actionPath('plays'), {
      body: { contactId: '1002', play: 'offer', requestKey: 'click-0005-abc' },
    });
    expect(response.status).toBe(201);
    const answer = await response.json();
    expect(answer.outputs).toMatchObject({ offer_code: expect.any(String), group: 'treatment' });
    const offer = await db()
      .selectFrom('retention_offers')
      .selectAll()
      .where('retention_action_id', '=', answer.id)
      .executeTakeFirstOrThrow();
    expect(offer).toMatchObject({
      portal_id: portalId,
      contact_id: '1002',
      code: answer.outputs.offer_code,
      offer_type: 'free_month',
      campaign_id: 'card',
    });
  });

  it("refuses a play for another portal's contact, and an unknown play", async () => {
    const foreign = await cardFetch('POST', actionPath('plays'), {
      body: { contactId: '2001', play: 'offer', requestKey: 'click-0003-abc' },
    });
    expect(foreign.status).toBe(404);
    const unknown = await cardFetch('POST', actionPath('plays'), {
      body: { contactId: '1003', play: 'discount', requestKey: 'click-0004-abc' },
    });
    expect(unknown.status).toBe(400);
  });

  it('stores "this looks wrong" once per request key, with the user, score and comment', async () => {
    const body = {
      contactId: '1001',
      scoreId: latestScoreId,
      comment: 'They just renewed.',
      requestKey: 'flag-0001-xyz',
    };
    const first = await cardFetch('POST', actionPath('feedback'), { body });
    expect(first.status).toBe(201);
    const again = await cardFetch('POST', actionPath('feedback'), { body });
    expect(again.status).toBe(200);
    expect((await again.json()).replayed).toBe(true);
    const rows = await db().selectFrom('score_feedback').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      portal_id: portalId,
      contact_id: '1001',
      score_id: latestScoreId,
      user_id: String(USER),
      comment: 'They just renewed.',
    });
  });

  it("refuses feedback naming another contact's score", async () => {
    const response = await cardFetch('POST', actionPath('feedback'), {
      body: { contactId: '1002', scoreId: latestScoreId, requestKey: 'flag-0002-xyz' },
    });
    expect(response.status).toBe(404);
  });
});

describe('who may act from the card, as the portal says', () => {
  const countRows = async (table: 'retention_actions' | 'score_feedback', requestKey: string) =>
    (
      await db()
        .selectFrom(table)
        .select('id')
        .where(
          table === 'retention_actions' ? 'callback_id' : 'request_key',
          '=',
          table === 'retention_actions' ? `card:${requestKey}` : requestKey,
        )
        .execute()
    ).length;

  it('refuses a signed request from someone who is no user of the portal, and stores nothing', async () => {
    const play = await cardFetch('POST', actionPath('plays', HUB, STRANGER), {
      body: { contactId: '1002', play: 'survey', requestKey: 'stranger-play-1' },
    });
    expect(play.status).toBe(403);
    expect(await errorCode(play)).toBe('not_a_portal_user');
    const flag = await cardFetch('POST', actionPath('feedback', HUB, STRANGER), {
      body: { contactId: '1001', scoreId: latestScoreId, requestKey: 'stranger-flag-1' },
    });
    expect(flag.status).toBe(403);
    expect(await errorCode(flag)).toBe('not_a_portal_user');
    const risk = await cardFetch('GET', riskPath(HUB, '1001', STRANGER));
    expect(risk.status).toBe(403);
    expect(await countRows('retention_actions', 'stranger-play-1')).toBe(0);
    expect(await countRows('score_feedback', 'stranger-flag-1')).toBe(0);
    expect(
      await db().selectFrom('survey_requests').select('id').where('contact_id', '=', '1002').execute(),
    ).toEqual([]);
  });

  it('tells the card what this user may do, and the server does just that', async () => {
    const advisor = await (await cardFetch('GET', riskPath(HUB, '1001'))).json();
    expect(advisor.viewer).toEqual({ userId: String(USER), canRunPlays: true, canGiveFeedback: true });

    await updatePortalSettings(
      db(),
      portalId,
      { cardPlays: { who: 'admins_and_roles', roleIds: [DEFAULT_ROLES.success.id] } },
      'test',
    );
    try {
      const viewer = await (await cardFetch('GET', riskPath(HUB, '1001', VIEWER))).json();
      expect(viewer.viewer).toEqual({ userId: String(VIEWER), canRunPlays: false, canGiveFeedback: true });
      const refused = await cardFetch('POST', actionPath('plays', HUB, VIEWER), {
        body: { contactId: '1002', play: 'offer', requestKey: 'viewer-play-1' },
      });
      expect(refused.status).toBe(403);
      expect(await errorCode(refused)).toBe('plays_not_allowed');
      expect(await countRows('retention_actions', 'viewer-play-1')).toBe(0);
      const flagged = await cardFetch('POST', actionPath('feedback', HUB, VIEWER), {
        body: { contactId: '1001', scoreId: latestScoreId, requestKey: 'viewer-flag-1' },
      });
      expect(flagged.status).toBe(201);

      // The advisor's role is chosen, and the portal's super admin may always.
      const advisorPlay = await cardFetch('POST', actionPath('plays', HUB, USER), {
        body: { contactId: '1002', play: 'survey', requestKey: 'advisor-play-1' },
      });
      expect(advisorPlay.status).toBe(201);
      const admin = await (await cardFetch('GET', riskPath(HUB, '1001', adminUserId(HUB)))).json();
      expect(admin.viewer.canRunPlays).toBe(true);
    } finally {
      await updatePortalSettings(db(), portalId, { cardPlays: { who: 'any_user' } }, 'test');
    }
  });

  it('shows the risk without buttons when HubSpot cannot say who the user is, and starts nothing', async () => {
    hubPortal.addOwner(
      { email: 'newcomer@hub801.example', firstName: 'Nia', lastName: 'Newcomer', teams: [] },
      sandbox.store.now(),
      4801,
    );
    const faults = `${sandbox.url}/_sandbox/portals/${HUB}/faults`;
    const set = await fetch(faults, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1, errorStatus: 503, seed: 1 }),
    });
    expect(set.status).toBe(200);
    try {
      const risk = await cardFetch('GET', riskPath(HUB, '1001', 4801));
      expect(risk.status).toBe(200);
      const view = await risk.json();
      expect(view.score).not.toBeNull();
      expect(view.viewer).toMatchObject({ userId: '4801', canRunPlays: false, canGiveFeedback: false });
      expect(view.viewer.unavailable).toMatch(/could not say who you are/);
      const play = await cardFetch('POST', actionPath('plays', HUB, 4801), {
        body: { contactId: '1002', play: 'offer', requestKey: 'unchecked-play-1' },
      });
      expect(play.status).toBe(503);
      expect(await errorCode(play)).toBe('user_check_unavailable');
      expect(await countRows('retention_actions', 'unchecked-play-1')).toBe(0);
      // Asked again at once, the portal is answered from what just failed, without waiting again.
      const again = await cardFetch('GET', riskPath(HUB, '1001', 4802));
      expect((await again.json()).viewer.unavailable).toMatch(/could not say who you are/);
    } finally {
      await fetch(faults, { method: 'DELETE' });
      // Past the moment the failure is remembered: the next card asks HubSpot again.
      clockShift += 15_001;
    }
    const recovered = await cardFetch('GET', riskPath(HUB, '1001', 4801));
    expect((await recovered.json()).viewer).toEqual({
      userId: '4801',
      canRunPlays: true,
      canGiveFeedback: true,
    });
  }, 300_000);

  it('takes the right from a user removed in the portal once what the portal said has expired', async () => {
    const leaver = hubPortal.addOwner(
      { email: 'leaver@hub801.example', firstName: 'Lee', lastName: 'Leaver', teams: [] },
      sandbox.store.now(),
      4799,
    );
    const play = (requestKey: string) =>
      cardFetch('POST', actionPath('plays', HUB, 4799), {
        body: { contactId: '1003', play: 'survey', requestKey },
      });
    expect((await play('leaver-play-1')).status).toBe(201);

    // Deactivated in HubSpot: the users API no longer knows them.
    leaver.archived = true;
    // What the portal said a moment ago still holds, for at most the cache's time.
    expect((await play('leaver-play-2')).status).toBe(201);

    clockShift += USER_CACHE_MS + 1;
    const refused = await play('leaver-play-3');
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe('not_a_portal_user');
    expect(await countRows('retention_actions', 'leaver-play-3')).toBe(0);
  });
});
