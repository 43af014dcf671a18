/**
 * The HubSpot API version the sandbox serves. HubSpot's numbered paths (v1–v4) go unsupported in
 * 2027, so the product calls the date-based paths; the numbered ones the Node SDK still calls are
 * served by the same handlers.
 */
export const API_VERSION = '2026-03';

/** Each API's path prefixes: the date-based one first, then the numbered ones the SDK calls. */
export const PREFIXES = {
  objects: [`/crm/objects/${API_VERSION}`, '/crm/v3/objects'],
  objectAssociations: [`/crm/objects/${API_VERSION}`, '/crm/v4/objects'],
  associations: [`/crm/associations/${API_VERSION}`, '/crm/v4/associations'],
  /** HubSpot's v3 associations API, which the dated versions replace with the v4 shapes. */
  associationsV3: ['/crm/v3/associations'],
  properties: [`/crm/properties/${API_VERSION}`, '/crm/v3/properties'],
  owners: [`/crm/owners/${API_VERSION}`, '/crm/v3/owners'],
  oauth: [`/oauth/${API_VERSION}`, '/oauth/v3', '/oauth/v1'],
  appInstalls: [`/appinstalls/${API_VERSION}`, '/appinstalls/v3'],
} as const;

/** The route `suffix` under each of `prefixes`, for express to match. */
export function routes(prefixes: readonly string[], suffix: string): string[] {
  return prefixes.map((prefix) => prefix + suffix);
}
