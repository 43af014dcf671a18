import { z } from 'zod';
import { HUBSPOT_API_VERSION } from '../crm/hubspot/api-version.js';

/** HubSpot's OAuth endpoints (date-based 2026-03 paths): token, introspect, revoke, uninstall. */

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  token_type: z.string().optional(),
  hub_id: z.number().int().optional(),
  user_id: z.number().int().optional(),
  scopes: z.array(z.string()).optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

const introspectionSchema = z.object({
  active: z.boolean(),
  hub_id: z.number().int().optional(),
  hub_domain: z.string().optional(),
  app_id: z.number().int().optional(),
  user_id: z.number().int().optional(),
  user: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  expires_in: z.number().optional(),
});
export type Introspection = z.infer<typeof introspectionSchema>;

const oauthErrorSchema = z.object({
  error: z.string().optional(),
  error_description: z.string().optional(),
  status: z.string().optional(),
  message: z.string().optional(),
});

/** An answer from HubSpot's OAuth server refusing a request; `error` is the RFC 6749 code. */
export class OAuthRequestError extends Error {
  readonly code = 'oauth_request_failed';
  constructor(
    readonly httpStatus: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }

  /** The install is gone (uninstalled or revoked): refreshing will never work again. */
  get isRevoked(): boolean {
    return this.error === 'invalid_grant' || this.error === 'BAD_REFRESH_TOKEN';
  }
}

export interface HubSpotOAuthOptions {
  apiBase: string;
  authorizeUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export class HubSpotOAuth {
  constructor(private readonly options: HubSpotOAuthOptions) {}

  authorizeUrl(params: { state: string; scopes: string[]; optionalScopes: string[] }): string {
    const url = new URL(this.options.authorizeUrl);
    url.searchParams.set('client_id', this.options.clientId);
    url.searchParams.set('redirect_uri', this.options.redirectUri);
    url.searchParams.set('scope', params.scopes.join(' '));
    if (params.optionalScopes.length > 0)
      url.searchParams.set('optional_scope', params.optionalScopes.join(' '));
    url.searchParams.set('state', params.state);
    return url.toString();
  }

  exchangeCode(code: string): Promise<TokenResponse> {
    return this.token({ grant_type: 'authorization_code', code, redirect_uri: this.options.redirectUri });
  }

  refresh(refreshToken: string): Promise<TokenResponse> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async introspect(token: string): Promise<Introspection> {
    const body = await this.postForm(`/oauth/${HUBSPOT_API_VERSION}/token/introspect`, {
      token,
      token_type_hint: 'access_token',
    });
    return introspectionSchema.parse(body);
  }

  async revoke(refreshToken: string): Promise<void> {
    await this.postForm(`/oauth/${HUBSPOT_API_VERSION}/token/revoke`, {
      token: refreshToken,
      token_type_hint: 'refresh_token',
    });
  }

  /** Uninstalls the app from the token's portal (HubSpot then emails the portal's admins). */
  async uninstall(accessToken: string): Promise<void> {
    const response = await fetch(
      `${this.options.apiBase}/appinstalls/${HUBSPOT_API_VERSION}/external-install`,
      {
        method: 'DELETE',
        headers: { authorization: `Bearer ${accessToken}` },
      },
    );
    if (!response.ok) throw await this.errorOf(response);
  }

  private async token(fields: Record<string, string>): Promise<TokenResponse> {
    return tokenResponseSchema.parse(await this.postForm(`/oauth/${HUBSPOT_API_VERSION}/token`, fields));
  }

  private async postForm(path: string, fields: Record<string, string>): Promise<unknown> {
    const response = await fetch(`${this.options.apiBase}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        ...fields,
      }),
    });
    if (!response.ok) throw await this.errorOf(response);
    const text = await response.text();
    return text ? JSON.parse(text) : {};
  }

  private async errorOf(response: Response): Promise<OAuthRequestError> {
    let parsed: z.infer<typeof oauthErrorSchema> = {};
    try {
      parsed = oauthErrorSchema.parse(await response.json());
    } catch {
      // not JSON: keep the status alone
    }
    const error = parsed.error ?? parsed.status ?? `http_${response.status}`;
    const message =
      parsed.error_description ?? parsed.message ?? `HubSpot's OAuth server answered ${response.status}`;
    return new OAuthRequestError(response.status, error, message);
  }
}
