import type { CrmConnector, PropertyGroupSpec, PropertySpec } from '../connector.js';
import { ensureHubSpotProperties } from './properties.js';
import type { HubSpotRequester } from './requester.js';

/** The CRM connector on HubSpot's 2026-03 APIs; every call goes through the requester's limits. */
export class HubSpotConnector implements CrmConnector {
  constructor(private readonly requester: HubSpotRequester) {}

  ensureProperties(
    portalId: number,
    objectType: 'contacts',
    group: PropertyGroupSpec,
    properties: PropertySpec[],
  ) {
    return ensureHubSpotProperties(this.requester, portalId, objectType, group, properties);
  }
}
