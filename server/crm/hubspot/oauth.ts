import { z } from 'zod';
import { OAuthRequestError, type CrmAuthorization, type CrmOAuth, type CrmTokenGrant } from '../oauth.js';
import { HUBSPOT_API_VERSION } from './api-version.js';

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
type TokenResponse = z.infer<typeof tokenResponseSchema>;

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
type Introspection = z.infer<typeof introspectionSchema>;

const oauthErrorSchema = z.object({
  error: z.string().optional(),
  error_description: z.string().optional(),
  status: z.string().optional(),
  message: z.string().optional(),
});

/** HubSpot's answers to a refresh of an install that is gone (uninstalled or revoked). */
const REVOKED_ERRORS = new Set(['invalid_grant', 'BAD_REFRESH_TOKEN']);

/** A portal named in a sign-in link: HubSpot's hub ids are digits. */
const HUB_ID = /^\d{1,15}$/;

export interface HubSpotOAuthOptions {
  apiBase: string;
  authorizeUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Our app's id: a token HubSpot issued to another app is not ours. */
  appId?: number | undefined;
}

export class HubSpotOAuth implements CrmOAuth {
  constructor(private readonly options: HubSpotOAuthOptions) {}

  authorizeUrl(params: {
    state: string;
    scopes: string[];
    optionalScopes: string[];
    account?: string;
  }): string {
    const url = new URL(this.options.authorizeUrl);
    url.searchParams.set('client_id', this.options.clientId);
    url.searchParams.set('redirect_uri', this.options.redirectUri);
    url.searchParams.set('scope', params.scopes.join(' '));
    if (params.optionalScopes.length > 0)
      url.searchParams.set('optional_scope', params.optionalScopes.join(' '));
    url.searchParams.set('state', params.state);
    // HubSpot's portal-specific authorize page (`/oauth/{portalId}/authorize`), as its own links
    // use, so the user does not pick the account again.
    if (params.account && HUB_ID.test(params.account))
      url.pathname = url.pathname.replace(/\/oauth\/authorize$/, `/oauth/${params.account}/authorize`);
    return url.toString();
  }

  async exchangeCode(code: string): Promise<CrmAuthorization> {
    const tokens = await this.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.options.redirectUri,
    });
    const info = await this.introspect(tokens.access_token);
    const hubId = info.hub_id ?? tokens.hub_id;
    const userId = info.user_id ?? tokens.user_id;
    const { appId } = this.options;
    return {
      grant: grantOf(tokens),
      identity: {
        active: info.active,
        ...(hubId === undefined
          ? {}
          : {
              account: {
                id: String(hubId),
                name: info.hub_domain ?? `HubSpot portal ${hubId}`,
                domain: info.hub_domain ?? null,
              },
            }),
        ...(userId === undefined ? {} : { userId: String(userId) }),
        ...(info.user === undefined ? {} : { userEmail: info.user }),
        scopes: tokens.scopes ?? info.scopes ?? [],
        issuedToOurApp: appId === undefined || info.app_id === undefined || info.app_id === appId,
      },
    };
  }

  async refresh(refreshToken: string): Promise<CrmTokenGrant> {
    return grantOf(await this.token({ grant_type: 'refresh_token', refresh_token: refreshToken }));
  }

  private async introspect(token: string): Promise<Introspection> {
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
    return new OAuthRequestError(response.status, error, message, REVOKED_ERRORS.has(error));
  }
}

function grantOf(tokens: TokenResponse): CrmTokenGrant {
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresInSeconds: tokens.expires_in,
    ...(tokens.scopes ? { scopes: tokens.scopes } : {}),
  };
}
