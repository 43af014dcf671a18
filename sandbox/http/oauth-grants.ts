/**
 * OAuth 2.0 as HubSpot runs it for marketplace apps: authorization codes (single-use, short-lived,
 * bound to the app and redirect URI), 30-minute access tokens, refresh tokens that last until
 * revoked or the app is uninstalled, introspection and revocation. Errors carry RFC 6749's fields
 * and HubSpot's legacy `status`/`message` beside them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { adminUserId, type OAuthToken, type SandboxApp, type SandboxStore } from '../store.js';
import { tokenInfo } from './token-info.js';

export const ACCESS_TOKEN_TTL_SECONDS = 1800;
const CODE_TTL_MS = 10 * 60 * 1000;

interface AuthorizationCode {
  appId: number;
  portalId: number;
  /** Who approved: the tokens act as this user. */
  userId: number;
  redirectUri: string;
  scopes: string[];
  expiresAt: number;
}

export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly legacyStatus: string,
    description: string,
    readonly httpStatus = 400,
  ) {
    super(description);
  }

  body(): Record<string, string> {
    return {
      error: this.error,
      error_description: this.message,
      status: this.legacyStatus,
      message: this.message,
      correlationId: randomUUID(),
      category: 'VALIDATION_ERROR',
    };
  }
}

export interface AccessTokenResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: 'bearer';
  token_use: 'access_token';
  hub_id: number;
  user_id: number;
  scopes: string[];
}

/** The form fields the token, introspect and revoke endpoints read. */
export interface TokenForm {
  grant_type?: string;
  client_id?: string;
  client_secret?: string;
  code?: string;
  redirect_uri?: string;
  refresh_token?: string;
  token?: string;
  token_type_hint?: string;
}

function opaque(): string {
  return randomBytes(24).toString('base64url');
}

export class OAuthGrants {
  private readonly codes = new Map<string, AuthorizationCode>();

  constructor(private readonly store: SandboxStore) {}

  /**
   * The user approved: the app is installed in the portal and gets a code for its redirect. The
   * tokens act as `userId`, a user of the portal (its admin unless named).
   */
  approve(
    app: SandboxApp,
    portalId: number,
    redirectUri: string,
    scopes: string[],
    userId = adminUserId(portalId),
  ): string {
    this.store.install(app.appId, portalId);
    const code = opaque();
    this.codes.set(code, {
      appId: app.appId,
      portalId,
      userId,
      redirectUri,
      scopes,
      expiresAt: this.store.now().getTime() + CODE_TTL_MS,
    });
    return code;
  }

  token(form: TokenForm): AccessTokenResponse {
    const app = this.authenticateClient(form);
    if (form.grant_type === 'authorization_code') return this.exchangeCode(app, form);
    if (form.grant_type === 'refresh_token') return this.refresh(app, form);
    if (!form.grant_type) throw new OAuthError('invalid_request', 'BAD_GRANT_TYPE', 'missing grant_type');
    throw new OAuthError(
      'unsupported_grant_type',
      'BAD_GRANT_TYPE',
      `grant_type must be authorization_code or refresh_token, not ${form.grant_type}`,
    );
  }

  /** Issues tokens without the browser step, for the admin API (tests and the demo). */
  issue(app: SandboxApp, portalId: number, scopes: string[]): AccessTokenResponse {
    this.store.install(app.appId, portalId);
    const refresh = this.mint('refresh_token', app.appId, portalId, adminUserId(portalId), scopes);
    return this.accessTokenResponse(refresh);
  }

  introspect(form: TokenForm): Record<string, unknown> {
    const app = this.authenticateClient(form);
    const token = this.store.oauthTokens.get(form.token ?? '');
    if (!token || token.appId !== app.appId || !this.isActive(token)) return { active: false };
    return tokenInfo(this.store, token);
  }

  /**
   * RFC 7009 revocation. Revoking a refresh token also revokes the access tokens of that app in
   * that portal, since nothing could renew them; unknown tokens are ignored, as the RFC asks.
   */
  revoke(form: TokenForm): void {
    const app = this.authenticateClient(form);
    const token = this.store.oauthTokens.get(form.token ?? '');
    if (!token || token.appId !== app.appId || token.revokedAt) return;
    const now = this.store.now();
    token.revokedAt = now;
    if (token.use !== 'refresh_token') return;
    for (const other of this.store.oauthTokens.values()) {
      if (other.appId === token.appId && other.portalId === token.portalId && other.use === 'access_token') {
        other.revokedAt ??= now;
      }
    }
  }

  private exchangeCode(app: SandboxApp, form: TokenForm): AccessTokenResponse {
    const grant = this.codes.get(form.code ?? '');
    // Single use: a code is gone once presented, whether or not the exchange succeeds.
    if (form.code) this.codes.delete(form.code);
    if (!grant || grant.appId !== app.appId || grant.expiresAt <= this.store.now().getTime()) {
      throw new OAuthError('invalid_grant', 'BAD_AUTH_CODE', 'missing or unknown auth code');
    }
    if (grant.redirectUri !== form.redirect_uri) {
      throw new OAuthError(
        'invalid_grant',
        'BAD_REDIRECT_URI',
        'redirect_uri does not match the authorize request',
      );
    }
    if (!this.store.isInstalled(app.appId, grant.portalId)) {
      throw new OAuthError('invalid_grant', 'BAD_AUTH_CODE', 'the app was uninstalled from this portal');
    }
    const refresh = this.mint('refresh_token', app.appId, grant.portalId, grant.userId, grant.scopes);
    return this.accessTokenResponse(refresh);
  }

  private refresh(app: SandboxApp, form: TokenForm): AccessTokenResponse {
    const refresh = this.store.oauthTokens.get(form.refresh_token ?? '');
    if (
      !refresh ||
      refresh.use !== 'refresh_token' ||
      refresh.appId !== app.appId ||
      !this.isActive(refresh)
    ) {
      throw new OAuthError('invalid_grant', 'BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
    }
    return this.accessTokenResponse(refresh);
  }

  private accessTokenResponse(refresh: OAuthToken): AccessTokenResponse {
    const access = this.mint('access_token', refresh.appId, refresh.portalId, refresh.userId, refresh.scopes);
    return {
      access_token: access.token,
      refresh_token: refresh.token,
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      token_type: 'bearer',
      token_use: 'access_token',
      hub_id: refresh.portalId,
      user_id: refresh.userId,
      scopes: refresh.scopes,
    };
  }

  private mint(
    use: OAuthToken['use'],
    appId: number,
    portalId: number,
    userId: number,
    scopes: string[],
  ): OAuthToken {
    const issuedAt = this.store.now();
    const token: OAuthToken = {
      token: opaque(),
      use,
      appId,
      portalId,
      userId,
      scopes: [...scopes],
      issuedAt,
      ...(use === 'access_token'
        ? { expiresAt: new Date(issuedAt.getTime() + ACCESS_TOKEN_TTL_SECONDS * 1000) }
        : {}),
    };
    this.store.oauthTokens.set(token.token, token);
    return token;
  }

  private isActive(token: OAuthToken): boolean {
    if (token.revokedAt || !this.store.isInstalled(token.appId, token.portalId)) return false;
    return !token.expiresAt || token.expiresAt.getTime() > this.store.now().getTime();
  }

  private authenticateClient(form: TokenForm): SandboxApp {
    const app = form.client_id ? this.store.appByClientId(form.client_id) : undefined;
    if (!app) throw new OAuthError('invalid_client', 'BAD_CLIENT_ID', 'missing or unknown client_id');
    if (form.client_secret !== app.clientSecret) {
      throw new OAuthError('invalid_client', 'BAD_CLIENT_SECRET', 'client_secret does not match client_id');
    }
    return app;
  }
}
