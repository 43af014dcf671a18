import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { json, migrateToLatest, type DatabaseHandle } from '../../server/db/index.js';
import { turnTakingWork } from '../../server/db/pglite-dialect.js';
import { openTestDatabase, testDatabaseKind } from '../support/database.js';

const WAREHOUSE_TABLES = [
  'account_scores',
  'associations',
  'audit_log',
  'companies',
  'contact_outcomes',
  'contacts',
  'crm_writebacks',
  'current_scores',
  'customer_status',
  'deals',
  'emails',
  'feedback',
  'loyalty_ledger',
  'models',
  'oauth_tokens',
  'org_credentials',
  'owners',
  'pipeline_stages',
  'portal_reports',
  'portals',
  'redemption_import_rows',
  'redemption_imports',
  'retention_actions',
  'retention_offers',
  'score_feedback',
  'score_weekly_totals',
  'scores',
  'scoring_run_chunks',
  'scoring_runs',
  'sessions',
  'survey_requests',
  'sync_cursors',
  'tickets',
  'usage_api_keys',
  'usage_events',
  'webhook_events',
];

describe(`the warehouse on ${testDatabaseKind()}`, () => {
  let handle: DatabaseHandle & { dispose(): Promise<void> };

  beforeAll(async () => {
    handle = await openTestDatabase();
  });
  afterAll(async () => {
    await handle.dispose();
  });

  it('creates every warehouse table named in the design', async () => {
    const tables = await handle.db.introspection.getTables();
    const names = tables.map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
    expect(names.sort()).toEqual(WAREHOUSE_TABLES);
  });

  it('gives every per-portal table a portal_id column', async () => {
    const tables = await handle.db.introspection.getTables();
    for (const table of tables.filter((t) => WAREHOUSE_TABLES.includes(t.name) && t.name !== 'portals')) {
      expect([table.name, table.columns.some((c) => c.name === 'portal_id')]).toEqual([table.name, true]);
    }
  });

  it('running the migrations again changes nothing', async () => {
    expect(await migrateToLatest(handle.db)).toEqual([]);
  });

  it('reads back the same types it wrote: numbers, dates, JSON, booleans', async () => {
    const { db } = handle;
    const portal = await db
      .insertInto('portals')
      .values({ crm: 'hubspot', external_id: '9001', name: 'Acme', settings: json({ tiers: [0.1, 0.3] }) })
      .returning(['id', 'settings', 'installed_at'])
      .executeTakeFirstOrThrow();
    expect(typeof portal.id).toBe('number');
    expect(portal.settings).toEqual({ tiers: [0.1, 0.3] });
    expect(portal.installed_at).toBeInstanceOf(Date);

    const closedAt = new Date('2026-03-01T10:00:00.000Z');
    await db
      .insertInto('deals')
      .values({
        portal_id: portal.id,
        id: 'd1',
        amount: 1234.5,
        is_closed_won: true,
        close_date: closedAt,
        properties: json({ dealstage: 'closedwon' }),
      })
      .execute();
    const deal = await db
      .selectFrom('deals')
      .selectAll()
      .where('portal_id', '=', portal.id)
      .where('id', '=', 'd1')
      .executeTakeFirstOrThrow();
    expect(deal.amount).toBe(1234.5);
    expect(deal.is_closed_won).toBe(true);
    expect(deal.close_date?.toISOString()).toBe(closedAt.toISOString());
    expect(deal.properties).toEqual({ dealstage: 'closedwon' });
    expect(deal.archived).toBe(false);

    const total = await db
      .selectFrom('deals')
      .select((eb) => eb.fn.count<number>('id').as('n'))
      .where('portal_id', '=', portal.id)
      .executeTakeFirstOrThrow();
    expect(Number(total.n)).toBe(1);
  });

  it('refuses a second portal with the same CRM id', async () => {
    const values = { crm: 'hubspot' as const, external_id: 'dup-1' };
    await handle.db.insertInto('portals').values(values).execute();
    await expect(handle.db.insertInto('portals').values(values).execute()).rejects.toThrow(/duplicate key/);
  });

  it('rolls a failed transaction back whole', async () => {
    const before = await handle.db.selectFrom('portals').select('id').execute();
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await trx.insertInto('portals').values({ crm: 'hubspot', external_id: 'tx-1' }).execute();
        await sql`select 1 / 0`.execute(trx);
      }),
    ).rejects.toThrow(/division by zero/);
    const after = await handle.db.selectFrom('portals').select('id').execute();
    expect(after).toHaveLength(before.length);
  });

  it('runs concurrent transactions one after another without mixing them', async () => {
    const { db } = handle;
    const portal = await db
      .insertInto('portals')
      .values({ crm: 'hubspot', external_id: 'concurrent' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.transaction().execute(async (trx) => {
          await trx
            .insertInto('contacts')
            .values({ portal_id: portal.id, id: `c${i}`, email: `c${i}@example.com` })
            .execute();
          await trx
            .updateTable('contacts')
            .set({ lifecycle_stage: 'customer' })
            .where('portal_id', '=', portal.id)
            .where('id', '=', `c${i}`)
            .execute();
        }),
      ),
    );
    const rows = await db
      .selectFrom('contacts')
      .select(['id', 'lifecycle_stage'])
      .where('portal_id', '=', portal.id)
      .execute();
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.lifecycle_stage === 'customer')).toBe(true);
  });

  it('lets timers run while a job sends query after query (a job lock is renewed by one)', async () => {
    const { db } = handle;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    let queries = 0;
    try {
      // Far longer than the timer's period on any machine, unless the timer runs in between.
      await turnTakingWork(async () => {
        while (ticks === 0 && queries < 3000) {
          await sql`select sum(i) from generate_series(1, 20000) i`.execute(db);
          queries++;
        }
      });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
    expect(queries).toBeLessThan(3000);
  });
});
