/**
 * HubSpot's v1 token-information endpoints, which the Node client still calls and HubSpot serves
 * until 2027-02-16: `GET /oauth/v1/access-tokens/{token}`, `GET /oauth/v1/refresh-tokens/{token}`
 * and `DELETE /oauth/v1/refresh-tokens/{token}` (revocation). The token in the path is the only
 * credential. A token the sandbox never issued, or one no longer usable, answers 404.
 */
import express from 'express';
import type { OAuthToken, SandboxStore } from '../store.js';
import { HubSpotError } from './errors.js';
import { tokenInfo } from './token-info.js';

function tokenNotFound(): HubSpotError {
  return new HubSpotError(404, 'OBJECT_NOT_FOUND', 'Token not found or no longer valid.');
}

/** The token when it may still be used: not revoked, not expired, its app still installed. */
function usableToken(store: SandboxStore, value: string, use: OAuthToken['use']): OAuthToken {
  const token = store.oauthTokens.get(value);
  if (!token || token.use !== use || token.revokedAt) throw tokenNotFound();
  if (!store.isInstalled(token.appId, token.portalId)) throw tokenNotFound();
  if (token.expiresAt && token.expiresAt.getTime() <= store.now().getTime()) throw tokenNotFound();
  return token;
}

export function createTokenInfoRouter(store: SandboxStore): express.Router {
  const router = express.Router();

  router.get('/oauth/v1/access-tokens/:token', (req, res) => {
    const token = usableToken(store, String(req.params.token), 'access_token');
    res.json(tokenInfo(store, token));
  });

  router.get('/oauth/v1/refresh-tokens/:token', (req, res) => {
    const token = usableToken(store, String(req.params.token), 'refresh_token');
    res.json(tokenInfo(store, token));
  });

  // Revoking a refresh token ends the access tokens it renewed, as `/token/revoke` does.
  router.delete('/oauth/v1/refresh-tokens/:token', (req, res) => {
    const token = usableToken(store, String(req.params.token), 'refresh_token');
    const now = store.now();
    token.revokedAt = now;
    for (const other of store.oauthTokens.values()) {
      if (other.appId === token.appId && other.portalId === token.portalId && other.use === 'access_token') {
        other.revokedAt ??= now;
      }
    }
    res.status(204).end();
  });

  return router;
}
