import { z } from 'zod';
import type { CrmRole, CrmUser } from '../connector.js';
import { CrmRequestError } from '../errors.js';
import type { HubSpotRequester } from './requester.js';

/** What HubSpot's users API (`PublicUser`) says about a user, as far as the product reads it. */
const publicUserSchema = z.object({
  id: z.string().min(1),
  superAdmin: z.boolean().optional(),
  roleIds: z.array(z.string()).optional(),
  roleId: z.string().optional(),
});

/** The user as the connector gives them; `roleId` is the older, single-role form of `roleIds`. */
export function toCrmUser(user: z.infer<typeof publicUserSchema>): CrmUser {
  const roleIds = new Set(user.roleIds ?? []);
  if (user.roleId) roleIds.add(user.roleId);
  return { id: user.id, superAdmin: user.superAdmin ?? false, roleIds: [...roleIds], playsGranted: null };
}

/**
 * A user of the portal by user id, through the SDK's users API (`GET /settings/v3/users/{userId}`,
 * scope `settings.users.read`); HubSpot answers 404 for a user id the portal does not have, or no
 * longer has.
 */
export async function findHubSpotUser(
  requester: HubSpotRequester,
  portalId: number,
  userId: string,
): Promise<CrmUser | null> {
  try {
    const user = await requester.sdkCall(portalId, 'GET /settings/v3/users/{userId}', (client) =>
      client.settings.users.usersApi.getById(userId, 'USER_ID'),
    );
    return toCrmUser(publicUserSchema.parse(user));
  } catch (error) {
    if (error instanceof CrmRequestError && error.httpStatus === 404) return null;
    throw error;
  }
}

/** A role as HubSpot's users API (`PublicPermissionSet`) names it. */
const publicRoleSchema = z.object({ id: z.string().min(1), name: z.string() });
const rolesAnswerSchema = z.object({ results: z.array(publicRoleSchema) });

/**
 * The portal's roles, by name (`GET /settings/v3/users/roles`, scope `settings.users.read`): what
 * a portal's admin chooses from when only some roles may start plays.
 */
export async function listHubSpotRoles(requester: HubSpotRequester, portalId: number): Promise<CrmRole[]> {
  const answer = await requester.sdkCall(portalId, 'GET /settings/v3/users/roles', (client) =>
    client.settings.users.rolesApi.getAll(),
  );
  return rolesAnswerSchema
    .parse(answer)
    .results.map(({ id, name }) => ({ id, name: name.trim() || `Role ${id}` }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
