import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors.js';
import { CARDS_PATH } from './cards/router.js';
import { SALESFORCE_ORG_API_PATH } from './salesforce-org-routes.js';

export class CrossSiteRequestError extends AppError {
  constructor(reason: string) {
    super(403, 'cross_site_request', `This request came from another site (${reason}); nothing was changed.`);
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** `Sec-Fetch-Site` values a browser sends for a request started by a page of another origin. */
const FOREIGN_FETCH_SITES = new Set(['cross-site', 'same-site']);

export interface OriginGuardOptions {
  /** The server's public address (PUBLIC_URL): its origin is the dashboard's. */
  publicUrl: string;
  /** Paths the guard covers (prefixes), e.g. `/api/`. */
  paths: string[];
  /**
   * Prefixes inside `paths` that other servers call with their own authentication (the CRM's
   * signed requests, API-key batches); a browser's origin means nothing there.
   */
  exempt: string[];
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * The request's own origin when it was addressed to this machine by a loopback name (a developer's
 * `http://localhost:3000` while PUBLIC_URL names 127.0.0.1 or a tunnel). Any other Host is not
 * trusted: a page on a rebound domain would name its own host.
 */
function loopbackOrigin(req: Request): string | undefined {
  const host = req.get('host');
  if (!host) return undefined;
  const origin = originOf(`${req.protocol}://${host}`);
  return origin && LOOPBACK_HOSTS.has(new URL(origin).hostname) ? origin : undefined;
}

/** Whether the guard covers a path; routing ignores case, so the comparison does too. */
function covered(requestPath: string, options: OriginGuardOptions): boolean {
  const path = requestPath.toLowerCase();
  return options.paths.some((p) => path.startsWith(p)) && !options.exempt.some((p) => path.startsWith(p));
}

/**
 * Refuses (403) a state-changing request (POST, PUT, PATCH, DELETE) to the dashboard's and the
 * admin's API that a browser says was started by another site: an `Origin` other than the server's
 * own, or `Sec-Fetch-Site: cross-site`/`same-site`. Such a request carries no SameSite=Lax cookie,
 * so without this check it would fall through to the loopback admin. Requests without either
 * header (the CLI, curl, servers) pass; their callers are checked by the route's own guard.
 */
export function originGuard(options: OriginGuardOptions): RequestHandler {
  const own = originOf(options.publicUrl);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || !covered(req.path, options)) return next();
    const fetchSite = req.get('sec-fetch-site')?.toLowerCase();
    if (fetchSite && FOREIGN_FETCH_SITES.has(fetchSite)) {
      throw new CrossSiteRequestError(`Sec-Fetch-Site: ${fetchSite}`);
    }
    const origin = req.get('origin');
    if (origin !== undefined && origin !== own && origin !== loopbackOrigin(req)) {
      throw new CrossSiteRequestError(`Origin ${origin} is not this server’s`);
    }
    next();
  };
}

/**
 * The guard as the app mounts it: every change under `/api/` (the dashboard's session routes and
 * the admin's routes), except the CRM-facing routes that are signed by HubSpot or Salesforce (risk
 * cards, the Salesforce org's package) and usage batches sent with a portal's API key. Webhooks and
 * workflow actions live outside `/api/`.
 */
export function dashboardOriginGuard(publicUrl: string): RequestHandler {
  return originGuard({
    publicUrl,
    paths: ['/api/'],
    exempt: [`${CARDS_PATH}/`, `${SALESFORCE_ORG_API_PATH}/`, '/api/v1/usage-events'],
  });
}
