/**
 * Bearer authentication and scope checks for HubSpot API paths. A token reaches only the portal it
 * was issued for: every handler reads the portal from the authenticated caller, never from the
 * request.
 */
import type { NextFunction, Request, Response } from 'express';
import type { OAuthToken, PortalData, SandboxApp, SandboxStore } from '../store.js';
import { HubSpotError } from './errors.js';

export interface ApiCaller {
  store: SandboxStore;
  token: OAuthToken;
  app: SandboxApp;
  portal: PortalData;
}

const CALLER = Symbol('hubspot caller');

/** The caller `authenticate` put on this response; throws if the route forgot to authenticate. */
export function callerOf(res: Response): ApiCaller {
  const caller = (res.locals as { [CALLER]?: ApiCaller })[CALLER];
  if (!caller) throw new Error('route is missing the authenticate middleware');
  return caller;
}

/** The source recorded on changes an app makes through the API: the app's id. */
export function changeSource(caller: ApiCaller): string {
  return String(caller.app.appId);
}

function invalidAuthentication(message: string): HubSpotError {
  return new HubSpotError(401, 'INVALID_AUTHENTICATION', message);
}

export function authenticate(store: SandboxStore) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match ? store.oauthTokens.get(match[1]!) : undefined;
    if (!token || token.use !== 'access_token') {
      throw invalidAuthentication(
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      );
    }
    if (token.revokedAt || !store.isInstalled(token.appId, token.portalId)) {
      throw invalidAuthentication('The OAuth token used to make this call has been revoked.');
    }
    const expiredForMs = store.now().getTime() - (token.expiresAt?.getTime() ?? 0);
    if (expiredForMs >= 0) {
      throw new HubSpotError(
        401,
        'EXPIRED_AUTHENTICATION',
        `The OAuth token used to make this call expired ${Math.floor(expiredForMs / 1000)} second(s) ago.`,
      );
    }
    const app = store.apps.get(token.appId);
    const portal = store.portal(token.portalId);
    if (!app || !portal) throw invalidAuthentication('The app or portal behind this token no longer exists.');
    (res.locals as { [CALLER]?: ApiCaller })[CALLER] = { store, token, app, portal };
    next();
  };
}

/**
 * The scopes a call needs: every scope of a list, or, where HubSpot's spec lists alternatives for
 * an operation, every scope of any one of them.
 */
export type ScopeRequirement = string[] | { anyOf: string[][] };

/** Throws HubSpot's 403 MISSING_SCOPES unless the caller's token meets `requirement`. */
export function assertScopeRule(caller: ApiCaller, requirement: ScopeRequirement): void {
  if (Array.isArray(requirement)) return assertScopes(caller, requirement);
  const held = (scopes: string[]) => scopes.every((scope) => caller.token.scopes.includes(scope));
  if (requirement.anyOf.some(held)) return;
  assertScopes(caller, requirement.anyOf[0] ?? []);
}

/** Throws HubSpot's 403 MISSING_SCOPES unless the caller's token holds every scope in `required`. */
export function assertScopes(caller: ApiCaller, required: string[]): void {
  const missing = required.filter((scope) => !caller.token.scopes.includes(scope));
  if (missing.length === 0) return;
  throw new HubSpotError(
    403,
    'MISSING_SCOPES',
    "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    {
      errors: [
        {
          message: 'One or more of the following scopes are required.',
          context: { requiredGranularScopes: required },
        },
      ],
      context: { missingScopes: missing },
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    },
  );
}
