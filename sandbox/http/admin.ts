/**
 * The sandbox's own admin API, under `/_sandbox` and never under HubSpot's paths (no
 * authentication: the sandbox listens on loopback):
 * - `GET /_sandbox/healthz`;
 * - `GET|POST /_sandbox/portals` (`{portalId?, domain?}`), `GET|POST /_sandbox/apps`
 *   (`{appId, clientId, clientSecret, redirectUris, webhookTargetUrl?}`);
 * - `POST /_sandbox/portals/{portalId}/installs` (`{appId, scopes}`): installs an app and answers
 *   with tokens, skipping the browser step;
 * - `GET|POST /_sandbox/clock` (`{advanceMs}`), `GET|PUT /_sandbox/rate-limits`;
 * - `GET|PUT /_sandbox/search-index` (`{lagMs}`): how long search takes to show a change at most
 *   (0 also shows every change still waiting), and `waiting`, the records whose latest change
 *   search does not show yet (see ../search-index.ts);
 * - `GET|POST|DELETE /_sandbox/portals/{portalId}/faults` (see faults.ts);
 * - `POST /_sandbox/portals/{portalId}/retention-outcomes` (`{days, offerChurnReduction}`): who of
 *   the current customers leaves over the coming days (see generator/retention-outcomes.ts).
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import { OBJECT_TYPES, type PortalData, type SandboxApp, type SandboxStore } from '../store.js';
import { seedDefaultProperties } from '../default-properties.js';
import { simulateRetentionOutcomes } from '../generator/retention-outcomes.js';
import { HubSpotError, notFound, parseInput } from './errors.js';
import { faultInput, type FaultInjector } from './faults.js';
import type { OAuthGrants } from './oauth-grants.js';
import type { RateLimiter } from './rate-limit.js';

const portalCreate = z.object({
  portalId: z.number().int().positive().max(2_147_483_647).optional(),
  domain: z.string().min(1).optional(),
});
export const appRegistration = z.object({
  appId: z.number().int().positive(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  redirectUris: z.array(z.url()).default([]),
  webhookTargetUrl: z.url().optional(),
});
const installRequest = z.object({
  appId: z.number().int().positive(),
  scopes: z.array(z.string().min(1)).min(1),
});
const clockChange = z.object({ advanceMs: z.number().int() });
const retentionOutcomes = z.object({
  days: z.number().int().min(1).max(365),
  offerChurnReduction: z.number().min(0).max(1).default(0),
});
const searchIndexChange = z.object({ lagMs: z.number().int().min(0).max(600_000) }).strict();
const rateLimitChange = z
  .object({
    enabled: z.boolean(),
    tenSecondlyMax: z.number().int().positive(),
    windowMs: z.number().int().positive(),
    searchPerSecond: z.number().int().positive(),
  })
  .partial()
  .strict();

function portalSummary(store: SandboxStore, portal: PortalData) {
  return {
    portalId: portal.portalId,
    domain: portal.domain,
    counts: Object.fromEntries(OBJECT_TYPES.map((type) => [type, portal.recordsOf(type).size])),
    installedAppIds: store.installedApps(portal.portalId).map((app) => app.appId),
  };
}

function appSummary(app: SandboxApp) {
  const { clientSecret: _secret, ...visible } = app;
  return visible;
}

export interface AdminDeps {
  store: SandboxStore;
  grants: OAuthGrants;
  limiter: RateLimiter;
  faults: FaultInjector;
}

export function createAdminRouter({ store, grants, limiter, faults }: AdminDeps): express.Router {
  const router = express.Router();
  const portalOf = (req: Request): PortalData => {
    const portal = store.portal(Number(req.params.portalId));
    if (!portal) throw notFound(`No portal ${String(req.params.portalId)} in this sandbox.`);
    return portal;
  };

  router.get('/_sandbox/healthz', (_req, res) => {
    res.json({
      status: 'ok',
      portals: store.portals.size,
      apps: store.apps.size,
      now: store.now().toISOString(),
    });
  });

  router.get('/_sandbox/portals', (_req, res) => {
    res.json({ results: [...store.portals.values()].map((portal) => portalSummary(store, portal)) });
  });
  router.post('/_sandbox/portals', (req, res) => {
    const input = parseInput(portalCreate, req.body ?? {});
    const portalId = input.portalId ?? Math.max(100_000, ...store.portals.keys()) + 1;
    if (store.portal(portalId)) {
      throw new HubSpotError(409, 'OBJECT_ALREADY_EXISTS', `Portal ${portalId} already exists.`);
    }
    const portal = store.createPortal(portalId, input.domain);
    seedDefaultProperties(portal);
    res.status(201).json(portalSummary(store, portal));
  });

  router.get('/_sandbox/apps', (_req, res) => {
    res.json({ results: [...store.apps.values()].map(appSummary) });
  });
  router.post('/_sandbox/apps', (req, res) => {
    const app = parseInput(appRegistration, req.body);
    const clash = store.appByClientId(app.clientId);
    if (clash && clash.appId !== app.appId) {
      throw new HubSpotError(409, 'OBJECT_ALREADY_EXISTS', `App ${clash.appId} already uses this clientId.`);
    }
    const existed = store.apps.has(app.appId);
    store.registerApp(app);
    res.status(existed ? 200 : 201).json(appSummary(app));
  });

  router.post('/_sandbox/portals/:portalId/installs', (req, res) => {
    const portal = portalOf(req);
    const input = parseInput(installRequest, req.body);
    const app = store.apps.get(input.appId);
    if (!app) throw notFound(`No app ${input.appId} is registered.`);
    res.status(201).json(grants.issue(app, portal.portalId, input.scopes));
  });

  router.get('/_sandbox/clock', (_req, res) => {
    res.json({ now: store.now().toISOString() });
  });
  router.post('/_sandbox/clock', (req, res) => {
    store.advanceClock(parseInput(clockChange, req.body).advanceMs);
    res.json({ now: store.now().toISOString() });
  });

  // The hidden process after a retention campaign: who leaves over the coming days, offers helping.
  router.post('/_sandbox/portals/:portalId/retention-outcomes', (req, res) => {
    const input = parseInput(retentionOutcomes, req.body ?? {});
    res.json(simulateRetentionOutcomes(portalOf(req), { ...input, now: store.now() }));
  });

  router.get('/_sandbox/rate-limits', (_req, res) => {
    res.json(limiter.settings());
  });
  router.put('/_sandbox/rate-limits', (req, res) => {
    res.json(limiter.configure(parseInput(rateLimitChange, req.body)));
  });

  const searchIndexState = () => ({
    lagMs: store.searchIndexLag.lagMs,
    waiting: [...store.portals.values()].reduce((n, portal) => n + portal.searchIndex.waitingCount(), 0),
  });
  router.get('/_sandbox/search-index', (_req, res) => {
    res.json(searchIndexState());
  });
  router.put('/_sandbox/search-index', (req, res) => {
    store.searchIndexLag.configure(parseInput(searchIndexChange, req.body).lagMs);
    res.json(searchIndexState());
  });

  router.get('/_sandbox/portals/:portalId/faults', (req, res) => {
    res.json(faults.state(portalOf(req).portalId));
  });
  router.post('/_sandbox/portals/:portalId/faults', (req, res) => {
    res.json(faults.apply(portalOf(req).portalId, parseInput(faultInput, req.body)));
  });
  router.delete('/_sandbox/portals/:portalId/faults', (req, res) => {
    faults.clear(portalOf(req).portalId);
    res.status(204).end();
  });

  return router;
}
