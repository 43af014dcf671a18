/**
 * The Salesforce sandbox's two HTTP apps, as Salesforce splits them: the login origin
 * (OAuth 2.0 authorize, token and revoke, and the identity service) and the instance origin (the
 * REST API under `/services/data/vNN.N/` — sObjects, SOQL, sObject Collections, Bulk API 2.0
 * query jobs, Tooling, the Connect REST API's named-credential credentials — behind
 * authentication, injectable faults and the daily API allowance, plus the `/_sandbox/salesforce`
 * admin API, which also installs packages and makes callouts as the org's Apex would). The
 * instance origin answers the token and identity endpoints too, as a Salesforce My Domain does.
 */
import { createRecordPageRouter } from './http/record-page.js';
import express, { type Response } from 'express';
import { SalesforceAuth, type SalesforceOrigins } from './auth.js';
import { SalesforceFaults, type SalesforceFaultInput } from './faults.js';
import { ApiLimits } from './limits.js';
import type { SalesforceStore } from './store.js';
import { Callouts } from './callouts.js';
import { createAdminRouter } from './http/admin.js';
import { QueryJobs } from './http/bulk-query-jobs.js';
import { createBulkQueryRouter } from './http/bulk-query.js';
import { createCompositeRouter } from './http/composite.js';
import { notFound, salesforceErrorHandler } from './http/errors.js';
import { callerOf, createRestGuard } from './http/guard.js';
import { createIdentityRouter } from './http/identity.js';
import { createNamedCredentialsRouter } from './http/named-credentials.js';
import { createAuthorizeRouter } from './http/oauth-authorize.js';
import { createTokenRouter } from './http/oauth-tokens.js';
import { createOrgLimitsRouter } from './http/org-limits.js';
import { createPackageAdminRouter } from './http/package-admin.js';
import { QueryCursors } from './http/query-cursors.js';
import { createQueryRouter } from './http/query.js';
import type { WriteContext } from './http/record-writes.js';
import { createSobjectsRouter } from './http/sobjects.js';
import { createToolingRouter, toolingQueryResult } from './http/tooling.js';
import { createResourcesRouter, createVersionListRouter } from './http/versions.js';
import { WriteLog } from './http/write-log.js';
import { NamedCredentials } from './named-credentials.js';

export interface SalesforceSandboxOptions {
  /** Lifetime of access tokens of apps that do not set their own; 2 hours by default. */
  accessTokenTtlMs?: number;
  /** Faults to inject from the start, by org id. */
  faults?: Record<string, SalesforceFaultInput>;
}

/** The sandbox's moving parts, for code that starts it in-process (tests, the CLI). */
export interface SalesforceControls {
  auth: SalesforceAuth;
  faults: SalesforceFaults;
  limits: ApiLimits;
  writes: WriteLog;
  jobs: QueryJobs;
  /** Installed packages' credentials and the secrets set for their principals. */
  credentials: NamedCredentials;
  callouts: Callouts;
}

export interface SalesforceApps {
  login: express.Express;
  instance: express.Express;
  controls: SalesforceControls;
}

function baseApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  return app;
}

export function createSalesforceApps(
  store: SalesforceStore,
  origins: SalesforceOrigins,
  options: SalesforceSandboxOptions = {},
): SalesforceApps {
  const now = () => store.now();
  const auth = new SalesforceAuth(store, origins, options.accessTokenTtlMs);
  const limits = new ApiLimits(now);
  const faults = new SalesforceFaults({
    auth,
    limits,
    dailyLimitOf: (orgId) => store.org(orgId)?.dailyApiLimit ?? 0,
  });
  for (const [orgId, input] of Object.entries(options.faults ?? {})) faults.apply(orgId, input);
  const writes = new WriteLog();
  const cursors = new QueryCursors(now);
  const jobs = new QueryJobs(now);
  const credentials = new NamedCredentials();
  const callouts = new Callouts(credentials);
  const controls: SalesforceControls = { auth, faults, limits, writes, jobs, credentials, callouts };
  const writeContext = (res: Response): WriteContext => {
    const caller = callerOf(res);
    return { org: caller.org, userId: caller.user.Id, client: caller.client, faults, log: writes, now };
  };

  const login = baseApp();
  login.use(createAuthorizeRouter(store, auth));
  login.use(createTokenRouter(auth));
  login.use(createIdentityRouter(auth));
  login.use((_req, _res, next) => next(notFound()));
  login.use(salesforceErrorHandler);

  const rest = express.Router({ mergeParams: true });
  rest.use(createResourcesRouter(auth));
  rest.use(createOrgLimitsRouter(limits, jobs));
  rest.use(createSobjectsRouter({ writeContext, now }));
  rest.use(createCompositeRouter(writeContext));
  rest.use(createQueryRouter(cursors, now));
  rest.use(
    createQueryRouter(cursors, now, {
      prefix: 'tooling/',
      sourceOf: (caller) => caller.org.tooling,
      finish: toolingQueryResult,
    }),
  );
  rest.use(createToolingRouter(writeContext));
  rest.use(createBulkQueryRouter(jobs, now));
  rest.use(createNamedCredentialsRouter(credentials));

  const instance = baseApp();
  instance.use(
    ['/services/data', '/_sandbox/salesforce'],
    express.json({ limit: '50mb', type: ['application/json', 'application/*+json'] }),
  );
  instance.use(createVersionListRouter());
  instance.use(createTokenRouter(auth));
  instance.use(createIdentityRouter(auth));
  instance.use('/services/data/:version', ...createRestGuard({ auth, limits, faults }), rest);
  instance.use(createPackageAdminRouter({ store, credentials, callouts }));
  instance.use(createAdminRouter({ store, auth, faults, limits, writes }));
  instance.use(createRecordPageRouter(store));
  instance.use((_req, _res, next) => next(notFound()));
  instance.use(salesforceErrorHandler);

  return { login, instance, controls };
}
