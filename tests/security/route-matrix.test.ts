/**
 * Every route that changes something for a portal, read from the product's own router (a route
 * added later is in the matrix without anyone listing it), tried four ways it must refuse: with no
 * session, from another site's page, with a wrong CSRF token, and with another portal's session.
 * Each is refused with its own code, and the database is exactly as before.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { sql } from 'kysely';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import { createApp } from '../../server/api/app.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/jobs/embedded-redis.js';
import { signInToDashboard, type DashboardSession } from '../support/dashboard-session.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { seedScoredPortal } from '../support/scored-portal.js';

const HUB_A = 7501;
const HUB_B = 7502;
const EVIL = 'https://evil.example';

let redis: EmbeddedRedis;
let sandbox: RunningSandbox;
let product: TestProduct;
let portalA: number;
let sessionA: DashboardSession;
let sessionB: DashboardSession;

interface StateChangingRoute {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** The routes an Express app serves, walking its routers (mounted without a path, as ours are). */
function routesOf(app: Express): StateChangingRoute[] {
  const found: StateChangingRoute[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && ['post', 'put', 'patch', 'delete'].includes(method))
            found.push({
              method: method.toUpperCase() as StateChangingRoute['method'],
              path: layer.route.path,
            });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

/** A concrete URL for a route of portal A: its id, and a plausible value for any other parameter. */
function urlOf(route: StateChangingRoute): string {
  return route.path
    .replace(':portalId', String(portalA))
    .replace(/:contactId/g, 's1')
    .replace(/:[A-Za-z]+Id/g, '1')
    .replace(/:kind/g, 'quality')
    .replace(/:[A-Za-z]+/g, 'x');
}

/** Rows per table, and the portals' own state: what any accepted change would move. */
async function snapshot(): Promise<string> {
  const db = product.ctx.db.db;
  const tables = await db.introspection.getTables();
  const counts: Record<string, number> = {};
  for (const table of tables) {
    if (table.name.startsWith('kysely_') || table.name === 'sessions') continue;
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::integer as n from ${sql.table(table.name)}`.execute(db);
    counts[table.name] = Number(rows[0]!.n);
  }
  const portals = await db.selectFrom('portals').select(['id', 'status', 'settings']).orderBy('id').execute();
  return JSON.stringify({ counts, portals });
}

let routes: StateChangingRoute[];

beforeAll(async () => {
  redis = await startEmbeddedRedis();
  sandbox = await startSandbox({ portals: [HUB_A, HUB_B], rateLimits: { tenSecondlyMax: 100_000 } });
  product = await startTestProduct({ crmUrl: sandbox.url, redisUrl: redis.url });
  sandbox.store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  for (const hub of [HUB_A, HUB_B])
    expect((await walkInstall(product.url, { portalId: hub })).status).toBe(200);
  await product.ctx.queues.get('system').drain();
  portalA = (await findPortalByExternalId(product.ctx.db.db, 'hubspot', String(HUB_A)))!.id;
  await seedScoredPortal(product.ctx.db.db, portalA, { contacts: 20, weeks: 2, idPrefix: 's' });
  sessionA = await signInToDashboard(product.url, HUB_A);
  sessionB = await signInToDashboard(product.url, HUB_B);
  routes = routesOf(createApp(product.ctx)).filter(
    (r) => r.path.startsWith('/api/v1/portals/:portalId/') || r.path === '/api/v1/session/logout',
  );
}, 300_000);

afterAll(async () => {
  await product?.close();
  await sandbox?.close();
  await redis?.stop();
});

const ATTEMPTS: {
  name: string;
  headers: () => Record<string, string>;
  /** The refusals this attempt may meet, by status and error code. */
  refused: [number, string[]];
}[] = [
  { name: 'no session', headers: () => ({}), refused: [401, ['sign_in_required']] },
  {
    name: 'no session, as the operator would but from another site',
    headers: () => ({ 'X-Churn-Radar-Admin': '1', Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' }),
    refused: [403, ['cross_site_request']],
  },
  {
    name: 'a foreign origin',
    headers: () => ({ cookie: sessionA.cookie, 'x-csrf-token': sessionA.csrfToken, Origin: EVIL }),
    refused: [403, ['cross_site_request']],
  },
  {
    name: 'a wrong CSRF token',
    headers: () => ({ cookie: sessionA.cookie, 'x-csrf-token': `${sessionA.csrfToken.slice(0, -2)}xx` }),
    refused: [403, ['csrf_failed']],
  },
  {
    name: "another portal's session",
    headers: () => ({ cookie: sessionB.cookie, 'x-csrf-token': sessionB.csrfToken }),
    refused: [404, ['not_found']],
  },
];

describe('every state-changing route of a portal', () => {
  it('is in the matrix: the routes the dashboard, billing and the operator change things with', () => {
    const paths = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'PUT /api/v1/portals/:portalId/settings',
      'POST /api/v1/portals/:portalId/uninstall',
      'POST /api/v1/portals/:portalId/offers/redemptions',
      'POST /api/v1/portals/:portalId/contacts/:contactId/plays',
      'POST /api/v1/portals/:portalId/model/retrain',
    ])
      expect(paths).toContain(expected);
    expect(routes.length).toBeGreaterThanOrEqual(12);
  });

  for (const attempt of ATTEMPTS) {
    it(`refuses ${attempt.name}, and changes nothing`, async () => {
      const before = await snapshot();
      const outcomes: string[] = [];
      for (const route of routes) {
        // Logout has no portal: another portal's session is simply its own.
        if (route.path === '/api/v1/session/logout' && attempt.name === "another portal's session") continue;
        const answer = await fetch(`${product.url}${urlOf(route)}`, {
          method: route.method,
          headers: { 'content-type': 'application/json', ...attempt.headers() },
          body: route.method === 'DELETE' ? null : '{}',
        });
        const body = (await answer.json().catch(() => ({}))) as { error?: { code?: string } };
        const [status, codes] = attempt.refused;
        const ok = answer.status === status || (status === 401 && answer.status === 403);
        const code = body.error?.code ?? '';
        const expectedCodes = status === 401 ? [...codes, 'admin_only'] : codes;
        if (!ok || !expectedCodes.includes(code))
          outcomes.push(`${route.method} ${route.path}: ${answer.status} ${code}`);
      }
      expect(outcomes).toEqual([]);
      expect(await snapshot()).toBe(before);
    });
  }
});
