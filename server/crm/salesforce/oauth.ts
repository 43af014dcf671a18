/**
 * Salesforce's OAuth 2.0 web-server flow with PKCE, on jsforce's OAuth2 client. The code verifier
 * is derived from the install's `state` with our client secret, so no verifier is kept between
 * the authorize page and the callback, and one intercepted code cannot be redeemed without the secret.
 */
import { createHmac } from 'node:crypto';
import type { OAuth2, TokenResponse } from 'jsforce';
import { z } from 'zod';
import {
  OAuthRequestError,
  type CrmAuthorization,
  type CrmOAuth,
  type CrmTokenGrant,
  type CrmTokenIdentity,
} from '../oauth.js';
import { SALESFORCE_API_VERSION } from './api-version.js';
import { jsforce } from './jsforce-module.js';

export interface SalesforceOAuthOptions {
  /** `https://login.salesforce.com`, `https://test.salesforce.com`, or a My Domain login origin. */
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  apiVersion?: string;
  /**
   * How long an access token lives: Salesforce does not say with the token (the org's session
   * timeout decides, two hours unless changed); a 401 before then is refreshed anyway.
   */
  sessionSeconds?: number;
}

/** The scopes the app asks of Salesforce: the REST API, a refresh token, and who the user is. */
export const SALESFORCE_SCOPES = ['api', 'refresh_token', 'id'];

const tokenSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  instance_url: z.url(),
  id: z.url(),
  scope: z.string().optional(),
});

const identitySchema = z.object({
  user_id: z.string().min(15),
  organization_id: z.string().min(15),
  username: z.string().optional(),
  email: z.string().optional(),
  active: z.boolean().optional(),
});

const oauthErrorSchema = z.object({ name: z.string(), message: z.string() });

/** Salesforce's token answers that mean the grant is gone for good. */
const REVOKED_ERRORS = new Set(['invalid_grant', 'inactive_user', 'inactive_org']);

export class SalesforceOAuth implements CrmOAuth {
  private readonly apiVersion: string;

  constructor(private readonly options: SalesforceOAuthOptions) {
    this.apiVersion = options.apiVersion ?? SALESFORCE_API_VERSION;
  }

  /** Salesforce's scopes are the app's own (`SALESFORCE_SCOPES`); the HubSpot-style lists passed in are not used. */
  authorizeUrl(params: { state: string; scopes: string[]; optionalScopes: string[] }): string {
    const client = this.client(params.state);
    return client.getAuthorizationUrl({ scope: SALESFORCE_SCOPES.join(' '), state: params.state });
  }

  async exchangeCode(code: string, state: string): Promise<CrmAuthorization> {
    const answer = await this.tokenCall(() => this.client(state).requestToken(code));
    const grant = this.grantOf(answer);
    if (!answer.refresh_token) {
      throw new OAuthRequestError(
        400,
        'invalid_scope',
        'Salesforce gave no refresh token: the connected app must allow the refresh_token scope.',
        false,
      );
    }
    return { grant, identity: await this.identify(answer) };
  }

  async refresh(refreshToken: string): Promise<CrmTokenGrant> {
    const answer = await this.tokenCall(() => this.client().refreshToken(refreshToken));
    // With rotation on, Salesforce answers a new refresh token and spends the old one.
    return { ...this.grantOf(answer), refreshToken: answer.refresh_token ?? refreshToken };
  }

  async revoke(refreshToken: string): Promise<void> {
    await this.tokenCall(() => this.client().revokeToken(refreshToken));
  }

  /** Salesforce has no uninstall call for a connected app: revoking the token ends the grant. */
  async uninstall(accessToken: string): Promise<void> {
    await this.revoke(accessToken);
  }

  /** The PKCE verifier of one authorize round trip: 43 url-safe characters from state and secret. */
  codeVerifier(state: string): string {
    return createHmac('sha256', this.options.clientSecret).update(`pkce:${state}`).digest('base64url');
  }

  private client(state?: string): OAuth2 {
    const client = new (jsforce().OAuth2)({
      loginUrl: this.options.loginUrl,
      clientId: this.options.clientId,
      clientSecret: this.options.clientSecret,
      redirectUri: this.options.redirectUri,
    });
    if (state !== undefined) client.codeVerifier = this.codeVerifier(state);
    return client;
  }

  private grantOf(answer: z.infer<typeof tokenSchema>): CrmTokenGrant & { refreshToken: string } {
    return {
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token ?? '',
      expiresInSeconds: this.options.sessionSeconds ?? 2 * 60 * 60,
      scopes: (answer.scope ?? '').split(/\s+/).filter(Boolean),
      apiBase: new URL(answer.instance_url).origin,
    };
  }

  /** Who the token is for: its identity URL, and the org's name. */
  private async identify(answer: z.infer<typeof tokenSchema>): Promise<CrmTokenIdentity> {
    const conn = new (jsforce().Connection)({
      instanceUrl: answer.instance_url,
      accessToken: answer.access_token,
      version: this.apiVersion,
    });
    const identity = identitySchema.parse(await conn.request({ method: 'GET', url: answer.id }));
    const org = await conn.query<{ Name: string }>('SELECT Name FROM Organization LIMIT 1');
    return {
      active: identity.active ?? true,
      account: {
        id: identity.organization_id,
        name: org.records[0]?.Name ?? identity.organization_id,
        domain: new URL(answer.instance_url).host,
      },
      userId: identity.user_id,
      ...(identity.email ? { userEmail: identity.email } : {}),
      scopes: (answer.scope ?? '').split(/\s+/).filter(Boolean),
      // Salesforce issues a code only to the connected app whose client id asked for it.
      issuedToOurApp: true,
    };
  }

  private async tokenCall<T>(call: () => Promise<T>): Promise<z.infer<typeof tokenSchema>>;
  private async tokenCall(call: () => Promise<void>): Promise<void>;
  private async tokenCall(call: () => Promise<unknown>): Promise<unknown> {
    let answer: unknown;
    try {
      answer = await call();
    } catch (error) {
      const parsed = oauthErrorSchema.safeParse(error);
      if (!parsed.success) throw error;
      const { name, message } = parsed.data;
      if (name.startsWith('ERROR_HTTP_5')) throw error;
      throw new OAuthRequestError(400, name, message || name, REVOKED_ERRORS.has(name));
    }
    return answer === undefined ? undefined : tokenSchema.parse(answer as TokenResponse);
  }
}
