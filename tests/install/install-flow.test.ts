import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { CrmAccessRevokedError } from '../../server/crm/errors.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { portalSchedulerId } from '../../server/jobs/portal-schedules.js';
import { listSchedules, upsertWeeklySchedule } from '../../server/jobs/schedule.js';
import { TokenVault } from '../../server/oauth/token-vault.js';
import { forgetRevokedPortal } from '../../server/oauth/uninstall.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { waitUntil } from '../support/processes.js';

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({
    portals: [501, 502, 503, 504, 506],
    rateLimits: { tenSecondlyMax: 100_000 },
  });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
});
afterAll(async () => {
  await product.close();
  await sandbox.close();
  await redis.stop();
});

const db = () => product.ctx.db.db;
const portalRow = (hubId: number) => findPortalByExternalId(db(), 'hubspot', String(hubId));
const sandboxAccessTokens = (hubId: number) =>
  [...sandbox.store.oauthTokens.values()].filter((t) => t.portalId === hubId && t.use === 'access_token');

async function dumpDatabase(): Promise<string> {
  const rows: unknown[] = [];
  for (const table of ['portals', 'oauth_tokens', 'audit_log'] as const) {
    rows.push(await sql`select * from ${sql.table(table)}`.execute(db()));
  }
  return JSON.stringify(rows);
}

function bootstrapReports(portalId: number) {
  return db()
    .selectFrom('audit_log')
    .select('details')
    .where('portal_id', '=', portalId)
    .where('action', '=', 'portal.properties_ensured')
    .execute();
}

function contactPropertyNames(hubId: number): string[] {
  return [...sandbox.store.portal(hubId)!.properties.get('contacts')!.keys()];
}

describe('installing the app in a portal', () => {
  it('creates the portal with tokens encrypted at rest', async () => {
    const result = await walkInstall(product.url, { portalId: 501 });
    expect(result.status).toBe(200);
    expect(result.html).toContain('Churn Radar is installed');
    expect(result.html).toContain('/app');

    const portal = await portalRow(501);
    expect(portal).toMatchObject({ status: 'active', crm: 'hubspot' });
    const issued = [...sandbox.store.oauthTokens.values()].filter((t) => t.portalId === 501);
    expect(issued.length).toBeGreaterThanOrEqual(2);
    const dump = await dumpDatabase();
    expect(dump).toContain('"access_token_enc"');
    for (const token of issued) expect(dump).not.toContain(token.token);
  });

  it('after install the portal has the property group and properties, and a second bootstrap changes nothing', async () => {
    const worker = await product.startWorker();
    try {
      const portalId = (await portalRow(501))!.id;
      await waitUntil(() => bootstrapReports(portalId).then((r) => r.length === 1), 15_000);
      const portal = sandbox.store.portal(501)!;
      expect(portal.propertyGroups.get('contacts')!.has('churn_risk')).toBe(true);
      const ours = product.ctx.manifest.crmProperties.contacts!.properties.map((p) => p.name);
      expect(contactPropertyNames(501)).toEqual(expect.arrayContaining(ours));
      const before = JSON.stringify([...portal.properties.get('contacts')!.values()]);

      const again = await product.ctx.queues.get('system').add('bootstrap-portal', { portalId });
      const report = await again.waitUntilFinished(await product.ctx.queues.eventsOf('system'));
      expect(report).toMatchObject({ groupCreated: false, created: [], conflicts: [] });
      expect(report.existing).toEqual(ours);
      expect(JSON.stringify([...portal.properties.get('contacts')!.values()])).toBe(before);
    } finally {
      await worker.close(1000);
    }
  });

  it('completes the tier options of a portal installed by an earlier release, keeping its own', async () => {
    const portal = sandbox.store.portal(501)!;
    const tier = portal.properties.get('contacts')!.get('churn_risk_tier')!;
    tier.options = [
      ...tier.options.filter((o) => ['low', 'medium', 'high'].includes(o.value)),
      { label: 'Watch', value: 'watch', displayOrder: 3, hidden: false },
    ];
    const worker = await product.startWorker();
    try {
      const portalId = (await portalRow(501))!.id;
      const job = await product.ctx.queues.get('system').add('bootstrap-portal', { portalId });
      await job.waitUntilFinished(await product.ctx.queues.eventsOf('system'));
      expect(
        portal.properties
          .get('contacts')!
          .get('churn_risk_tier')!
          .options.map((o) => o.value),
      ).toEqual(['low', 'medium', 'high', 'watch', 'churned', 'prospect']);
    } finally {
      await worker.close(1000);
    }
  });

  it('reports a property of ours that exists with another type, and leaves it alone', async () => {
    const portal = sandbox.store.portal(502)!;
    const existing = {
      ...[...portal.properties.get('contacts')!.values()][0]!,
      name: 'churn_risk_model',
      type: 'number',
      fieldType: 'number',
      hubspotDefined: false,
    };
    portal.properties.get('contacts')!.set('churn_risk_model', existing);
    expect((await walkInstall(product.url, { portalId: 502 })).status).toBe(200);
    const worker = await product.startWorker();
    try {
      const portalId = (await portalRow(502))!.id;
      await waitUntil(() => bootstrapReports(portalId).then((r) => r.length === 1), 15_000);
      const [entry] = await bootstrapReports(portalId);
      expect(entry!.details).toMatchObject({
        conflicts: [{ name: 'churn_risk_model', actual: { type: 'number' }, expected: { type: 'string' } }],
      });
      expect(portal.properties.get('contacts')!.get('churn_risk_model')!.type).toBe('number');
    } finally {
      await worker.close(1000);
    }
  });
});

describe('a callback that must change nothing', () => {
  async function portalCount(): Promise<number> {
    const rows = await db().selectFrom('portals').select('id').execute();
    return rows.length;
  }

  it('refuses a forged state with a clear page', async () => {
    const before = await portalCount();
    const result = await walkInstall(product.url, {
      portalId: 503,
      tamperState: (s) => `${s.split('.')[0]}.forged`,
    });
    expect(result.status).toBe(400);
    expect(result.html).toContain('signature does not match');
    expect(result.html).toContain('Nothing was changed');
    expect(await portalCount()).toBe(before);
    expect(await portalRow(503)).toBeUndefined();
  });

  it('refuses a reused state', async () => {
    const first = await walkInstall(product.url, { portalId: 503 });
    expect(first.status).toBe(200);
    const before = await dumpDatabase();
    const replay = await fetch(first.callbackUrl, { headers: { cookie: first.flowCookie } });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already been used');
    expect(await dumpDatabase()).toBe(before);
  });

  it('refuses an expired state', async () => {
    const before = await portalCount();
    const { InstallState, newBrowserNonce } = await import('../../server/oauth/install-state.js');
    const stale = new InstallState(
      product.ctx.services.cipher.derive('oauth-state'),
      product.ctx.queues.connection,
      product.ctx.config.queuePrefix,
    ).issue(newBrowserNonce(), { now: Date.now() - 11 * 60 * 1000 });
    const result = await walkInstall(product.url, { portalId: 504, tamperState: () => stale });
    expect(result.status).toBe(400);
    expect(result.html).toContain('expired');
    expect(await portalCount()).toBe(before);
  });

  it('shows a denied consent as such', async () => {
    const before = await portalCount();
    const result = await walkInstall(product.url, { portalId: 504, decision: 'deny' });
    expect(result.status).toBe(403);
    expect(result.html).toContain('Access was not granted');
    expect(await portalCount()).toBe(before);
  });
});

describe('the token lifecycle', () => {
  function secondProcessVault(redisClient: Redis, readReuseMs?: number): TokenVault {
    const { ctx } = product;
    return new TokenVault({
      ...(readReuseMs === undefined ? {} : { readReuseMs }),
      db: ctx.db.db,
      cipher: ctx.services.cipher,
      oauth: ctx.services.crms.stackFor('hubspot').oauth,
      redis: redisClient,
      keyPrefix: ctx.config.queuePrefix,
      logger: ctx.logger,
      onRevoked: (portalId) =>
        forgetRevokedPortal(
          { db: ctx.db.db, work: ctx.work, logger: ctx.logger },
          portalId,
          'refresh refused',
        ),
    });
  }

  async function expireStoredToken(portalId: number): Promise<void> {
    await db()
      .updateTable('oauth_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('portal_id', '=', portalId)
      .execute();
  }

  it('two workers asking for a fresh token at the same moment cause exactly one refresh', async () => {
    const portalId = (await portalRow(501))!.id;
    await expireStoredToken(portalId);
    const before = sandboxAccessTokens(501).length;
    const a = new Redis(redis.url);
    const b = new Redis(redis.url);
    try {
      const [tokenA, tokenB] = await Promise.all([
        secondProcessVault(a).accessToken(portalId),
        secondProcessVault(b).accessToken(portalId),
      ]);
      expect(sandboxAccessTokens(501).length).toBe(before + 1);
      expect(tokenA).toBe(tokenB);
      expect(sandbox.store.liveAccessToken(tokenA)).toBeDefined();
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('a worker whose token the CRM refused after another worker replaced it takes the new one, without a second refresh', async () => {
    const portalId = (await portalRow(501))!.id;
    const a = new Redis(redis.url);
    const b = new Redis(redis.url);
    try {
      const first = secondProcessVault(a);
      const second = secondProcessVault(b);
      // Both workers hold the same token; the CRM refuses it to both, the first asks first.
      const refused = await first.accessToken(portalId);
      expect(await second.accessToken(portalId)).toBe(refused);
      const before = sandboxAccessTokens(501).length;
      const renewed = await first.refreshAccessToken(portalId, refused);
      expect(renewed).not.toBe(refused);
      expect(await second.refreshAccessToken(portalId, refused)).toBe(renewed);
      expect(sandboxAccessTokens(501).length).toBe(before + 1);
      // A refused token that is still the stored one is refreshed.
      const again = await second.refreshAccessToken(portalId, renewed);
      expect(again).not.toBe(renewed);
      expect(sandboxAccessTokens(501).length).toBe(before + 2);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('a token far from expiry is used as it is', async () => {
    const portalId = (await portalRow(501))!.id;
    const before = sandboxAccessTokens(501).length;
    await product.ctx.services.crms.stackFor('hubspot').vault.accessToken(portalId);
    expect(sandboxAccessTokens(501).length).toBe(before);
  });

  it('a process reuses a token it just read, and a refused call reads past it', async () => {
    expect((await walkInstall(product.url, { portalId: 506 })).status).toBe(200);
    const portalId = (await portalRow(506))!.id;
    const client = new Redis(redis.url);
    try {
      const vault = secondProcessVault(client, 60_000);
      const first = await vault.accessToken(portalId);
      await db().deleteFrom('oauth_tokens').where('portal_id', '=', portalId).execute();
      // Read once, used for the next calls: no read of the database for each one.
      expect(await vault.accessToken(portalId)).toBe(first);
      // A call the CRM refused asks for a fresh token: the vault reads again and finds none.
      await expect(vault.refreshAccessToken(portalId)).rejects.toBeInstanceOf(CrmAccessRevokedError);
      await expect(vault.accessToken(portalId)).rejects.toBeInstanceOf(CrmAccessRevokedError);
    } finally {
      client.disconnect();
    }
  });

  it('a revoked install is noticed at the next refresh: portal uninstalled, tokens gone, nothing scheduled', async () => {
    const portalId = (await portalRow(502))!.id;
    const queue = product.ctx.queues.get('sync');
    await upsertWeeklySchedule(
      queue,
      portalSchedulerId(portalId, 'weekly'),
      { dayOfWeek: 1, hour: 6, timeZone: 'UTC' },
      {
        name: 'weekly-cycle',
        data: { portalId },
      },
    );
    const revoked = await fetch(`${sandbox.url}/_sandbox/portals/502/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ revokeInstall: true }),
    });
    expect(revoked.status).toBeLessThan(300);
    await expireStoredToken(portalId);

    // The weekly job's worker, which has not read this portal's token lately.
    const client = new Redis(redis.url);
    try {
      await expect(secondProcessVault(client).accessToken(portalId)).rejects.toBeInstanceOf(
        CrmAccessRevokedError,
      );
    } finally {
      client.disconnect();
    }
    expect(await portalRow(502)).toMatchObject({ status: 'uninstalled' });
    expect(
      await db().selectFrom('oauth_tokens').selectAll().where('portal_id', '=', portalId).execute(),
    ).toEqual([]);
    expect((await listSchedules(queue)).filter((s) => s.id.endsWith(`:portal:${portalId}`))).toEqual([]);
  });

  it('installing again reactivates the same portal', async () => {
    const before = (await portalRow(502))!;
    expect((await walkInstall(product.url, { portalId: 502 })).status).toBe(200);
    const after = (await portalRow(502))!;
    expect(after.id).toBe(before.id);
    expect(after.status).toBe('active');
    expect(after.uninstalled_at).toBeNull();
  });
});
