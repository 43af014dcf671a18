/**
 * The middleware in front of every REST handler on the instance origin, in Salesforce's order:
 * who is calling (401 `INVALID_SESSION_ID`), the API version (v50.0–v66.0), injected faults
 * (latency, the concurrent-request 403, 5xx), then the org's daily allowance (403
 * `REQUEST_LIMIT_EXCEEDED`). Every answer to an authenticated call carries
 * `Sforce-Limit-Info: api-usage=N/M`. A call whose answer is to be lost is carried out as usual and
 * answered with the 504 page of the gateway in front of the org, which is not Salesforce's JSON.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { loseAnswer } from '../../lost-answer.js';
import type { ApiSession, SalesforceAuth } from '../auth.js';
import type { SalesforceFaults } from '../faults.js';
import type { ApiLimits } from '../limits.js';
import type { SalesforceOrg } from '../store.js';
import { SalesforceApiError, type SoqlSource } from '../types.js';
import { notFound, sessionInvalid } from './errors.js';

export const MIN_API_VERSION = 50;
export const MAX_API_VERSION = 66;

/** The authenticated caller of a REST request. */
export interface RestCaller extends ApiSession {
  /** The API version of the path, as `64.0`. */
  version: string;
  /** The org as the caller's field-level security lets it be queried. */
  source: SoqlSource;
  /** The client name of `Sforce-Call-Options: client=…`, when sent. */
  client: string | undefined;
}

const CALLER = Symbol('salesforce caller');

/** The caller the guard put on this response; throws if the route forgot the guard. */
export function callerOf(res: Response): RestCaller {
  const caller = (res.locals as { [CALLER]?: RestCaller })[CALLER];
  if (!caller) throw new Error('route is missing the REST guard');
  return caller;
}

/** The org seen through one user's field-level security: hidden fields do not exist. */
export function fieldSecureSource(org: SalesforceOrg, userId: string): SoqlSource {
  return {
    schema: (sobject) => org.schemaFor(sobject, userId),
    records: (sobject) => org.records(sobject),
    byId: (id) => org.byId(id),
  };
}

/** The bearer token of a request: `Authorization: Bearer …` (or `OAuth …`, as older clients send). */
export function bearerToken(req: Request): string | undefined {
  const match = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

/** `v64.0` → `64.0`, or undefined for a version Salesforce does not serve. */
export function apiVersionOf(segment: string | undefined): string | undefined {
  const match = /^v(\d{2})\.0$/.exec(segment ?? '');
  const major = match ? Number(match[1]) : NaN;
  return major >= MIN_API_VERSION && major <= MAX_API_VERSION ? `${major}.0` : undefined;
}

/** The `client` option of `Sforce-Call-Options: client=Name, defaultNamespace=ns`. */
export function callOptionsClient(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(',')) {
    const [name, ...value] = part.split('=');
    if (name?.trim().toLowerCase() === 'client' && value.length) return value.join('=').trim() || undefined;
  }
  return undefined;
}

/** A stable name for the endpoint of a path under `/services/data/vNN.N`: ids become `{id}`. */
export function endpointLabel(method: string, path: string): string {
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      if (/^[a-zA-Z0-9]{15,18}-\d+$/.test(segment)) return '{locator}';
      if (/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(segment) && /\d/.test(segment)) return '{id}';
      return segment;
    });
  return `${method} ${segments.join('/')}`;
}

export interface GuardDeps {
  auth: SalesforceAuth;
  limits: ApiLimits;
  faults: SalesforceFaults;
}

const GATEWAY_TIMEOUT_PAGE =
  '<html><head><title>504 Gateway Time-out</title></head><body><h1>504 Gateway Time-out</h1></body></html>\n';

function limitHeader(res: Response, used: number, max: number): void {
  res.setHeader('Sforce-Limit-Info', `api-usage=${used}/${max}`);
}

/** The guard chain; mount the REST routers behind it at `/services/data/:version`. */
export function createRestGuard({ auth, limits, faults }: GuardDeps): RequestHandler[] {
  return [
    (req: Request, res: Response, next: NextFunction) => {
      const token = bearerToken(req);
      const session = token ? auth.session(token) : undefined;
      if (!session) throw sessionInvalid();
      const version = apiVersionOf(req.params.version as string | undefined);
      if (!version) throw notFound();
      const caller: RestCaller = {
        ...session,
        version,
        source: fieldSecureSource(session.org, session.user.Id),
        client: callOptionsClient(req.get('sforce-call-options')),
      };
      (res.locals as { [CALLER]?: RestCaller })[CALLER] = caller;
      limits.countCall(session.org.orgId, endpointLabel(req.method, req.path));
      next();
    },
    async (_req: Request, res: Response, next: NextFunction) => {
      const { org } = callerOf(res);
      const fault = faults.decide(org.orgId);
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      const usage = limits.usage(org.orgId, org.dailyApiLimit);
      if (fault.outcome === 'concurrent-limit') {
        limitHeader(res, usage.used, usage.max);
        throw new SalesforceApiError(
          403,
          'REQUEST_LIMIT_EXCEEDED',
          'ConcurrentPerOrgLongTxn Limit exceeded.',
        );
      }
      if (fault.outcome === 'server-error') {
        limitHeader(res, usage.used, usage.max);
        throw fault.errorStatus === 503
          ? new SalesforceApiError(503, 'SERVER_UNAVAILABLE', 'Server unavailable, please try again later.')
          : new SalesforceApiError(
              fault.errorStatus,
              'UNKNOWN_EXCEPTION',
              'An unexpected error occurred. Please include this ErrorId if you contact support: 1357924680-13579',
            );
      }
      if (fault.outcome === 'lost-answer') {
        loseAnswer(res, (lost) => lost.status(504).type('html').send(GATEWAY_TIMEOUT_PAGE));
      }
      const decision = limits.take(org.orgId, org.dailyApiLimit);
      limitHeader(res, decision.used, decision.max);
      if (!decision.allowed) {
        throw new SalesforceApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      }
      next();
    },
  ];
}
