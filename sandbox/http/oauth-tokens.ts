/**
 * The token endpoints (`POST /oauth/2026-03/token`, `/token/introspect`, `/token/revoke`, with the
 * `/oauth/v3/…` and legacy `/oauth/v1/token` paths the SDK calls) and the app-uninstall endpoint
 * `DELETE /appinstalls/2026-03/external-install`.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { SandboxStore } from '../store.js';
import { callerOf } from './auth.js';
import type { ApiGuard } from './guards.js';
import { OAuthError, type OAuthGrants, type TokenForm } from './oauth-grants.js';
import { PREFIXES, routes } from './version.js';

const tokenForm = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  refresh_token: z.string().optional(),
  token: z.string().optional(),
  token_type_hint: z.string().optional(),
});

function formOf(req: Request): TokenForm {
  const parsed = tokenForm.safeParse(req.body ?? {});
  if (!parsed.success) {
    throw new OAuthError('invalid_request', 'BAD_REQUEST', 'each form field must appear once, as text');
  }
  return parsed.data;
}

function oauthErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (error instanceof OAuthError) {
    res.status(error.httpStatus).json(error.body());
    return;
  }
  next(error);
}

export function createTokenRouter(store: SandboxStore, grants: OAuthGrants, guard: ApiGuard): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false });

  router.post(routes(PREFIXES.oauth, '/token'), form, (req, res) => {
    res.set('Cache-Control', 'no-store').json(grants.token(formOf(req)));
  });
  router.post(routes(PREFIXES.oauth, '/token/introspect'), form, (req, res) => {
    res.json(grants.introspect(formOf(req)));
  });
  router.post(routes(PREFIXES.oauth, '/token/revoke'), form, (req, res) => {
    grants.revoke(formOf(req));
    res.status(200).end();
  });

  router.delete(routes(PREFIXES.appInstalls, '/external-install'), ...guard(() => ['oauth']), (_req, res) => {
    const { app, portal } = callerOf(res);
    store.uninstall(app.appId, portal.portalId);
    res.status(204).end();
  });

  router.use(oauthErrors);
  return router;
}
