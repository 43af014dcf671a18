import type { CrmPlug, CrmPlugDeps, CrmStack } from '../registry.js';
import { PortalRateLimiter } from '../rate-limit.js';
import { SalesforceConnector } from './connector.js';
import { SalesforceOAuth } from './oauth.js';
import { SalesforceRequester } from './requester.js';

export interface SalesforceStack extends CrmStack {
  oauth: SalesforceOAuth;
  connector: SalesforceConnector;
  /** Every Salesforce call of the process goes through it (and is counted per org). */
  requester: SalesforceRequester;
}

/** Salesforce as the product's registry holds it; its parts once the connected app's credentials are set. */
export function salesforcePlug(deps: CrmPlugDeps): CrmPlug<SalesforceStack> {
  const settings = deps.config.salesforce;
  const plug = { name: 'Salesforce', enabledBy: 'SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET' };
  const { clientId, clientSecret } = settings;
  if (!clientId || !clientSecret) return { ...plug, stack: undefined };

  const oauth = new SalesforceOAuth({
    loginUrl: settings.loginUrl,
    clientId,
    clientSecret,
    redirectUri: `${deps.config.publicUrl}/oauth/callback`,
    apiVersion: settings.apiVersion,
  });
  const vault = deps.vaultFor(oauth);
  const requester = new SalesforceRequester({
    tokens: vault,
    apiVersion: settings.apiVersion,
    limiter: new PortalRateLimiter(
      deps.redis,
      `${deps.keyPrefix}:salesforce`,
      deps.rateLimits ?? settings.rateLimits,
    ),
  });
  return { ...plug, stack: { oauth, vault, requester, connector: new SalesforceConnector(requester) } };
}
