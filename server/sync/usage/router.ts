import express, { Router, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { findPortal } from '../../db/portals.js';
import type { Database } from '../../db/schema.js';
import { NotFoundError, UnauthorizedError } from '../../errors.js';
import {
  createUsageApiKey,
  describeUsageApiKey,
  NoUsageApiKeyError,
  portalForUsageApiKey,
  rotateUsageApiKey,
  type UsageApiKey,
} from './api-keys.js';
import { usageBatchSchema } from './events.js';
import { recordUsageEvents } from './intake.js';

export interface UsageRouterDeps {
  db: Kysely<Database>;
  /** Guards the key routes: only an admin of the product may create or rotate a portal's key. */
  requireAdmin: RequestHandler;
  /** Told which contacts new events belong to (their scores may have moved). */
  onContactsTouched?: (portalId: number, contactIds: string[]) => Promise<void>;
}

const portalParams = z.object({ portalId: z.coerce.number().int().positive() });

/**
 * `POST /api/v1/usage-events` (authenticated by the portal's usage API key) and the admin routes
 * that manage that key under `/api/v1/portals/:portalId/usage-api-key`. Mounted before the app's
 * JSON parser: the key is checked before the body is read, and a full batch may exceed 1 MB.
 */
export function usageRouter(deps: UsageRouterDeps): Router {
  const router = Router();

  const authenticate: RequestHandler = async (req, res, next) => {
    const [scheme, key] = (req.get('Authorization') ?? '').split(' ', 2);
    const portalId =
      scheme?.toLowerCase() === 'bearer' && key ? await portalForUsageApiKey(deps.db, key) : undefined;
    if (portalId === undefined) {
      res.set('WWW-Authenticate', 'Bearer realm="usage-events"');
      throw new UnauthorizedError(
        'Send the portal’s usage API key as "Authorization: Bearer <key>"; this one is missing, unknown or replaced.',
        'invalid_api_key',
      );
    }
    res.locals.portalId = portalId;
    next();
  };

  router.post('/api/v1/usage-events', authenticate, express.json({ limit: '5mb' }), async (req, res) => {
    const batch = usageBatchSchema.parse(req.body ?? {});
    const portalId = res.locals.portalId as number;
    const { contactIds, ...result } = await recordUsageEvents(deps.db, portalId, batch.events);
    if (contactIds.length > 0) await deps.onContactsTouched?.(portalId, contactIds);
    res.status(202).json(result);
  });

  const keyPath = '/api/v1/portals/:portalId/usage-api-key';
  const installedPortal = async (params: unknown): Promise<number> => {
    const { portalId } = portalParams.parse(params);
    const portal = await findPortal(deps.db, portalId);
    if (!portal || portal.status !== 'active') throw new NotFoundError(`No installed portal ${portalId}.`);
    return portalId;
  };
  const sendKey = (res: express.Response, status: number, key: UsageApiKey) => {
    // The clear key is in this answer only: no cache may keep it.
    res.set('Cache-Control', 'no-store');
    res.status(status).json({
      portalId: key.portalId,
      key: key.key,
      prefix: key.prefix,
      createdAt: key.createdAt.toISOString(),
    });
  };

  router.get(keyPath, deps.requireAdmin, async (req, res) => {
    const portalId = await installedPortal(req.params);
    const info = await describeUsageApiKey(deps.db, portalId);
    if (!info) throw new NoUsageApiKeyError(portalId);
    res.json({
      portalId,
      prefix: info.prefix,
      createdAt: info.createdAt.toISOString(),
      rotatedAt: info.rotatedAt?.toISOString() ?? null,
    });
  });
  router.post(keyPath, deps.requireAdmin, async (req, res) => {
    sendKey(res, 201, await createUsageApiKey(deps.db, await installedPortal(req.params)));
  });
  router.post(`${keyPath}/rotate`, deps.requireAdmin, async (req, res) => {
    sendKey(res, 200, await rotateUsageApiKey(deps.db, await installedPortal(req.params)));
  });
  return router;
}
