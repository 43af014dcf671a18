/**
 * A generated portal whose history holds merges and GDPR deletions, read by a full sync over HTTP:
 * every survivor holds the emails and tickets of the contacts merged into it, no merged id is in
 * the warehouse, and the contacts deleted for privacy are absent. Real sandbox, PGlite and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generatePortal, type GenerationSummary } from '../../sandbox/generator/index.js';
import type { HistoryMerge } from '../../sandbox/generator/merges.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

const HUB = 612;

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let summary: GenerationSummary;
let portalId: number;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({
    portals: [HUB],
    rateLimits: { tenSecondlyMax: 1_000_000, searchPerSecond: 1_000_000 },
    searchIndexLagMs: 0,
  });
  summary = generatePortal(sandbox.store.portal(HUB)!, {
    contacts: 600,
    seed: 1,
    now: new Date('2026-11-01T00:00:00Z'),
  });
  product = await startTestProduct({
    crmUrl: sandbox.url,
    redisUrl: redis.url,
    rateLimits: { generalPerSecond: 1000, searchPerSecond: 1000 },
  });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  expect((await walkInstall(product.url, { portalId: HUB })).status).toBe(200);
  portalId = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB)))!.id;
  await syncPortal(
    { db: product.ctx.db.db, connector: product.ctx.services.crms.connectorFor('hubspot') },
    portalId,
    'full',
  );
}, 300_000);

afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

const db = () => product.ctx.db.db;

async function linkedCount(contactId: string, toType: 'emails' | 'tickets'): Promise<number> {
  const rows = await db()
    .selectFrom('associations')
    .select('to_id')
    .where('portal_id', '=', portalId)
    .where('from_type', '=', 'contacts')
    .where('from_id', '=', contactId)
    .where('to_type', '=', toType)
    .execute();
  return rows.length;
}

async function contactIdsAmong(ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db()
    .selectFrom('contacts')
    .select('id')
    .where('portal_id', '=', portalId)
    .where('id', 'in', ids)
    .execute();
  return rows.map((r) => r.id);
}

describe('a full sync of a portal with merges and deletions in its history', () => {
  it('finds merges and deletions to follow', () => {
    expect(summary.merges.length).toBeGreaterThan(0);
    expect(summary.deleted.length).toBeGreaterThan(0);
  });

  it('gives each survivor the emails and tickets of the contacts merged into it', async () => {
    const last = new Map<string, HistoryMerge>(summary.merges.map((m) => [m.survivorId, m]));
    let moved = 0;
    for (const [survivorId, merge] of last) {
      const emails = merge.before.survivor.emails + merge.before.merged.emails;
      const tickets = merge.before.survivor.tickets + merge.before.merged.tickets;
      expect({ survivorId, emails: await linkedCount(survivorId, 'emails') }).toEqual({ survivorId, emails });
      expect({ survivorId, tickets: await linkedCount(survivorId, 'tickets') }).toEqual({
        survivorId,
        tickets,
      });
      moved += merge.before.merged.emails + merge.before.merged.tickets;
    }
    expect(moved).toBeGreaterThan(0);
    expect(await contactIdsAmong([...last.keys()])).toHaveLength(last.size);
  });

  it('holds no merged contact, nor anything linked from one', async () => {
    const merged = summary.merges.map((m) => m.mergedId);
    expect(await contactIdsAmong(merged)).toEqual([]);
    const links = await db()
      .selectFrom('associations')
      .select('from_id')
      .where('portal_id', '=', portalId)
      .where('from_type', '=', 'contacts')
      .where('from_id', 'in', merged)
      .execute();
    expect(links).toEqual([]);
  });

  it('holds no contact deleted for privacy', async () => {
    expect(await contactIdsAmong(summary.deleted)).toEqual([]);
    const live = await db()
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('portal_id', '=', portalId)
      .executeTakeFirstOrThrow();
    expect(Number(live.n)).toBe(summary.contacts);
  });
});
