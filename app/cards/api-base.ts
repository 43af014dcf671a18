/**
 * Where the card reaches the Churn Radar server. The token is replaced with the deployment's public
 * https:// address when the HubSpot project is generated, the same address the app lists in
 * `permittedUrls.fetch`.
 */
export const API_BASE = '{{PUBLIC_URL}}';
