import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { sql } from 'kysely';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { loopbackAdminGuard } from '../../server/api/admin-guard.js';
import { errorHandler } from '../../server/api/error-handler.js';
import { listen } from '../../server/api/http-server.js';
import { findPortalByExternalId, markPortalUninstalled } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { createLogger } from '../../server/logger.js';
import { linkPendingUsageEvents } from '../../server/sync/usage/intake.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

const HUB = 801;
/** Uninstalled by a test. */
const GONE_HUB = 802;
const OTHER_HUB = 803;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalId: number;
let otherPortalId: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB, GONE_HUB, OTHER_HUB] });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  for (const hub of [HUB, GONE_HUB, OTHER_HUB])
    expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  portalId = (await findPortalByExternalId(db(), 'hubspot', String(HUB)))!.id;
  otherPortalId = (await findPortalByExternalId(db(), 'hubspot', String(OTHER_HUB)))!.id;
}, 300_000);

afterAll(async () => {
  await product.close();
  await sandbox.close();
  await redis.stop();
});

const db = () => product.ctx.db.db;

interface IssuedKey {
  portalId: number;
  key: string;
  prefix: string;
  createdAt: string;
}

async function admin(method: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${product.url}/api/v1/portals${path}`, {
    method,
    headers: { 'X-Churn-Radar-Admin': '1', ...headers },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function issueKey(id: number): Promise<string> {
  const created = await admin('POST', `/${id}/usage-api-key`);
  expect(created.status).toBe(201);
  return (created.body as unknown as IssuedKey).key;
}

async function send(key: string | undefined, body: unknown) {
  const response = await fetch(`${product.url}/api/v1/usage-events`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(key === undefined ? {} : { Authorization: `Bearer ${key}` }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

let sequence = 0;
function usageEvent(fields: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    eventId: `evt-${sequence}`,
    contact: { id: '1001' },
    occurredAt: '2026-10-01T09:30:00Z',
    name: 'session',
    durationSeconds: 600,
    ...fields,
  };
}

async function usageRows(id = portalId) {
  return db()
    .selectFrom('usage_events')
    .selectAll()
    .where('portal_id', '=', id)
    .orderBy('event_id')
    .execute();
}

async function dump(): Promise<string> {
  const tables = await sql<{
    tablename: string;
  }>`select tablename from pg_tables where schemaname = 'public'`.execute(db());
  const rows: unknown[] = [];
  for (const { tablename } of tables.rows)
    rows.push(await sql`select * from ${sql.table(tablename)}`.execute(db()));
  return JSON.stringify(rows);
}

describe('the usage API key', () => {
  let key: string;

  it('is created by the admin, shown once, and stored only as a hash', async () => {
    const created = await admin('POST', `/${portalId}/usage-api-key`);
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const issued = created.body as unknown as IssuedKey;
    key = issued.key;
    expect(issued).toMatchObject({ portalId, prefix: key.slice(0, 12) });
    expect(key).toMatch(/^cru_[\w-]{8}_[\w-]{43}$/);

    const shown = await admin('GET', `/${portalId}/usage-api-key`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ portalId, prefix: issued.prefix, rotatedAt: null });
    expect(JSON.stringify(shown.body)).not.toContain(key);

    const everything = await dump();
    expect(everything).toContain(issued.prefix);
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(key.slice(12));
  });

  it('is not created twice: a second key needs an explicit rotation', async () => {
    const again = await admin('POST', `/${portalId}/usage-api-key`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'usage_api_key_exists' } });
    expect((await send(key, { events: [usageEvent()] })).status).toBe(202);
  });

  it('rotated, the old key stops working at once and the new one works', async () => {
    const rotated = await admin('POST', `/${portalId}/usage-api-key/rotate`);
    expect(rotated.status).toBe(200);
    const fresh = (rotated.body as unknown as IssuedKey).key;
    expect(fresh).not.toBe(key);

    const before = (await usageRows()).length;
    const refused = await send(key, { events: [usageEvent()] });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect((await usageRows()).length).toBe(before);
    expect((await send(fresh, { events: [usageEvent()] })).status).toBe(202);
    expect((await admin('GET', `/${portalId}/usage-api-key`)).body.rotatedAt).toEqual(expect.any(String));
    expect(await dump()).not.toContain(fresh);
  });

  it('is refused when missing, malformed or of an uninstalled portal', async () => {
    const before = await dump();
    for (const candidate of [undefined, 'not-a-key', `cru_AAAAAAAA_${'A'.repeat(43)}`]) {
      const answer = await send(candidate, { events: [usageEvent()] });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toContain('Bearer');
    }
    expect(await dump()).toBe(before);

    const { id: goneId } = (await findPortalByExternalId(db(), 'hubspot', String(GONE_HUB)))!;
    const goneKey = await issueKey(goneId);
    await markPortalUninstalled(db(), goneId, 'test');
    expect((await send(goneKey, { events: [usageEvent()] })).status).toBe(401);
    expect((await admin('POST', `/${goneId}/usage-api-key/rotate`)).status).toBe(404);
  });

  it('its admin routes refuse a client relayed from another machine', async () => {
    const relayed = await admin('POST', `/${portalId}/usage-api-key/rotate`, {
      'X-Forwarded-For': '203.0.113.9',
    });
    expect(relayed.status).toBe(403);
    expect(relayed.body).toMatchObject({ error: { code: 'admin_only' } });
  });

  it('its admin routes are closed in production until the dashboard has sign-in', async () => {
    const app = express();
    app.get('/guarded', loopbackAdminGuard('production'), (_req, res) => res.json({ ok: true }));
    app.get('/open', loopbackAdminGuard('development'), (_req, res) => res.json({ ok: true }));
    app.use(errorHandler(createLogger('silent')));
    const server = await listen(app, '127.0.0.1', 0);
    try {
      expect((await fetch(`${server.url}/guarded`)).status).toBe(403);
      expect((await fetch(`${server.url}/open`)).status).toBe(403);
      expect((await fetch(`${server.url}/open`, { headers: { 'X-Churn-Radar-Admin': '1' } })).status).toBe(
        200,
      );
    } finally {
      await server.close();
    }
  });
});

describe('usage events', () => {
  let key: string;
  beforeAll(async () => {
    key = (await admin('POST', `/${portalId}/usage-api-key/rotate`)).body.key as string;
  });

  it('are stored as sessions and feature uses, with minutes and properties', async () => {
    const batch = [
      usageEvent({ eventId: 'map-1', name: 'session', durationSeconds: 90 }),
      usageEvent({
        eventId: 'map-2',
        name: 'export_report',
        durationSeconds: undefined,
        properties: { format: 'csv', rows: 120 },
      }),
    ];
    const answer = await send(key, { events: batch });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ accepted: 2, duplicates: 0 });
    const rows = (await usageRows()).filter((r) => r.event_id.startsWith('map-'));
    expect(
      rows.map((r) => [r.event_id, r.contact_id, r.type, r.feature, Number(r.minutes), r.properties]),
    ).toEqual([
      ['map-1', '1001', 'session', null, 1.5, {}],
      ['map-2', '1001', 'feature_use', 'export_report', 0, { format: 'csv', rows: 120 }],
    ]);
    expect(rows[0]!.occurred_at.toISOString()).toBe('2026-10-01T09:30:00.000Z');
  });

  it('are idempotent on eventId, within a batch and across batches, per portal', async () => {
    const batch = [usageEvent({ eventId: 'same-1' }), usageEvent({ eventId: 'same-2' })];
    expect((await send(key, { events: [...batch, batch[0]] })).body).toEqual({ accepted: 2, duplicates: 1 });
    const before = await usageRows();
    expect((await send(key, { events: batch })).body).toEqual({ accepted: 0, duplicates: 2 });
    expect(await usageRows()).toEqual(before);

    // Another portal's ids are its own.
    const otherKey = await issueKey(otherPortalId);
    expect((await send(otherKey, { events: [batch[0]] })).body).toEqual({ accepted: 1, duplicates: 0 });
  });

  it('refuse a batch of 1,001 events whole', async () => {
    const before = (await usageRows()).length;
    const events = Array.from({ length: 1001 }, (_, i) => usageEvent({ eventId: `big-${i}` }));
    const answer = await send(key, { events });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining('events') },
    });
    expect(String((answer.body.error as { message: string }).message)).toContain('1,000');
    expect((await usageRows()).length).toBe(before);

    const full = Array.from({ length: 1000 }, (_, i) => usageEvent({ eventId: `full-${i}` }));
    expect((await send(key, { events: full })).body).toEqual({ accepted: 1000, duplicates: 0 });
  });

  it('refuse a batch with one bad event whole, naming its index and field', async () => {
    const before = (await usageRows()).length;
    const events = [usageEvent(), usageEvent(), usageEvent(), usageEvent({ occurredAt: 'last tuesday' })];
    const answer = await send(key, { events });
    expect(answer.status).toBe(400);
    const message = (answer.body.error as { message: string }).message;
    expect(message).toContain('events.3.occurredAt');
    expect((await usageRows()).length).toBe(before);

    const noContact = await send(key, { events: [usageEvent({ contact: { phone: '555' } })] });
    expect(noContact.status).toBe(400);
    expect((noContact.body.error as { message: string }).message).toContain('events.0.contact');
  });

  it('keep a contact the warehouse does not know yet, and link it once the contact arrives', async () => {
    await db()
      .insertInto('contacts')
      .values({ portal_id: portalId, id: '2002', email: 'known@example.com' })
      .execute();
    const answer = await send(key, {
      events: [
        usageEvent({ eventId: 'link-1', contact: { email: 'Later@Example.com' } }),
        usageEvent({ eventId: 'link-2', contact: { email: 'KNOWN@example.com' } }),
      ],
    });
    expect(answer.body).toEqual({ accepted: 2, duplicates: 0 });
    const linkRows = async () =>
      (await usageRows())
        .filter((r) => r.event_id.startsWith('link-'))
        .map((r) => [r.event_id, r.contact_id, r.contact_email]);
    expect(await linkRows()).toEqual([
      ['link-1', null, 'later@example.com'],
      ['link-2', '2002', 'known@example.com'],
    ]);

    expect(await linkPendingUsageEvents(db(), portalId)).toBe(0);
    await db()
      .insertInto('contacts')
      .values({ portal_id: portalId, id: '3003', email: 'LATER@example.com' })
      .execute();
    expect(await linkPendingUsageEvents(db(), portalId)).toBe(1);
    expect(await linkRows()).toEqual([
      ['link-1', '3003', 'later@example.com'],
      ['link-2', '2002', 'known@example.com'],
    ]);
  });
});
