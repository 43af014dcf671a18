/**
 * A generated portal whose history holds merges and GDPR deletions, read by a full sync over HTTP:
 * every survivor holds the emails and tickets of the contacts merged into it, no merged id is in
 * the warehouse, and the contacts deleted for privacy are absent. Real sandbox, PGlite and Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GenerationSummary } from '../../sandbox/generator/index.js';
import type { HistoryMerge } from '../../sandbox/generator/merges.js';
import { syncPortal } from '../../server/sync/sync-portal.js';
import { installedPortal, type InstalledPortal } from '../support/installed-portal.js';
import type { TestProduct } from '../support/product-server.js';

const HUB = 612;

let portal: InstalledPortal;
let product: TestProduct;
let summary: GenerationSummary;
let portalId: number;

beforeAll(async () => {
  portal = await installedPortal({ hub: HUB, contacts: 600, seed: 1, now: new Date('2026-11-01T00:00:00Z') });
  ({ product, summary, portalId } = portal);
  await syncPortal(
    { db: product.ctx.db.db, connector: product.ctx.services.crms.connectorFor('hubspot') },
    portalId,
    'full',
  );
}, 300_000);

afterAll(async () => {
  await portal?.close();
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
