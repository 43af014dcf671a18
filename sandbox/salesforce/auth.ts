/**
 * OAuth 2.0 as Salesforce runs it for connected apps: the web-server flow with PKCE (single-use
 * codes bound to the app, the redirect URI and the code challenge), refresh tokens (rotated when
 * the app asks for it, a replayed spent one revoking its whole grant), revocation, and opaque
 * access tokens (`00D…!AQ…`) that expire after two hours. Time is the sandbox clock, so a test can
 * let a token expire by moving it.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { SalesforceOrg, SalesforceStore, SfUser } from './store.js';

/** A connected app as an org admin configures it. */
export interface ConnectedApp {
  clientId: string;
  clientSecret: string;
  /** Callback URLs; `redirect_uri` must be one of them exactly. */
  redirectUris: string[];
  name?: string;
  /** OAuth scopes the app may be granted; by default every scope the sandbox knows. */
  scopes?: string[];
  /** Each refresh answers a new refresh token and spends the old one. */
  rotateRefreshTokens?: boolean;
  /** Lifetime of an access token (the org's session timeout); 2 hours unless set. */
  accessTokenTtlMs?: number;
}

/** Where the two origins listen; filled in once the servers are up. */
export interface SalesforceOrigins {
  loginUrl: string;
  instanceUrl: string;
}

export const DEFAULT_ACCESS_TOKEN_TTL_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_SCOPES = ['api', 'refresh_token', 'offline_access', 'full', 'id', 'openid', 'web'];
const CODE_TTL_MS = 15 * 60 * 1000;
/** Scopes that let the web-server flow answer a refresh token. */
const REFRESH_SCOPES = ['refresh_token', 'offline_access', 'full'];

/** An error of the OAuth endpoints, sent as `{error, error_description}`. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    description: string,
    readonly httpStatus = 400,
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

const expiredToken = (): OAuthError => new OAuthError('invalid_grant', 'expired access/refresh token');
const authenticationFailure = (): OAuthError => new OAuthError('invalid_grant', 'authentication failure');

/** The answer of the token endpoint. */
export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  signature: string;
  scope: string;
  instance_url: string;
  id: string;
  token_type: 'Bearer';
  issued_at: string;
}

/** The form fields the token endpoint reads. */
export interface TokenForm {
  grant_type?: string | undefined;
  client_id?: string | undefined;
  client_secret?: string | undefined;
  code?: string | undefined;
  redirect_uri?: string | undefined;
  code_verifier?: string | undefined;
  refresh_token?: string | undefined;
}

/** What the user approved on the consent page. */
export interface Approval {
  clientId: string;
  redirectUri: string;
  orgId: string;
  userId: string;
  scope: string;
  codeChallenge?: string | undefined;
}

/** One approval of an app by a user: every token issued from it belongs to it. */
interface Grant {
  id: number;
  clientId: string;
  orgId: string;
  userId: string;
  scope: string;
  revokedAt?: Date;
}

interface AccessToken {
  grant: Grant;
  expiresAt: number;
  revokedAt?: Date;
}

interface RefreshToken {
  grant: Grant;
  spentAt?: Date;
}

interface AuthorizationCode extends Approval {
  expiresAt: number;
}

/** Who is calling, once a bearer token checks out. */
export interface ApiSession {
  accessToken: string;
  clientId: string;
  org: SalesforceOrg;
  user: SfUser;
  scope: string;
}

/** A random string of the characters Salesforce tokens use. */
function opaque(bytes: number): string {
  return randomBytes(bytes).toString('base64').replace(/\+/g, '.').replace(/\//g, '_').replace(/=/g, '');
}

/** The S256 code challenge of a PKCE verifier: base64url of its SHA-256. */
export function codeChallengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function findUser(org: SalesforceOrg, userId: string): SfUser | undefined {
  const exact = org.users.get(userId);
  if (exact) return exact;
  const wanted = userId.slice(0, 15);
  for (const user of org.users.values()) if (user.Id.slice(0, 15) === wanted) return user;
  return undefined;
}

export class SalesforceAuth {
  readonly apps = new Map<string, ConnectedApp>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly grants: Grant[] = [];
  private grantSerial = 0;

  constructor(
    private readonly store: SalesforceStore,
    readonly origins: SalesforceOrigins,
    private readonly defaultAccessTokenTtlMs = DEFAULT_ACCESS_TOKEN_TTL_MS,
  ) {}

  registerApp(app: ConnectedApp): void {
    this.apps.set(app.clientId, { ...app, redirectUris: [...app.redirectUris] });
  }

  app(clientId: string): ConnectedApp | undefined {
    return this.apps.get(clientId);
  }

  /** Scopes the app may be granted. */
  scopesOf(app: ConnectedApp): string[] {
    return app.scopes ?? DEFAULT_SCOPES;
  }

  /** The identity URL of a user, on the login origin. */
  idUrl(orgId: string, userId: string): string {
    return `${this.origins.loginUrl}/id/${orgId}/${userId}`;
  }

  /** The user approved on the consent page: a code for the app's redirect. */
  approve(approval: Approval): string {
    const code = `aPrx${opaque(36)}`;
    this.codes.set(code, { ...approval, expiresAt: this.now() + CODE_TTL_MS });
    return code;
  }

  token(form: TokenForm): TokenResponse {
    if (form.grant_type !== 'authorization_code' && form.grant_type !== 'refresh_token') {
      throw new OAuthError('unsupported_grant_type', 'grant type not supported');
    }
    const app = this.authenticateClient(form);
    return form.grant_type === 'authorization_code' ? this.exchangeCode(app, form) : this.refresh(app, form);
  }

  /** Tokens without the browser step, for the admin API (tests and the demo). */
  issue(clientId: string, orgId: string, userId: string, scope?: string): TokenResponse {
    const app = this.apps.get(clientId);
    if (!app) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    const grant = this.newGrant(app, orgId, userId, scope ?? this.scopesOf(app).join(' '));
    return this.respond(app, grant, this.grantsRefresh(grant.scope));
  }

  /**
   * Revokes a token: an access token ends that session; a refresh token revokes its grant, every
   * access and refresh token issued from it. Answers false for a token the sandbox never issued.
   */
  revoke(token: string): boolean {
    const access = this.accessTokens.get(token);
    if (access) {
      access.revokedAt ??= this.store.now();
      return true;
    }
    const refresh = this.refreshTokens.get(token);
    if (refresh) {
      this.revokeGrant(refresh.grant);
      return true;
    }
    return false;
  }

  /** The session behind a bearer token, or undefined when it is unknown, expired or revoked. */
  session(accessToken: string): ApiSession | undefined {
    const access = this.accessTokens.get(accessToken);
    if (!access || access.revokedAt || access.grant.revokedAt || access.expiresAt <= this.now()) {
      return undefined;
    }
    const org = this.store.org(access.grant.orgId);
    const user = org ? findUser(org, access.grant.userId) : undefined;
    if (!org || !user || !user.IsActive) return undefined;
    return { accessToken, clientId: access.grant.clientId, org, user, scope: access.grant.scope };
  }

  /** Ends every access token of the org now, as a session timeout would; refresh tokens stay. */
  expireAccessTokens(orgId: string): number {
    const now = this.now();
    let expired = 0;
    for (const access of this.accessTokens.values()) {
      if (access.grant.orgId === orgId && access.expiresAt > now) {
        access.expiresAt = now;
        expired += 1;
      }
    }
    return expired;
  }

  /** Revokes every grant of the org (of one app when `clientId` is given), as an admin would. */
  revokeGrants(orgId: string, clientId?: string): number {
    let revoked = 0;
    for (const grant of this.grants) {
      if (grant.orgId === orgId && (!clientId || grant.clientId === clientId) && !grant.revokedAt) {
        this.revokeGrant(grant);
        revoked += 1;
      }
    }
    return revoked;
  }

  private exchangeCode(app: ConnectedApp, form: TokenForm): TokenResponse {
    const stored = form.code ? this.codes.get(form.code) : undefined;
    // Single use: a code is gone once presented, whether or not the exchange succeeds.
    if (form.code) this.codes.delete(form.code);
    if (!stored || stored.clientId !== app.clientId || stored.expiresAt <= this.now()) {
      throw authenticationFailure();
    }
    if (stored.redirectUri !== form.redirect_uri) {
      throw new OAuthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
    }
    const verified = stored.codeChallenge
      ? form.code_verifier !== undefined && codeChallengeOf(form.code_verifier) === stored.codeChallenge
      : form.code_verifier === undefined;
    if (!verified) throw authenticationFailure();
    const grant = this.newGrant(app, stored.orgId, stored.userId, stored.scope);
    return this.respond(app, grant, this.grantsRefresh(grant.scope));
  }

  private refresh(app: ConnectedApp, form: TokenForm): TokenResponse {
    const refresh = form.refresh_token ? this.refreshTokens.get(form.refresh_token) : undefined;
    if (!refresh || refresh.grant.clientId !== app.clientId || refresh.grant.revokedAt) {
      throw expiredToken();
    }
    if (refresh.spentAt) {
      // A rotated token presented again: someone holds a copy, so the whole grant goes.
      this.revokeGrant(refresh.grant);
      throw expiredToken();
    }
    const org = this.store.org(refresh.grant.orgId);
    const user = org ? findUser(org, refresh.grant.userId) : undefined;
    if (!user?.IsActive) throw expiredToken();
    if (app.rotateRefreshTokens) {
      refresh.spentAt = this.store.now();
      return this.respond(app, refresh.grant, true);
    }
    return this.respond(app, refresh.grant, false);
  }

  private respond(app: ConnectedApp, grant: Grant, withRefreshToken: boolean): TokenResponse {
    const issuedAt = this.now();
    const accessToken = `${grant.orgId.slice(0, 15)}!AQ${opaque(72)}`;
    this.accessTokens.set(accessToken, {
      grant,
      expiresAt: issuedAt + (app.accessTokenTtlMs ?? this.defaultAccessTokenTtlMs),
    });
    const id = this.idUrl(grant.orgId, grant.userId);
    const response: TokenResponse = {
      access_token: accessToken,
      signature: createHmac('sha256', app.clientSecret).update(`${id}${issuedAt}`).digest('base64'),
      scope: grant.scope,
      instance_url: this.origins.instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: String(issuedAt),
    };
    if (!withRefreshToken) return response;
    const refreshToken = `5Aep${opaque(60)}`;
    this.refreshTokens.set(refreshToken, { grant });
    return { ...response, refresh_token: refreshToken };
  }

  private newGrant(app: ConnectedApp, orgId: string, userId: string, scope: string): Grant {
    const grant: Grant = { id: ++this.grantSerial, clientId: app.clientId, orgId, userId, scope };
    this.grants.push(grant);
    return grant;
  }

  private revokeGrant(grant: Grant): void {
    grant.revokedAt ??= this.store.now();
  }

  private grantsRefresh(scope: string): boolean {
    return scope.split(' ').some((name) => REFRESH_SCOPES.includes(name));
  }

  private authenticateClient(form: TokenForm): ConnectedApp {
    const app = form.client_id ? this.apps.get(form.client_id) : undefined;
    if (!app) throw new OAuthError('invalid_client_id', 'client identifier invalid');
    if (form.client_secret !== app.clientSecret) {
      throw new OAuthError('invalid_client', 'invalid client credentials');
    }
    return app;
  }

  private now(): number {
    return this.store.now().getTime();
  }
}
