/**
 * What HubSpot tells about a live OAuth token, the same in the 2026-03 introspection answer and the
 * v1 token-information endpoints: the legacy fields (`hub_id`, `user`, …), and for an access token
 * its expiry and the signed token's claims.
 */
import type { OAuthToken, SandboxStore } from '../store.js';

export function tokenInfo(store: SandboxStore, token: OAuthToken): Record<string, unknown> {
  const portal = store.portal(token.portalId);
  const domain = portal?.domain ?? 'sandbox.local';
  const common = {
    active: true,
    app_id: token.appId,
    client_id: store.apps.get(token.appId)?.clientId ?? '',
    hub_id: token.portalId,
    hub_domain: domain,
    user: portal?.ownerOfUser(token.userId)?.email ?? `admin@${domain}`,
    user_id: token.userId,
    scopes: token.scopes,
    token: token.token,
  };
  if (token.use === 'refresh_token') return { ...common, token_type: 'refresh', token_use: 'refresh_token' };
  const expiresAt = token.expiresAt?.getTime() ?? 0;
  return {
    ...common,
    token_type: 'access',
    token_use: 'access_token',
    expires_in: Math.max(0, Math.floor((expiresAt - store.now().getTime()) / 1000)),
    is_private_distribution: false,
    signed_access_token: {
      appId: token.appId,
      appInstallId: `${token.appId}:${token.portalId}`,
      audience: 'sandbox',
      expiresAt,
      hubId: token.portalId,
      hublet: 'na1',
      installingUserId: token.userId,
      isPrivateDistribution: false,
      isServiceAccount: false,
      isUserLevel: false,
      newSignature: '',
      scopeToScopeGroupPks: '',
      scopes: token.scopes.join(' '),
      signature: '',
      trialScopeToScopeGroupPks: '',
      trialScopes: '',
      userId: token.userId,
    },
  };
}
