/**
 * The risk card's view cache against a real Redis: a kept view is served only while the stamps a
 * worker sets after each committed write are the ones it was kept under, for a bounded time, in a
 * bounded number; Redis keeps a bounded number of stamps per portal.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { ContactRiskView } from '../../server/api/cards/contact-risk-view.js';
import { CardViewCache, CARD_VIEW_MAX_AGE_MS } from '../../server/api/cards/card-view-cache.js';
import { ContactStamps, STAMP_BUCKETS, STAMP_TTL_MS, stampBucket } from '../../server/jobs/contact-stamps.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';

const PORTAL = 7;

let redis: EmbeddedRedis;
/** The server's connection (it reads stamps) and a worker's (it sets them), as two processes have. */
let serverSide: Redis;
let workerSide: Redis;
let prefix: string;
let clock: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  serverSide = new Redis(redis.url);
  workerSide = new Redis(redis.url);
  await Promise.all([serverSide.ping(), workerSide.ping()]);
});

afterAll(async () => {
  serverSide?.disconnect();
  workerSide?.disconnect();
  await redis?.stop();
});

let tests = 0;
beforeEach(() => {
  prefix = `t${++tests}`;
  clock = Date.UTC(2026, 10, 2, 9);
});

const workerStamps = () => new ContactStamps(workerSide, prefix);

function cache(options: { maxEntries?: number } = {}) {
  return new CardViewCache({ stamps: new ContactStamps(serverSide, prefix), now: () => clock, ...options });
}

/** The warehouse as the cache's caller reads it: one view per contact, counting reads. */
function warehouse(status: ContactRiskView['status'] = 'scored') {
  const scores = new Map<string, number>();
  let reads = 0;
  return {
    setScore: (contactId: string, value: number) => scores.set(contactId, value),
    reads: () => reads,
    view: (contactId: string) => async (): Promise<ContactRiskView> => {
      reads++;
      const value = scores.get(contactId) ?? 50;
      return {
        status,
        customer: null,
        contactId,
        contact: { name: `Contact ${contactId}`, email: null },
        sync: null,
        score:
          status === 'scored'
            ? {
                id: value,
                value,
                probability: value / 100,
                tier: 'medium',
                scoredAt: new Date(clock).toISOString(),
                model: { id: 1, version: 1, family: 'gbdt', isStarter: false, label: 'gbdt model v1' },
              }
            : null,
        trend: null,
        history: [],
        reasons: [],
        recommendation: null,
        renewal: null,
      };
    },
  };
}

const scoreIn = (json: string) => (JSON.parse(json) as ContactRiskView).score?.value;

/** Two contact ids whose stamps differ. */
function apart(): [string, string] {
  const first = '1001';
  let other = 1002;
  while (stampBucket(String(other)) === stampBucket(first)) other++;
  return [first, String(other)];
}

describe('the card view cache', () => {
  it('serves the kept view until a worker stores the contact again, then the new one', async () => {
    const views = cache();
    const db = warehouse();
    db.setScore('1001', 40);
    expect(scoreIn(await views.viewJson(PORTAL, '1001', db.view('1001')))).toBe(40);
    db.setScore('1001', 70);
    // Changed in the warehouse without a stamp: the kept view is still served.
    expect(scoreIn(await views.viewJson(PORTAL, '1001', db.view('1001')))).toBe(40);
    expect(db.reads()).toBe(1);

    await workerStamps().contactsChanged(PORTAL, ['1001']);
    expect(scoreIn(await views.viewJson(PORTAL, '1001', db.view('1001')))).toBe(70);
    expect(scoreIn(await views.viewJson(PORTAL, '1001', db.view('1001')))).toBe(70);
    expect(db.reads()).toBe(2);
    expect(views.stats()).toEqual({ hits: 2, misses: 2, entries: 1, stampsLate: 0 });
  });

  it('keeps a view while other contacts of the portal are scored, chunk after chunk', async () => {
    const views = cache();
    const db = warehouse();
    const [kept, other] = apart();
    await views.viewJson(PORTAL, kept, db.view(kept));
    await workerStamps().contactsChanged(PORTAL, [other]);
    await workerStamps().contactsChanged(PORTAL + 1, [kept]);
    await views.viewJson(PORTAL, kept, db.view(kept));
    expect(db.reads()).toBe(1);
  });

  it("drops every kept view of a portal when a run sets all its tiers, and no other portal's", async () => {
    const views = cache();
    const db = warehouse();
    const [a, b] = apart();
    for (const id of [a, b]) await views.viewJson(PORTAL, id, db.view(id));
    await views.viewJson(PORTAL + 1, a, db.view(a));
    await workerStamps().portalChanged(PORTAL);
    for (const id of [a, b]) await views.viewJson(PORTAL, id, db.view(id));
    await views.viewJson(PORTAL + 1, a, db.view(a));
    expect(db.reads()).toBe(3 + 2);
  });

  it('keeps a view for at most its maximum age', async () => {
    const views = cache();
    const db = warehouse();
    await views.viewJson(PORTAL, '1001', db.view('1001'));
    clock += CARD_VIEW_MAX_AGE_MS - 1;
    await views.viewJson(PORTAL, '1001', db.view('1001'));
    expect(db.reads()).toBe(1);
    clock += 1;
    await views.viewJson(PORTAL, '1001', db.view('1001'));
    expect(db.reads()).toBe(2);
    expect(CARD_VIEW_MAX_AGE_MS).toBeLessThan(STAMP_TTL_MS);
  });

  it('keeps at most its number of views, dropping the least recently used', async () => {
    const views = cache({ maxEntries: 3 });
    const db = warehouse();
    for (const id of ['1', '2', '3']) await views.viewJson(PORTAL, id, db.view(id));
    await views.viewJson(PORTAL, '1', db.view('1'));
    await views.viewJson(PORTAL, '4', db.view('4'));
    expect(views.stats().entries).toBe(3);
    const before = db.reads();
    for (const id of ['1', '3', '4']) await views.viewJson(PORTAL, id, db.view(id));
    expect(db.reads()).toBe(before);
    await views.viewJson(PORTAL, '2', db.view('2'));
    expect(db.reads()).toBe(before + 1);
  });

  it('keeps no view of a contact whose portal is syncing or who is not scored yet', async () => {
    for (const status of ['syncing', 'not_scored'] as const) {
      const views = cache();
      const db = warehouse(status);
      await views.viewJson(PORTAL, '1001', db.view('1001'));
      await views.viewJson(PORTAL, '1001', db.view('1001'));
      expect(db.reads()).toBe(2);
    }
  });

  it('reads the warehouse every time, keeping nothing, while Redis cannot answer', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true });
    try {
      const views = new CardViewCache({ stamps: new ContactStamps(unreachable, prefix), now: () => clock });
      const db = warehouse();
      await views.viewJson(PORTAL, '1001', db.view('1001'));
      await views.viewJson(PORTAL, '1001', db.view('1001'));
      expect(db.reads()).toBe(2);
      expect(views.stats().entries).toBe(0);
    } finally {
      unreachable.disconnect();
    }
  });

  it("costs Redis a bounded number of stamps per portal, dropped a while after the portal's last write", async () => {
    const ids = Array.from({ length: 3 * STAMP_BUCKETS }, (_, i) => String(100_000 + i));
    for (let i = 0; i < ids.length; i += 10_000)
      await workerStamps().contactsChanged(PORTAL, ids.slice(i, i + 10_000));
    await workerStamps().portalChanged(PORTAL);
    const key = `${prefix}:contact-stamps:${PORTAL}`;
    expect(await serverSide.hlen(key)).toBeLessThanOrEqual(STAMP_BUCKETS + 1);
    const ttl = await serverSide.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(STAMP_TTL_MS);
  });
});
