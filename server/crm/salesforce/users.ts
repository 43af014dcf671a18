import type { CrmUser } from '../connector.js';
import { query } from './objects.js';
import { PLAYS_PERMISSION_SET, RUN_PLAYS_PERMISSION } from './org-package.js';
import type { SalesforceRequester } from './requester.js';
import { idList, idLiteral, stringLiteral } from './soql.js';

const ids = (rows: Record<string, unknown>[], fieldName: string): string[] =>
  rows.map((row) => row[fieldName]).filter((id): id is string => typeof id === 'string' && id !== '');

/**
 * An active user of the org, and whether the org grants them the app's plays: the
 * `Churn_Radar_Plays` permission set, or any permission set of theirs (a profile's included) that
 * enables the `Churn_Radar_Run_Plays` custom permission (`SetupEntityAccess`).
 */
export async function findSalesforceUser(
  requester: SalesforceRequester,
  portalId: number,
  userId: string,
): Promise<CrmUser | null> {
  const users = await query(
    requester,
    portalId,
    `SELECT Id FROM User WHERE Id = ${idLiteral(userId)} AND IsActive = true LIMIT 1`,
  );
  const found = ids(users, 'Id')[0];
  if (!found) return null;
  const user = { id: found, superAdmin: false, roleIds: [] };

  const assignments = await query(
    requester,
    portalId,
    `SELECT PermissionSetId, PermissionSet.Name FROM PermissionSetAssignment WHERE AssigneeId = ${idLiteral(found)}`,
  );
  const named = (row: Record<string, unknown>) => {
    const set = row.PermissionSet;
    return typeof set === 'object' && set !== null ? (set as Record<string, unknown>).Name : undefined;
  };
  if (assignments.some((row) => named(row) === PLAYS_PERMISSION_SET)) return { ...user, playsGranted: true };
  const setIds = ids(assignments, 'PermissionSetId');
  if (setIds.length === 0) return { ...user, playsGranted: false };

  const permissions = await query(
    requester,
    portalId,
    `SELECT Id FROM CustomPermission WHERE DeveloperName = ${stringLiteral(RUN_PLAYS_PERMISSION)}`,
  );
  const permissionIds = ids(permissions, 'Id');
  if (permissionIds.length === 0) return { ...user, playsGranted: false };
  const grants = await query(
    requester,
    portalId,
    `SELECT Id FROM SetupEntityAccess WHERE SetupEntityId IN ${idList(permissionIds)} AND ParentId IN ${idList(setIds)} LIMIT 1`,
  );
  return { ...user, playsGranted: grants.length > 0 };
}
