import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Signature } from '@hubspot/api-client';
import type { Job } from 'bullmq';
import { sql } from 'kysely';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { SandboxStore } from '../../sandbox/store.js';
import { createWebhooksRouter, type ClosableRouter } from '../../sandbox/webhooks/router.js';
import { json } from '../../server/db/json.js';
import { findPortalByExternalId, markPortalUninstalled } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { REFETCH_JOB, refetchJobSchema } from '../../server/jobs/refetch-job.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { callApi } from '../support/sandbox-server.js';
import { waitUntil } from '../support/processes.js';

/** Installed in the product. */
const HUB = 701;
/** Has the app installed in the CRM, but the product never completed an install for it. */
const STRANGER_HUB = 702;
/** Installed in the product, then uninstalled. */
const GONE_HUB = 703;

let redis: EmbeddedRedis;
let store: SandboxStore;
let webhooks: ClosableRouter;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalId: number;
const tokens = new Map<number, string>();

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  store = new SandboxStore();
  webhooks = createWebhooksRouter(store, {
    delivery: { batchWindowMs: 50, retryDelayMs: 100, maxAttempts: 3 },
  });
  sandbox = await startSandbox({
    store,
    portals: [HUB, STRANGER_HUB, GONE_HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    extraRouters: [webhooks],
  });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  // What the HubSpot project declares: the product's webhook URL, and subscriptions for the app.
  store.registerApp({
    ...PRODUCT_APP,
    redirectUris: [`${product.url}/oauth/callback`],
    webhookTargetUrl: `${product.url}/webhooks/hubspot`,
  });
  const subscribed = await fetch(`${sandbox.url}/_sandbox/apps/${PRODUCT_APP.appId}/webhooks`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      subscriptions: [
        { eventType: 'contact.creation', active: true },
        { eventType: 'contact.propertyChange', propertyName: 'lifecyclestage', active: true },
        { eventType: 'contact.deletion', active: true },
        { eventType: 'object.creation', objectTypeId: '0-49', active: true },
      ],
    }),
  });
  expect(subscribed.status).toBe(200);

  for (const hub of [HUB, GONE_HUB])
    expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  for (const hub of [HUB, STRANGER_HUB, GONE_HUB]) tokens.set(hub, await crmToken(hub));
  portalId = (await findPortalByExternalId(db(), 'hubspot', String(HUB)))!.id;
}, 300_000);

afterAll(async () => {
  webhooks.close();
  await product.close();
  await sandbox.close();
  await redis.stop();
});

const db = () => product.ctx.db.db;

/** A token for the CRM's API, as another integration (or the CRM's own UI) changing records would use. */
async function crmToken(hub: number): Promise<string> {
  const response = await fetch(`${sandbox.url}/_sandbox/portals/${hub}/installs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      appId: PRODUCT_APP.appId,
      scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'sales-email-read'],
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function createContact(hub: number, properties: Record<string, string>): Promise<string> {
  const created = await callApi<{ id: string }>(
    sandbox.url,
    tokens.get(hub)!,
    'POST',
    '/crm/objects/2026-03/contacts',
    { properties },
  );
  expect(created.status).toBe(201);
  return created.body.id;
}

async function refetchJobs(): Promise<Job[]> {
  const jobs = await product.ctx.queues
    .get('sync')
    .getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
  return jobs.filter((job) => job.name === REFETCH_JOB);
}

async function eventRows(objectId?: string) {
  let query = db().selectFrom('webhook_events').selectAll().where('portal_id', '=', portalId);
  if (objectId) query = query.where('object_id', '=', objectId);
  return query.orderBy('event_id').execute();
}

/** Waits until `count` events about the object are recorded and their jobs queued. */
async function handedOff(objectId: string, count: number): Promise<void> {
  await waitUntil(async () => {
    const rows = await eventRows(objectId);
    return rows.length === count && rows.every((r) => r.processed_at instanceof Date);
  });
}

interface Delivery {
  eventIds: number[];
  status?: number;
  outcome: string;
}

async function deliveries(): Promise<Delivery[]> {
  const response = await fetch(`${sandbox.url}/_sandbox/apps/${PRODUCT_APP.appId}/deliveries`);
  return ((await response.json()) as { results: Delivery[] }).results;
}

/** What the database and the queue hold, to prove a refused request changed neither. */
async function snapshot(): Promise<string> {
  const rows = await sql`select * from webhook_events order by portal_id, event_id`.execute(db());
  const audit = await sql`select action from audit_log order by id`.execute(db());
  const jobs = (await refetchJobs()).map((job) => job.id).sort();
  return JSON.stringify([rows.rows, audit.rows, jobs]);
}

let nextEventId = 9_000_000;

function hubSpotEvent(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    eventId: (nextEventId += 1),
    subscriptionId: 77,
    portalId: HUB,
    appId: PRODUCT_APP.appId,
    occurredAt: Date.now(),
    subscriptionType: 'contact.creation',
    attemptNumber: 0,
    changeSource: 'CRM',
    ...fields,
  };
}

/** A request as HubSpot would sign it, signed with HubSpot's own SDK helper. */
async function postSigned(
  events: unknown[],
  options: { secret?: string; timestamp?: number; signedUrl?: string; sentBody?: string } = {},
): Promise<Response> {
  const url = `${product.url}/webhooks/hubspot`;
  const body = JSON.stringify(events);
  const timestamp = options.timestamp ?? Date.now();
  const signature = Signature.getSignature('POST', 'v3', {
    signature: '',
    clientSecret: options.secret ?? PRODUCT_APP.clientSecret,
    requestBody: body,
    url: options.signedUrl ?? url,
    timestamp,
  });
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-HubSpot-Signature-v3': signature,
      'X-HubSpot-Request-Timestamp': String(timestamp),
    },
    body: options.sentBody ?? body,
  });
}

describe('webhooks the CRM delivers', () => {
  it('a contact created and changed in the CRM arrives signed, is recorded, and queues one re-fetch of it', async () => {
    const id = await createContact(HUB, { email: 'webhook-one@example.com', lifecyclestage: 'customer' });
    const patched = await callApi(
      sandbox.url,
      tokens.get(HUB)!,
      'PATCH',
      `/crm/objects/2026-03/contacts/${id}`,
      {
        properties: { lifecyclestage: 'other', firstname: 'Not subscribed' },
      },
    );
    expect(patched.status).toBe(200);

    await handedOff(id, 2);
    const rows = await eventRows(id);
    expect(rows.map((r) => r.subscription_type).sort()).toEqual([
      'contact.creation',
      'contact.propertyChange',
    ]);
    expect(rows.every((r) => r.processed_at instanceof Date)).toBe(true);
    expect(rows.find((r) => r.subscription_type === 'contact.propertyChange')!.payload).toMatchObject({
      portalId: HUB,
      objectId: Number(id),
      propertyName: 'lifecyclestage',
      propertyValue: 'other',
    });

    const jobs = (await refetchJobs()).filter((job) => job.data.objectIds.includes(id));
    expect(jobs).toHaveLength(1);
    expect(refetchJobSchema.parse(jobs[0]!.data)).toEqual({
      portalId,
      objectType: 'contacts',
      objectIds: [id],
    });

    // The CRM saw a 2xx for every delivery and so will not retry.
    const delivered = (await deliveries()).filter((d) => d.eventIds.map(String).includes(rows[0]!.event_id));
    expect(delivered.map((d) => [d.status, d.outcome])).toEqual([[200, 'DELIVERED']]);
  });

  it('a contact deleted in the CRM is queued as deleted, not re-read', async () => {
    const id = await createContact(HUB, { email: 'webhook-gone@example.com' });
    await handedOff(id, 1);
    const archived = await callApi(
      sandbox.url,
      tokens.get(HUB)!,
      'DELETE',
      `/crm/objects/2026-03/contacts/${id}`,
    );
    expect(archived.status).toBe(204);

    await handedOff(id, 2);
    const jobs = (await refetchJobs()).filter((job) => job.data.deleted?.includes(id));
    expect(jobs.map((job) => job.data)).toEqual([
      { portalId, objectType: 'contacts', objectIds: [], deleted: [id] },
    ]);
  });

  it('an email logged in the CRM queues a re-fetch of emails', async () => {
    const created = await callApi<{ id: string }>(
      sandbox.url,
      tokens.get(HUB)!,
      'POST',
      '/crm/objects/2026-03/emails',
      {
        properties: { hs_timestamp: new Date().toISOString(), hs_email_subject: 'Renewal' },
      },
    );
    expect(created.status).toBe(201);
    await handedOff(created.body.id, 1);
    const jobs = (await refetchJobs()).filter((job) => job.data.objectType === 'emails');
    expect(jobs.map((job) => job.data)).toEqual([
      { portalId, objectType: 'emails', objectIds: [created.body.id] },
    ]);
  });

  it('events for a portal the product does not serve are acknowledged and dropped', async () => {
    const gone = (await findPortalByExternalId(db(), 'hubspot', String(GONE_HUB)))!;
    await markPortalUninstalled(db(), gone.id, 'test');
    const before = await snapshot();
    const deliveredBefore = (await deliveries()).length;

    await createContact(STRANGER_HUB, { email: 'stranger@example.com' });
    await createContact(GONE_HUB, { email: 'gone@example.com' });
    await waitUntil(async () => (await deliveries()).length >= deliveredBefore + 1);
    await waitUntil(async () => {
      const recent = (await deliveries()).slice(deliveredBefore);
      return recent.reduce((n, d) => n + d.eventIds.length, 0) >= 2;
    });
    const recent = (await deliveries()).slice(deliveredBefore);
    expect(recent.every((d) => d.status === 200 && d.outcome === 'DELIVERED')).toBe(true);
    const all = await sql<{
      n: number;
    }>`select count(*)::int as n from webhook_events where portal_id = ${gone.id}`.execute(db());
    expect(all.rows[0]!.n).toBe(0);
    expect(await snapshot()).toBe(before);
  });
});

describe('requests that must change nothing', () => {
  const event = () => hubSpotEvent({ objectId: 424242 });

  it.each([
    ['signed with another secret', { secret: 'not-our-secret' }],
    ['signed six minutes ago', { timestamp: Date.now() - 6 * 60 * 1000 }],
    ['signed for another address', { signedUrl: 'http://127.0.0.1:1/webhooks/hubspot' }],
    ['whose body was changed after signing', { sentBody: JSON.stringify([{ ...event(), objectId: 1 }]) }],
  ])('a request %s gets 401', async (_label, options) => {
    const before = await snapshot();
    const response = await postSigned([event()], options);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(await snapshot()).toBe(before);
  });

  it('a request without signature headers gets 401', async () => {
    const before = await snapshot();
    const response = await fetch(`${product.url}/webhooks/hubspot`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([event()]),
    });
    expect(response.status).toBe(401);
    expect((await response.json()) as unknown).toMatchObject({
      error: { code: 'invalid_signature', message: expect.stringContaining('X-HubSpot-Signature-v3') },
    });
    expect(await snapshot()).toBe(before);
  });

  it('a signed body that is not a batch of events gets 400 naming the field', async () => {
    const before = await snapshot();
    const response = await postSigned([{ ...event(), occurredAt: 'yesterday' }]);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { message: expect.stringContaining('0.occurredAt') },
    });
    expect(await snapshot()).toBe(before);
  });
});

describe('replays', () => {
  it('a delivered event sent again (a retry with a higher attemptNumber) is processed once', async () => {
    const [row] = await eventRows();
    const original = row!.payload as Record<string, unknown>;
    const before = await snapshot();
    const response = await postSigned([{ ...original, attemptNumber: Number(original.attemptNumber) + 1 }]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ recorded: 0, duplicates: 1, ignored: 0, refetchJobs: 0 });
    expect(await snapshot()).toBe(before);
  });

  it('the same new batch delivered twice at once records each event once and queues one job', async () => {
    const batch = [hubSpotEvent({ objectId: 515151 }), hubSpotEvent({ objectId: 525252 })];
    const rowsBefore = (await eventRows()).length;
    const answers = await Promise.all([postSigned(batch), postSigned(batch)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect((await eventRows()).length).toBe(rowsBefore + 2);
    const jobs = (await refetchJobs()).filter((job) => job.data.objectIds.includes('515151'));
    expect(jobs.map((job) => job.data)).toEqual([
      { portalId, objectType: 'contacts', objectIds: ['515151', '525252'] },
    ]);
  });
});

describe('a privacy deletion (GDPR)', () => {
  const CONTACT = '880088';

  async function seedContact(): Promise<void> {
    const model = await db()
      .insertInto('models')
      .values({ portal_id: portalId, version: 1, family: 'logistic', feature_spec: json({}) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('contacts')
      .values([
        { portal_id: portalId, id: CONTACT, email: 'Forget.Me@example.com' },
        { portal_id: portalId, id: '880099', email: 'keep.me@example.com' },
      ])
      .execute();
    await db()
      .insertInto('scores')
      .values([
        { portal_id: portalId, contact_id: CONTACT, model_id: model.id, probability: 0.7, tier: 'high' },
        { portal_id: portalId, contact_id: '880099', model_id: model.id, probability: 0.1, tier: 'low' },
      ])
      .execute();
    await db()
      .insertInto('usage_events')
      .values([
        {
          portal_id: portalId,
          event_id: 'u1',
          contact_id: CONTACT,
          type: 'session',
          occurred_at: new Date(),
        },
        {
          portal_id: portalId,
          event_id: 'u2',
          contact_id: null,
          contact_email: 'forget.me@example.com',
          type: 'session',
          occurred_at: new Date(),
        },
        {
          portal_id: portalId,
          event_id: 'u3',
          contact_id: '880099',
          type: 'session',
          occurred_at: new Date(),
        },
      ])
      .execute();
    await db()
      .insertInto('associations')
      .values({
        portal_id: portalId,
        from_type: 'contacts',
        from_id: CONTACT,
        to_type: 'companies',
        to_id: '5',
      })
      .execute();
  }

  const countFor = async (table: 'contacts' | 'scores' | 'usage_events' | 'associations') => {
    const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}
      where portal_id = ${portalId}`.execute(db());
    return result.rows[0]!.n;
  };

  it('erases the contact’s rows and scores at once, logs it, and leaves other contacts alone', async () => {
    await seedContact();
    const change = hubSpotEvent({ objectId: Number(CONTACT), subscriptionType: 'contact.propertyChange' });
    const erase = hubSpotEvent({
      objectId: Number(CONTACT),
      subscriptionType: 'contact.privacyDeletion',
      occurredAt: Date.now() - 1000,
    });
    const response = await postSigned([change, erase]);
    expect(response.status).toBe(200);

    const contacts = await db()
      .selectFrom('contacts')
      .select('id')
      .where('portal_id', '=', portalId)
      .execute();
    expect(contacts.map((c) => c.id)).toEqual(['880099']);
    expect(await countFor('scores')).toBe(1);
    const usage = await db()
      .selectFrom('usage_events')
      .select('event_id')
      .where('portal_id', '=', portalId)
      .execute();
    expect(usage.map((u) => u.event_id)).toEqual(['u3']);
    expect(await countFor('associations')).toBe(0);
    // The earlier event about the contact (it may hold property values) is gone; the deletion's own stays.
    expect((await eventRows(CONTACT)).map((r) => r.subscription_type)).toEqual(['contact.privacyDeletion']);
    // Even a change that arrived with it does not bring the contact back.
    expect((await refetchJobs()).filter((job) => job.data.objectIds.includes(CONTACT))).toHaveLength(0);

    const audit = await db()
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'contact.privacy_deleted')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({
      contactId: CONTACT,
      deleted: { contacts: 1, scores: 1, usageEvents: 2, associations: 1, webhookEvents: 1 },
    });
    expect(JSON.stringify(audit[0]!.details)).not.toContain('example.com');

    const replay = await postSigned([{ ...erase, attemptNumber: 1 }]);
    expect(await replay.json()).toMatchObject({ recorded: 0, duplicates: 1 });
    const audits = await db()
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'contact.privacy_deleted')
      .execute();
    expect(audits).toHaveLength(1);
  });
});
