/**
 * Who grants the risk card's plays, by CRM: in Salesforce the org does, through the app package's
 * permission set (or any permission set with its custom permission); in HubSpot the portal's
 * `cardPlays` setting decides. A fact about each CRM, known without its credentials.
 */
import type { CrmKind } from '../db/schema.js';

export interface PlaysPermissions {
  permissionSet: string;
  customPermission: string;
}

export const SALESFORCE_PLAYS_PERMISSIONS: PlaysPermissions = {
  permissionSet: 'Churn_Radar_Plays',
  customPermission: 'Churn_Radar_Run_Plays',
};

/** Where the CRM itself grants the plays; null where the portal's `cardPlays` setting decides. */
export function playsPermissionsOf(crm: CrmKind): PlaysPermissions | null {
  return crm === 'salesforce' ? SALESFORCE_PLAYS_PERMISSIONS : null;
}
