/**
 * What the product needs from a CRM's OAuth server, whichever CRM it is. Each CRM's folder holds
 * the class that speaks its dialect (HubSpot's in ./hubspot/oauth.ts); the install and sign-in
 * routes and the token vault see only these types.
 */

/** Tokens the CRM issued for one install. */
export interface CrmTokenGrant {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
  /** The scopes granted, when the CRM says so with the tokens. */
  scopes?: string[];
  /** Where this install's API answers, when the CRM says so with the tokens (Salesforce's instance_url). */
  apiBase?: string;
}

/** Whom a fresh token belongs to, as the CRM says. */
export interface CrmTokenIdentity {
  /** False when the CRM does not hold the token live. */
  active: boolean;
  /** The CRM account the app is installed in (a HubSpot portal, a Salesforce org). */
  account?: { id: string; name: string; domain: string | null };
  /** The user who went through the authorize page. */
  userId?: string;
  userEmail?: string;
  scopes: string[];
  /** False when the CRM issued the token to another app than ours. */
  issuedToOurApp: boolean;
}

export interface CrmAuthorization {
  grant: CrmTokenGrant;
  identity: CrmTokenIdentity;
}

export interface CrmOAuth {
  /**
   * The CRM's authorize page. `account` names the CRM account the user means, when a link knows
   * it; a CRM that cannot use it leaves it out.
   */
  authorizeUrl(params: {
    state: string;
    scopes: string[];
    optionalScopes: string[];
    account?: string;
  }): string;
  /**
   * Trades the authorize page's code for tokens, and says whom they are for. `state` is the one the
   * authorize URL carried (a CRM using PKCE derives its code verifier from it).
   */
  exchangeCode(code: string, state: string): Promise<CrmAuthorization>;
  /** Throws OAuthRequestError with `isRevoked` when the install is gone. */
  refresh(refreshToken: string): Promise<CrmTokenGrant>;
  revoke(refreshToken: string): Promise<void>;
  /** Removes the app from the token's account. */
  uninstall(accessToken: string): Promise<void>;
}

/** Where a portal's access token comes from; the OAuth token vault implements it. */
export interface AccessTokenSource {
  accessToken(portalId: number): Promise<string>;
  /** The install's own API origin, when its CRM gave one with the tokens; null otherwise. */
  apiBase(portalId: number): Promise<string | null>;
  /**
   * A new token after the CRM refused `rejected` (401): the token another process put in its place
   * meanwhile when there is one, else a refreshed one. Throws CrmAccessRevokedError if the install
   * is gone.
   */
  refreshAccessToken(portalId: number, rejected?: string): Promise<string>;
}

/** The tokens of a CRM's installs, kept by the product (encrypted at rest). */
export interface CrmTokenStore extends AccessTokenSource {
  store(portalId: number, grant: CrmTokenGrant, installedByUserId?: string): Promise<void>;
  /** The refresh token in clear, for revoking it at uninstall. */
  refreshToken(portalId: number): Promise<string>;
}

/** An answer from a CRM's OAuth server refusing a request; `error` is the RFC 6749 code. */
export class OAuthRequestError extends Error {
  readonly code = 'oauth_request_failed';
  constructor(
    readonly httpStatus: number,
    readonly error: string,
    message: string,
    /** The install is gone (uninstalled or revoked): refreshing will never work again. */
    readonly isRevoked: boolean,
  ) {
    super(message);
  }
}
