/**
 * Who may start plays from the risk card, as the Settings page reads it: how the portal's CRM
 * decides it, and the roles a portal's admin chooses from. Declared once: the server's routes
 * build these answers and the dashboard's pages read them (a type-only import).
 */
import type { CardPlaysRule } from '../../settings/card-plays-rule.js';

export type { CardPlaysRule };

/**
 * How the portal's CRM decides who may start plays from the card (in the settings' `options`):
 * the portal's `cardPlays` setting (HubSpot), or the org's own permissions (Salesforce), where the
 * setting does not apply.
 */
export type CardPlaysDecision =
  | { by: 'portal_setting' }
  | { by: 'salesforce_permissions'; permissionSet: string; customPermission: string };

/** A role of the portal, as its CRM names it. */
export interface PortalRole {
  id: string;
  name: string;
}

/** GET /api/v1/portals/:portalId/settings/roles: the portal's roles, by name. */
export interface PortalRolesAnswer {
  roles: PortalRole[];
}
