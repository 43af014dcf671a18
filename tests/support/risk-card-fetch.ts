import { signatureV3 } from '../../server/crm/hubspot/request-signature.js';
import { adminUserId } from '../../sandbox/store.js';
import { PRODUCT_APP } from './product-server.js';

/**
 * The risk card's data as HubSpot fetches it for a portal's super admin: the identity appended to
 * the URL and the request signed (v3) with the app's secret (the test product's app by default).
 * Returns the answer as it came.
 */
export function fetchRiskCard(
  productUrl: string,
  hubId: number,
  contactId: string,
  app: { appId: number; clientSecret: string } = PRODUCT_APP,
): Promise<Response> {
  const url = `${productUrl}/api/v1/cards/contact-risk?contactId=${encodeURIComponent(contactId)}&userId=${adminUserId(hubId)}&userEmail=a%40example.com&appId=${app.appId}&portalId=${hubId}`;
  const timestamp = String(Date.now());
  return fetch(url, {
    headers: {
      'X-HubSpot-Signature-v3': signatureV3(app.clientSecret, 'GET', url, Buffer.alloc(0), timestamp),
      'X-HubSpot-Request-Timestamp': timestamp,
    },
  });
}
