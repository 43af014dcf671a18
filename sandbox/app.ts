/**
 * The sandbox's HTTP app: HubSpot's API paths (OAuth, CRM objects, search, batch, properties,
 * associations v3 and v4 with labels and limits, owners, pipelines, users) behind HubSpot's
 * authentication, rate limits and injectable faults, plus the `/_sandbox` admin API. Other parts
 * of the sandbox (webhooks, workflows, the web view) pass their routers in `extraRouters`; they are
 * mounted after the API routes.
 */
import express from 'express';
import type { SandboxStore } from './store.js';
import { createAdminRouter } from './http/admin.js';
import { createAssociationConfigurationsRouter } from './http/association-configurations.js';
import { createAssociationLabelsRouter } from './http/association-labels.js';
import { createAssociationRemovalsRouter } from './http/association-removals.js';
import { createAssociationsRouter } from './http/associations.js';
import { createAssociationsV3Router } from './http/associations-v3.js';
import { createBatchRouter } from './http/batch.js';
import { createGdprDeleteRouter } from './http/gdpr-delete.js';
import { createMergeRouter } from './http/merge.js';
import { hubSpotErrorHandler, HubSpotError } from './http/errors.js';
import { FaultInjector, type FaultInput } from './http/faults.js';
import { createApiGuard } from './http/guards.js';
import { createAuthorizeRouter } from './http/oauth-authorize.js';
import { OAuthGrants } from './http/oauth-grants.js';
import { createTokenInfoRouter } from './http/oauth-token-info.js';
import { createTokenRouter } from './http/oauth-tokens.js';
import { createObjectsRouter } from './http/objects.js';
import { createOwnersRouter } from './http/owners.js';
import { createPipelinesRouter } from './http/pipelines.js';
import { createUsersRouter } from './http/users.js';
import { createPropertiesRouter } from './http/properties.js';
import { RateLimiter, type RateLimitSettings } from './http/rate-limit.js';
import { createSearchRouter } from './http/search.js';

export interface SandboxOptions {
  /** Overrides of HubSpot's limits (110 per 10 s, 5 searches per second); on by default. */
  rateLimits?: Partial<RateLimitSettings>;
  /** Faults to inject from the start, by portal id. */
  faults?: Record<number, FaultInput>;
  /**
   * The longest a change waits before search shows it (each waits between half of it and all of
   * it; see search-index.ts): 3,000 ms by default, as HubSpot shows a change within seconds; 0
   * for tests that need search exact at once.
   */
  searchIndexLagMs?: number;
  /** Routers mounted after the API routes (webhooks, workflows, web view). */
  extraRouters?: express.Router[];
}

/** The sandbox's moving parts, for code that starts it in-process (tests, the CLI). */
export interface SandboxControls {
  limiter: RateLimiter;
  faults: FaultInjector;
  grants: OAuthGrants;
}

const CONTROLS = 'sandboxControls';

export function sandboxControls(app: express.Express): SandboxControls {
  return app.locals[CONTROLS] as SandboxControls;
}

export function createSandboxApp(store: SandboxStore, options: SandboxOptions = {}): express.Express {
  if (options.searchIndexLagMs !== undefined) store.searchIndexLag.configure(options.searchIndexLagMs);
  const limiter = new RateLimiter(options.rateLimits ?? {}, () => store.now().getTime());
  const faults = new FaultInjector(store);
  for (const [portalId, input] of Object.entries(options.faults ?? {})) faults.apply(Number(portalId), input);
  const grants = new OAuthGrants(store);
  const guard = createApiGuard(store, limiter, faults);

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.locals[CONTROLS] = { limiter, faults, grants } satisfies SandboxControls;
  app.use(['/crm', '/appinstalls', '/_sandbox'], express.json({ limit: '20mb' }));

  app.use(createAuthorizeRouter(store, grants));
  app.use(createTokenRouter(store, grants, guard));
  app.use(createTokenInfoRouter(store));
  // Search and batch first: their paths would otherwise read as `/{objectType}/{objectId}`.
  app.use(createSearchRouter(guard));
  app.use(createBatchRouter(guard));
  app.use(createMergeRouter(guard));
  app.use(createGdprDeleteRouter(guard));
  app.use(createAssociationsRouter(guard));
  app.use(createAssociationRemovalsRouter(guard));
  app.use(createAssociationLabelsRouter(guard));
  app.use(createAssociationConfigurationsRouter(guard));
  app.use(createAssociationsV3Router(guard));
  app.use(createObjectsRouter(guard));
  app.use(createPropertiesRouter(guard));
  app.use(createOwnersRouter(guard));
  app.use(createPipelinesRouter(guard));
  app.use(createUsersRouter(guard));
  app.use(createAdminRouter({ store, grants, limiter, faults }));
  for (const router of options.extraRouters ?? []) app.use(router);

  app.use((req, _res, next) => {
    next(new HubSpotError(404, 'OBJECT_NOT_FOUND', `No route for ${req.method} ${req.path}`));
  });
  app.use(hubSpotErrorHandler);
  return app;
}
