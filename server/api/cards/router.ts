import express, { Router, type Request } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { storableString } from '../../storable-text.js';
import { UserCheckUnavailableError } from '../../access/access-errors.js';
import type { AccessPortal, CardUserAccess } from '../../access/card-user-access.js';
import { verifySignatureV3 } from '../../crm/hubspot/request-signature.js';
import { findPortalByExternalId } from '../../db/portals.js';
import type { Database } from '../../db/schema.js';
import { BadRequestError, NotFoundError, ServiceUnavailableError } from '../../errors.js';
import { CARD_PLAYS, recordScoreFeedback, requestPlay } from './card-actions.js';
import { withViewer, type CardViewCache } from './card-view-cache.js';
import { contactRiskView } from './contact-risk-view.js';
import type { RetentionDeps } from '../../workflows/perform-action.js';

export const CARDS_PATH = '/api/v1/cards';
const INSTALL_CACHE_MS = 10_000;

export interface CardsRouterDeps {
  db: Kysely<Database>;
  /** Retention plays hand their CRM work (offer codes, tickets) on here. */
  work: RetentionDeps['work'];
  /** Absent until the HubSpot app's credentials are configured. */
  clientSecret: string | undefined;
  /** The address HubSpot calls us at; the signed URI is this plus the path and query as received. */
  publicUrl: string;
  /** The key survey links' tokens are derived with. */
  surveyKey: Buffer;
  /** What the signed user may do, as HubSpot's users API says. */
  cardUsers: CardUserAccess;
  /** Contacts' views, kept until their next status or score. */
  cardViews: CardViewCache;
  now?: () => number;
}

/**
 * What HubSpot appends to a card's fetch URL; the signature covers it, so it can be trusted to
 * come from HubSpot, but whether the user may act is still asked of the portal (see CardUserAccess).
 */
const identitySchema = z.object({
  portalId: z.string().regex(/^\d{1,20}$/, 'must be the HubSpot portal id'),
  userId: z
    .string()
    .regex(/^\d{1,20}$/, 'must be the HubSpot user id')
    .optional(),
});

const contactIdSchema = z.string().regex(/^\d{1,20}$/, 'must be a CRM contact id');
const requestKeySchema = storableString().trim().min(8).max(200);

const riskQuerySchema = z.object({ contactId: contactIdSchema });

const playBodySchema = z.object({
  contactId: contactIdSchema,
  play: z.enum(CARD_PLAYS),
  requestKey: requestKeySchema,
});

const feedbackBodySchema = z.object({
  contactId: contactIdSchema,
  scoreId: z.number().int().positive().nullable().optional(),
  comment: storableString().trim().max(2000).nullable().optional(),
  requestKey: requestKeySchema,
});

/** The escapes HubSpot's request-validation docs decode in the URI before signing (v3). */
const SIGNED_URI_ESCAPES = /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi;

export function decodeSignedUriEscapes(uri: string): string {
  return uri.replace(SIGNED_URI_ESCAPES, (escape) => decodeURIComponent(escape));
}

function parse<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || where} ${i.message}`);
  throw new BadRequestError(`Invalid ${where}: ${problems.join('; ')}.`, parsed.error.issues);
}

/**
 * The risk card's endpoints under `/api/v1/cards`. HubSpot signs every `hubspot.fetch` with the
 * app's client secret (X-HubSpot-Signature-v3) over the method, the full URL with the identity it
 * appends, the body and a timestamp; the portal and user are read from that signed URL only. The
 * signature covers the raw body, so this router is mounted before any JSON body parser.
 *
 * A signature proves the request came through HubSpot, not that its user may act: every request's
 * user must be an active user of the portal as HubSpot's users API says (403 `not_a_portal_user`),
 * and a play needs the portal's plays rule too (403 `plays_not_allowed`). The risk answer carries
 * the same verdict (`viewer`), so the card shows only what the server will do.
 */
export function cardsRouter(deps: CardsRouterDeps): Router {
  const router = Router();
  const base = deps.publicUrl.replace(/\/+$/, '');

  /** Verifies the signature, then finds our portal for the signed portal id. */
  async function signedCaller(req: Request) {
    const clientSecret = deps.clientSecret;
    if (!clientSecret) {
      throw new ServiceUnavailableError(
        'not_configured',
        'The HubSpot app is not configured: set HUBSPOT_CLIENT_SECRET.',
      );
    }
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const uri = base + req.originalUrl;
    const verify = (signedUri: string) =>
      verifySignatureV3(
        {
          method: req.method,
          uri: signedUri,
          rawBody,
          signature: req.get('X-HubSpot-Signature-v3'),
          timestamp: req.get('X-HubSpot-Request-Timestamp'),
        },
        clientSecret,
        deps.now?.(),
      );
    try {
      verify(uri);
    } catch (error) {
      // HubSpot's docs sign the URI with some escapes decoded (the `@` of the appended userEmail);
      // its SDKs sign it as sent. Either form needs the client secret.
      const decoded = decodeSignedUriEscapes(uri);
      if (decoded === uri) throw error;
      verify(decoded);
    }
    const identity = parse(identitySchema, req.query, 'query');
    const portal = await installedPortal(identity.portalId);
    return { portal, portalId: portal.id, userId: requireUser(identity.userId), rawBody };
  }

  // Every contact record an advisor opens asks again for the same portal: known installs are kept
  // for a few seconds, so an uninstall takes at most that long to close the card.
  const installed = new Map<string, { portal: AccessPortal; until: number }>();
  async function installedPortal(externalId: string): Promise<AccessPortal> {
    const now = Date.now();
    const known = installed.get(externalId);
    if (known && known.until > now) return known.portal;
    const portal = await findPortalByExternalId(deps.db, 'hubspot', externalId);
    if (!portal || portal.status === 'uninstalled') {
      installed.delete(externalId);
      throw new NotFoundError(`Churn Radar is not installed in portal ${externalId}.`);
    }
    const found = { id: portal.id, crm: portal.crm };
    installed.set(externalId, { portal: found, until: now + INSTALL_CACHE_MS });
    return found;
  }

  function requireUser(userId: string | undefined): string {
    if (!userId) throw new BadRequestError('The signed request names no user (userId).');
    return userId;
  }

  function jsonBody(rawBody: Buffer): unknown {
    try {
      return JSON.parse(rawBody.toString('utf8') || 'null');
    } catch {
      throw new BadRequestError('The request body is not JSON.');
    }
  }

  router.get(`${CARDS_PATH}/contact-risk`, async (req, res) => {
    const caller = await signedCaller(req);
    const { contactId } = parse(riskQuerySchema, req.query, 'query');
    // The risk is shown even when the CRM cannot say who the user is just now (or the install
    // predates the users scope); only the buttons wait for that answer.
    const viewer = await deps.cardUsers
      .permissionsOf(caller.portal, caller.userId)
      .catch((error: unknown) => {
        if (!(error instanceof UserCheckUnavailableError)) throw error;
        return {
          userId: caller.userId,
          canRunPlays: false,
          canGiveFeedback: false,
          unavailable: error.message,
        };
      });
    const view = await deps.cardViews.viewJson(caller.portalId, contactId, () =>
      contactRiskView(deps.db, caller.portalId, contactId),
    );
    res.set('Cache-Control', 'no-store').type('json').send(withViewer(view, viewer));
  });

  const raw = express.raw({ type: () => true, limit: '16kb' });

  router.post(`${CARDS_PATH}/plays`, raw, async (req, res) => {
    const caller = await signedCaller(req);
    const body = parse(playBodySchema, jsonBody(caller.rawBody), 'body');
    await deps.cardUsers.requirePlays(caller.portal, caller.userId);
    const answer = await requestPlay(deps, { portalId: caller.portalId, userId: caller.userId, ...body });
    res.status(answer.replayed ? 200 : 201).json(answer);
  });

  router.post(`${CARDS_PATH}/feedback`, raw, async (req, res) => {
    const caller = await signedCaller(req);
    const body = parse(feedbackBodySchema, jsonBody(caller.rawBody), 'body');
    await deps.cardUsers.requireFeedback(caller.portal, caller.userId);
    const answer = await recordScoreFeedback(deps.db, {
      portalId: caller.portalId,
      userId: caller.userId,
      contactId: body.contactId,
      scoreId: body.scoreId ?? null,
      comment: body.comment || null,
      requestKey: body.requestKey,
    });
    res.status(answer.replayed ? 200 : 201).json(answer);
  });

  return router;
}
