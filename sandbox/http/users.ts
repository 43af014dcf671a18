/**
 * HubSpot's user provisioning API (settings users 2026-03), the reads: `GET /settings/users/2026-03`
 * (and `/settings/v3/users/`, which the SDK calls) pages through the portal's active users with
 * `limit` and `after`; `GET …/{userId}` reads one by user id or, with `idProperty=EMAIL`, by email;
 * `GET …/roles` lists the portal's roles. A deactivated user (an archived owner) is no user here:
 * 404, as for an id the portal never had.
 *
 * The `settings.users.read` scope lets an app read them.
 */
import express from 'express';
import { z } from 'zod';
import type { PortalData, SandboxOwner, SandboxRole } from '../store.js';
import { callerOf } from './auth.js';
import { notFound, validationError } from './errors.js';
import type { ApiGuard } from './guards.js';
import { routes } from './version.js';

export const USERS_SCOPE = 'settings.users.read';
const PREFIXES = ['/settings/users/2026-03', '/settings/v3/users'] as const;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 100;

/** A user as `PublicUser` shows them: their teams as ids, their roles (the first also as `roleId`). */
export function toPublicUser(owner: SandboxOwner) {
  const primary = owner.teams.find((team) => team.primary);
  const secondary = owner.teams.filter((team) => team !== primary).map((team) => team.id);
  return {
    id: String(owner.userId),
    email: owner.email,
    firstName: owner.firstName,
    lastName: owner.lastName,
    superAdmin: owner.superAdmin,
    roleIds: [...owner.roleIds],
    ...(owner.roleIds[0] ? { roleId: owner.roleIds[0] } : {}),
    ...(primary ? { primaryTeamId: primary.id } : {}),
    secondaryTeamIds: secondary,
    sendWelcomeEmail: false,
  };
}

export function toPublicRole(role: SandboxRole) {
  return { id: role.id, name: role.name, requiresBillingWrite: role.requiresBillingWrite };
}

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
  after: z.string().regex(/^\d+$/, 'after must be a cursor from paging.next.after').optional(),
});
const readQuery = z.object({ idProperty: z.enum(['USER_ID', 'EMAIL']).default('USER_ID') });

function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error.issues.map((issue) => issue.message).join('; '));
}

/** The portal's active users in user-id order. */
function activeUsers(portal: PortalData): SandboxOwner[] {
  return [...portal.owners.values()].filter((owner) => !owner.archived).sort((a, b) => a.userId - b.userId);
}

export function createUsersRouter(guard: ApiGuard): express.Router {
  const router = express.Router();
  const checks = guard(() => [USERS_SCOPE]);

  router.get(
    PREFIXES.flatMap((prefix) => [prefix, `${prefix}/`]),
    ...checks,
    (req, res) => {
      const { portal } = callerOf(res);
      const { limit, after } = parseQuery(listQuery, req.query);
      const users = activeUsers(portal).filter((user) => after === undefined || user.userId >= Number(after));
      const next = users[limit];
      const link = new URL(`${req.protocol}://${req.get('host')}${req.originalUrl}`);
      if (next) link.searchParams.set('after', String(next.userId));
      res.json({
        results: users.slice(0, limit).map(toPublicUser),
        ...(next ? { paging: { next: { after: String(next.userId), link: link.toString() } } } : {}),
      });
    },
  );

  router.get(routes(PREFIXES, '/roles'), ...checks, (_req, res) => {
    const { portal } = callerOf(res);
    res.json({ results: [...portal.roles.values()].map(toPublicRole) });
  });

  router.get(routes(PREFIXES, '/:userId'), ...checks, (req, res) => {
    const { portal } = callerOf(res);
    const { idProperty } = parseQuery(readQuery, req.query);
    const key = String(req.params.userId);
    const user = activeUsers(portal).find((candidate) =>
      idProperty === 'EMAIL'
        ? candidate.email.toLowerCase() === key.toLowerCase()
        : String(candidate.userId) === key,
    );
    if (!user) throw notFound(`User with ${idProperty} ${key} not found.`, { userId: [key] });
    res.json(toPublicUser(user));
  });

  return router;
}
