/**
 * HubSpot's owners API (crmOwners 2026-03): `GET /crm/owners/2026-03` (and `/crm/v3/owners`, which
 * the SDK calls) pages through the portal's owners in id order with `limit` (100 by default) and
 * the `after` cursor, filtered by `email` and by `archived` (only archived owners when true);
 * `GET …/{ownerId}` reads one, by owner id or, with `idProperty=userId`, by user id.
 *
 * Either of the `crm.objects.owners.read` and `automation` scopes lets an app read owners.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { PortalData, SandboxOwner } from '../store.js';
import { assertScopes, callerOf } from './auth.js';
import { notFound, validationError } from './errors.js';
import type { ApiGuard } from './guards.js';
import { PREFIXES, routes } from './version.js';

const DEFAULT_LIMIT = 100;
/** The spec's security: any one of these scopes is enough. */
const OWNER_SCOPES = ['crm.objects.owners.read', 'automation'];

/** An owner as the API shows it; a deactivated (archived) user keeps only `userIdIncludingInactive`. */
export function toPublicOwner(owner: SandboxOwner) {
  return {
    id: owner.id,
    email: owner.email,
    type: 'PERSON' as const,
    firstName: owner.firstName,
    lastName: owner.lastName,
    ...(owner.archived ? {} : { userId: owner.userId }),
    userIdIncludingInactive: owner.userId,
    createdAt: owner.createdAt.toISOString(),
    updatedAt: owner.updatedAt.toISOString(),
    archived: owner.archived,
    teams: owner.teams.map((team) => ({ ...team })),
  };
}

function booleanParam(value: unknown, name: string): boolean {
  if (value === undefined || value === '') return false;
  const text = String(value).toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  throw validationError(`${name} must be true or false, not ${String(value)}`);
}

function wholeNumber(value: unknown, name: string): number {
  const parsed = Number(value);
  if (String(value).trim() === '' || !Number.isInteger(parsed) || parsed < 1 || parsed > 2_147_483_647) {
    throw validationError(`${name} must be a whole number from 1 to 2147483647, not ${String(value)}`);
  }
  return parsed;
}

function requireOwnerScope(_req: Request, res: Response, next: NextFunction): void {
  const caller = callerOf(res);
  if (!OWNER_SCOPES.some((scope) => caller.token.scopes.includes(scope))) {
    assertScopes(caller, [OWNER_SCOPES[0]!]);
  }
  next();
}

function ownersOf(portal: PortalData, archived: boolean, email: string | undefined): SandboxOwner[] {
  const wanted = email?.toLowerCase();
  return [...portal.owners.values()]
    .filter((owner) => owner.archived === archived)
    .filter((owner) => wanted === undefined || owner.email.toLowerCase() === wanted)
    .sort((a, b) => Number(a.id) - Number(b.id));
}

export function createOwnersRouter(guard: ApiGuard): express.Router {
  const router = express.Router();
  const checks = [...guard(() => []), requireOwnerScope];

  router.get(routes(PREFIXES.owners, ''), ...checks, (req, res) => {
    const { portal } = callerOf(res);
    const limit = req.query.limit === undefined ? DEFAULT_LIMIT : wholeNumber(req.query.limit, 'limit');
    const after = req.query.after === undefined ? undefined : String(req.query.after);
    if (after !== undefined && !/^\d+$/.test(after))
      throw validationError(`after is not a valid cursor: ${after}`);
    const email = req.query.email === undefined ? undefined : String(req.query.email);
    const owners = ownersOf(portal, booleanParam(req.query.archived, 'archived'), email).filter(
      (owner) => after === undefined || Number(owner.id) >= Number(after),
    );
    const page = owners.slice(0, limit);
    const next = owners[limit];
    const link = new URL(`${req.protocol}://${req.get('host')}${req.originalUrl}`);
    if (next) link.searchParams.set('after', next.id);
    res.json({
      results: page.map(toPublicOwner),
      ...(next ? { paging: { next: { after: next.id, link: link.toString() } } } : {}),
    });
  });

  router.get(routes(PREFIXES.owners, '/:ownerId'), ...checks, (req, res) => {
    const { portal } = callerOf(res);
    const id = wholeNumber(req.params.ownerId, 'ownerId');
    const idProperty = req.query.idProperty === undefined ? 'id' : String(req.query.idProperty);
    if (idProperty !== 'id' && idProperty !== 'userId')
      throw validationError(`idProperty must be one of id, userId, not ${idProperty}`);
    const archived = booleanParam(req.query.archived, 'archived');
    const owner = [...portal.owners.values()].find(
      (candidate) =>
        candidate.archived === archived &&
        (idProperty === 'id' ? candidate.id === String(id) : candidate.userId === id),
    );
    if (!owner) throw notFound(`Owner with ${idProperty} ${id} not found.`, { id: [String(id)] });
    res.json(toPublicOwner(owner));
  });

  return router;
}
