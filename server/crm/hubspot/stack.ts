import type { CrmPlug, CrmPlugDeps, CrmStack } from '../registry.js';
import { PortalRateLimiter } from '../rate-limit.js';
import { HubSpotConnector } from './connector.js';
import { HubSpotOAuth } from './oauth.js';
import { HubSpotRequester } from './requester.js';

export interface HubSpotStack extends CrmStack {
  oauth: HubSpotOAuth;
  connector: HubSpotConnector;
  /** Every HubSpot call of the process goes through it (and is counted per portal). */
  requester: HubSpotRequester;
}

/** HubSpot as the product's registry holds it; its parts once the app's credentials are set. */
export function hubspotPlug(deps: CrmPlugDeps): CrmPlug<HubSpotStack> {
  const settings = deps.config.hubspot;
  const plug = { name: 'HubSpot', enabledBy: 'HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET' };
  const { clientId, clientSecret } = settings;
  if (!clientId || !clientSecret) return { ...plug, stack: undefined };

  const oauth = new HubSpotOAuth({
    apiBase: settings.apiBase,
    authorizeUrl: settings.authorizeUrl,
    clientId,
    clientSecret,
    redirectUri: `${deps.config.publicUrl}/oauth/callback`,
    appId: settings.appId,
  });
  const vault = deps.vaultFor(oauth);
  const requester = new HubSpotRequester({
    apiBase: settings.apiBase,
    tokens: vault,
    limiter: new PortalRateLimiter(deps.redis, deps.keyPrefix, deps.rateLimits ?? settings.rateLimits),
  });
  return { ...plug, stack: { oauth, vault, requester, connector: new HubSpotConnector(requester) } };
}
