/**
 * Authentication for HubSpot's developer APIs (webhook settings, workflow action definitions).
 * HubSpot checks the developer account's API key; the sandbox has no developer accounts, so the
 * key it accepts in `?hapikey=` is the app's client secret.
 */
import type { NextFunction, Request, Response } from 'express';
import { HubSpotError } from '../http/errors.js';
import type { SandboxStore } from '../store.js';

/** Middleware for routes with an `:appId` parameter. */
export function requireDeveloperKey(store: SandboxStore) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const app = store.apps.get(Number(req.params.appId));
    if (!app || req.query.hapikey !== app.clientSecret) {
      throw new HubSpotError(
        401,
        'INVALID_AUTHENTICATION',
        'The developer API key (hapikey) is missing or does not belong to this app.',
      );
    }
    next();
  };
}
