import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { json } from '../../server/db/json.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { saveModel } from '../../server/model/registry.js';
import { starterModel } from '../../server/model/starter.js';
import { storeScores } from '../../server/scoring/score-contacts.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { portalSchedulerId } from '../../server/jobs/portal-schedules.js';
import { processPurgeUninstalled } from '../../server/jobs/purge-uninstalled.js';
import { listSchedules, upsertWeeklySchedule } from '../../server/jobs/schedule.js';
import { createLogger } from '../../server/logger.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [801, 802] });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
});
afterAll(async () => {
  await product.close();
  await sandbox.close();
  await redis.stop();
});

const db = () => product.ctx.db.db;

describe('the admin uninstalls the app', () => {
  it('removes the app from the CRM portal, forgets its tokens and stops its schedules', async () => {
    expect((await walkInstall(product.url, { portalId: 801 })).status).toBe(200);
    const portalId = (await findPortalByExternalId(db(), 'hubspot', '801'))!.id;
    const queue = product.ctx.queues.get('sync');
    await upsertWeeklySchedule(
      queue,
      portalSchedulerId(portalId, 'weekly'),
      { dayOfWeek: 2, hour: 5, timeZone: 'UTC' },
      {
        name: 'weekly-cycle',
        data: { portalId },
      },
    );

    const adminHeaders = { 'X-Churn-Radar-Admin': '1' };
    const response = await fetch(`${product.url}/api/v1/portals/${portalId}/uninstall`, {
      method: 'POST',
      headers: adminHeaders,
    });
    expect(response.status).toBe(200);
    expect(sandbox.store.isInstalled(PRODUCT_APP.appId, 801)).toBe(false);
    expect(await findPortalByExternalId(db(), 'hubspot', '801')).toMatchObject({ status: 'uninstalled' });
    expect(
      await db().selectFrom('oauth_tokens').selectAll().where('portal_id', '=', portalId).execute(),
    ).toEqual([]);
    expect((await listSchedules(queue)).filter((s) => s.id.endsWith(`:portal:${portalId}`))).toEqual([]);

    const again = await fetch(`${product.url}/api/v1/portals/${portalId}/uninstall`, {
      method: 'POST',
      headers: adminHeaders,
    });
    expect(again.status).toBe(404);
  });
});

describe('data retention after uninstall', () => {
  it('deletes an uninstalled portal’s warehouse rows after the retention period, and keeps recent ones', async () => {
    const insertPortal = async (externalId: string, uninstalledDaysAgo: number | null) => {
      const row = await db()
        .insertInto('portals')
        .values({
          crm: 'hubspot',
          external_id: externalId,
          status: uninstalledDaysAgo === null ? 'active' : 'uninstalled',
          ...(uninstalledDaysAgo === null
            ? {}
            : { uninstalled_at: new Date(Date.now() - uninstalledDaysAgo * 24 * 3600 * 1000) }),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db()
        .insertInto('contacts')
        .values({ portal_id: row.id, id: '1', email: `a@${externalId}.test`, properties: json({}) })
        .execute();
      // A row in tables written per record (no key to the portal) and in one the portal's key holds.
      await db()
        .insertInto('emails')
        .values({ portal_id: row.id, id: '9', properties: json({}), direction: 'INCOMING_EMAIL', body: 'Hi' })
        .execute();
      await db()
        .insertInto('associations')
        .values({ portal_id: row.id, from_type: 'contacts', from_id: '1', to_type: 'emails', to_id: '9' })
        .execute();
      await db()
        .insertInto('customer_status')
        .values({ portal_id: row.id, contact_id: '1', status: 'active', as_of: new Date() })
        .execute();
      const model = await saveModel(db(), row.id, starterModel(), { activate: true });
      await storeScores(db(), {
        portalId: row.id,
        modelId: model.id,
        runId: null,
        trigger: 'rescore',
        scoredAt: new Date(),
        scores: [{ contactId: '1', probability: 0.4, tier: 'medium', reasons: [] }],
      });
      return row.id;
    };
    /** Rows of the portal in each table that has a `portal_id`, by table. */
    const rowsOf = async (portalId: number) => {
      const { rows: tables } = await sql<{ table: string }>`
        select c.relname as table from pg_class c
        join pg_attribute a on a.attrelid = c.oid and a.attname = 'portal_id' and not a.attisdropped
        where c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace`.execute(db());
      const counts: Record<string, number> = {};
      for (const { table } of tables) {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from ${sql.table(table)} where portal_id = ${portalId}`.execute(db());
        if (rows[0]!.n > 0) counts[table] = rows[0]!.n;
      }
      return counts;
    };
    const old = await insertPortal('r-old', 31);
    const recent = await insertPortal('r-recent', 5);
    const active = await insertPortal('r-active', null);

    const result = await processPurgeUninstalled({
      db: db(),
      retentionDays: 30,
      logger: createLogger('silent'),
    });
    expect(result.purged).toEqual([old]);
    const left = await sql<{
      portal_id: number;
    }>`select portal_id from contacts where portal_id in (${sql.join([old, recent, active])})`.execute(db());
    expect(left.rows.map((r) => Number(r.portal_id)).sort()).toEqual([recent, active].sort());
    // Nothing of the purged portal is left anywhere; the others keep every row.
    expect(await rowsOf(old)).toEqual({});
    const kept = {
      associations: 1,
      contacts: 1,
      current_scores: 1,
      customer_status: 1,
      emails: 1,
      models: 1,
      score_weekly_totals: 1,
      scores: 1,
    };
    expect(await rowsOf(recent)).toEqual(kept);
    expect(await rowsOf(active)).toEqual(kept);
  });
});
