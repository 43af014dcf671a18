import { HubSpotConnector } from './crm/hubspot/connector.js';
import { HubSpotRequester } from './crm/hubspot/requester.js';
import { PortalRateLimiter, type RateLimits } from './crm/rate-limit.js';
import { HubSpotOAuth } from './oauth/hubspot-oauth.js';
import { InstallState } from './oauth/install-state.js';
import { loadTokenKey, TokenCipher } from './oauth/token-cipher.js';
import { TokenVault } from './oauth/token-vault.js';
import { forgetRevokedPortal } from './oauth/uninstall.js';
import type { Runtime } from './runtime.js';

type Connections = Pick<Runtime, 'config' | 'logger' | 'db' | 'queues'>;

/** The product's long-lived parts, built once per process on top of its connections. */
export interface Services {
  cipher: TokenCipher;
  installState: InstallState;
  /** Absent until the HubSpot app's credentials are set. */
  hubspot:
    | { oauth: HubSpotOAuth; vault: TokenVault; connector: HubSpotConnector; requester: HubSpotRequester }
    | undefined;
}

export function createServices(runtime: Connections, options: { rateLimits?: RateLimits } = {}): Services {
  const { config, logger, db, queues } = runtime;
  const cipher = new TokenCipher(
    loadTokenKey({ configuredKey: config.tokenEncryptionKey, dataDir: config.dataDir }),
  );
  const installState = new InstallState(cipher.derive('oauth-state'), queues.connection, config.queuePrefix);
  const { clientId, clientSecret } = config.hubspot;
  if (!clientId || !clientSecret) return { cipher, installState, hubspot: undefined };

  const oauth = new HubSpotOAuth({
    apiBase: config.hubspot.apiBase,
    authorizeUrl: config.hubspot.authorizeUrl,
    clientId,
    clientSecret,
    redirectUri: `${config.publicUrl}/oauth/callback`,
  });
  const vault = new TokenVault({
    db: db.db,
    cipher,
    oauth,
    redis: queues.connection,
    keyPrefix: config.queuePrefix,
    logger,
    onRevoked: (portalId) =>
      forgetRevokedPortal({ db: db.db, queues, logger }, portalId, 'the CRM refused our refresh token'),
  });
  const requester = new HubSpotRequester({
    apiBase: config.hubspot.apiBase,
    tokens: vault,
    limiter: new PortalRateLimiter(
      queues.connection,
      config.queuePrefix,
      options.rateLimits ?? config.hubspot.rateLimits,
    ),
  });
  return {
    cipher,
    installState,
    hubspot: { oauth, vault, requester, connector: new HubSpotConnector(requester) },
  };
}
