/**
 * The retention API for the dashboard: the measured effect of every campaign, and offer
 * redemptions (one at a time, or a CSV export from billing). A request with the dashboard's session
 * cookie is held to that session (its portal, CSRF on writes); any other to the admin guard.
 */
import express, { Router, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { findPortal } from '../db/portals.js';
import type { Database } from '../db/schema.js';
import { BadRequestError, NotFoundError, PayloadTooLargeError } from '../errors.js';
import { parseIsoDate } from '../iso-date.js';
import { retentionEffect } from '../workflows/outcomes.js';
import { readCookie, SESSION_COOKIE } from './sign-in/session-guard.js';
import {
  MAX_IMPORT_BYTES,
  receiveRedemptionsCsv,
  redemptionImportReport,
} from '../workflows/redemption-import.js';
import { redeemOffer, redemptionSchema } from '../workflows/redemptions.js';
import type { WorkQueue } from '../work-queue.js';

export interface RetentionRouterDeps {
  db: Kysely<Database>;
  /** The dashboard's portal session guard. */
  session: RequestHandler;
  /** Callers without a session (billing imports, scripts). */
  requireAdmin: RequestHandler;
  /** Applies a received redemptions CSV. */
  work: Pick<WorkQueue, 'applyRedemptionImport'>;
}

const params = z.object({ portalId: z.coerce.number().int().positive() });
const importParams = z.object({ importId: z.coerce.number().int().positive().max(2_147_483_647) });
/** The earliest `asOf` taken: before any campaign this product could have run. */
const EARLIEST_AS_OF = new Date('2000-01-01T00:00:00Z');
/** How far ahead an `asOf` may look: every window has matured by then. */
const LATEST_AS_OF_YEARS = 10;

/**
 * The `asOf` query parameter: absent (now), or an ISO date or timestamp from 2000 to ten years
 * ahead; anything else is a 400 naming the parameter.
 */
function parseAsOf(value: unknown, now = new Date()): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'string' ? parseIsoDate(value) : undefined;
  const latest = new Date(now);
  latest.setUTCFullYear(latest.getUTCFullYear() + LATEST_AS_OF_YEARS);
  if (!date || date < EARLIEST_AS_OF || date > latest) {
    throw new BadRequestError(
      `asOf must be an ISO date such as 2026-12-31 or a timestamp such as 2026-12-31T23:59:59Z, from 2000-01-01 to ${LATEST_AS_OF_YEARS} years ahead.`,
      [{ field: 'asOf', value: typeof value === 'string' ? value.slice(0, 64) : null }],
    );
  }
  return date;
}

export function retentionRouter(deps: RetentionRouterDeps): Router {
  const router = Router();
  const base = '/api/v1/portals/:portalId';
  const guard: RequestHandler = (req, res, next) =>
    readCookie(req, SESSION_COOKIE) ? deps.session(req, res, next) : deps.requireAdmin(req, res, next);

  const portalOf = async (req: express.Request) => {
    const { portalId } = params.parse(req.params);
    const portal = await findPortal(deps.db, portalId);
    if (!portal) throw new NotFoundError(`No portal ${portalId}.`);
    return portal.id;
  };

  router.get(`${base}/retention/effect`, guard, async (req, res) => {
    const portalId = await portalOf(req);
    const asOf = parseAsOf(req.query.asOf);
    res.json(await retentionEffect(deps.db, portalId, asOf ? { asOf } : {}));
  });

  router.post(`${base}/offers/redeem`, guard, async (req, res) => {
    const portalId = await portalOf(req);
    const result = await redeemOffer(deps.db, portalId, redemptionSchema.parse(req.body ?? {}));
    const status = {
      redeemed: 200,
      already_redeemed: 409,
      expired: 410,
      unknown_code: 404,
      date_out_of_range: 422,
    }[result.status];
    res.status(status).json(result);
  });

  /**
   * A billing CSV, read as it streams in (no body parser holds it): 202 with the import, whose
   * progress and outcome `GET …/offers/redemptions/:importId` tells while a worker applies it.
   */
  router.post(`${base}/offers/redemptions`, guard, async (req, res) => {
    const portalId = await portalOf(req);
    if (!req.is(['text/csv', 'text/plain'])) {
      throw new BadRequestError('Send the redemptions as CSV with Content-Type: text/csv.');
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_IMPORT_BYTES) {
      res.set('Connection', 'close');
      throw new PayloadTooLargeError(
        `The redemptions CSV is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; send it in parts.`,
      );
    }
    try {
      const { importId, rows } = await receiveRedemptionsCsv(
        deps.db,
        portalId,
        req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>,
      );
      if (rows > 0) await deps.work.applyRedemptionImport(importId);
      const location = `/api/v1/portals/${portalId}/offers/redemptions/${importId}`;
      res
        .status(202)
        .location(location)
        .json(await redemptionImportReport(deps.db, portalId, importId));
    } catch (error) {
      // The rest of a refused file is not read: the answer goes now and the connection closes.
      if (!req.complete) {
        res.set('Connection', 'close');
        req.resume();
      }
      throw error;
    }
  });

  router.get(`${base}/offers/redemptions/:importId`, guard, async (req, res) => {
    const portalId = await portalOf(req);
    const { importId } = importParams.parse(req.params);
    res.json(await redemptionImportReport(deps.db, portalId, importId));
  });
  return router;
}
