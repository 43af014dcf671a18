/**
 * `/api/v1/salesforce/…`: what the Churn Radar package's Apex calls in a Salesforce org. Each call
 * is authenticated by the org's secret (added by the org's External Credential) together with the
 * org id the Apex sends, never by anything in the body; a wrong secret or another org's id gets a
 * 401 and changes nothing. The card's reads and plays and the Flow actions run the same code as
 * HubSpot's card and workflow actions: the same holdout, idempotency keys and effect report.
 *
 * The org vouches for the user it names (the Apex adds the header), yet what that user may do is
 * asked of the org itself: the card's calls need an active User (403 `not_a_portal_user`), and a
 * play needs the `Churn_Radar_Plays` permission set or the `Churn_Radar_Run_Plays` custom
 * permission (403 `plays_not_allowed`), as CardUserAccess reads them through the connector.
 */
import { Router, type Request } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { storableString } from '../storable-text.js';
import type { CardUserAccess } from '../access/card-user-access.js';
import { portalForOrgSecret } from '../crm/org-credentials.js';
import {
  caseSafeId,
  ORG_ACTION_BATCH,
  ORG_API_PATH,
  ORG_HEADER,
  ORG_ID_PATTERN,
  SECRET_HEADER,
  USER_HEADER,
} from '../crm/salesforce/org-package.js';
import type { Database } from '../db/schema.js';
import { AppError, BadRequestError, NotFoundError, UnauthorizedError } from '../errors.js';
import { isRetentionAction, RETENTION_ACTIONS } from '../workflows/action-inputs.js';
import { performRetentionAction, type RetentionDeps } from '../workflows/perform-action.js';
import { CARD_PLAYS, recordScoreFeedback, requestPlay } from './cards/card-actions.js';
import { withViewer, type CardViewCache } from './cards/card-view-cache.js';
import { contactRiskView } from './cards/contact-risk-view.js';

/** Where the org's package calls in (server to server, authenticated by the org's secret). */
export const SALESFORCE_ORG_API_PATH = ORG_API_PATH;

export interface SalesforceOrgRouterDeps {
  db: Kysely<Database>;
  work: RetentionDeps['work'];
  publicUrl: string;
  /** The key survey links' tokens are derived with. */
  surveyKey: Buffer;
  /** What the named user may do, as the org says. */
  cardUsers: CardUserAccess;
  /** The card's views, kept until the contact's next score (as HubSpot's card keeps them). */
  cardViews: CardViewCache;
}

const salesforceId = (prefix: string, what: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$`), `must be a Salesforce ${what} id`)
    .transform(caseSafeId);
const contactId = salesforceId('003', 'contact');
const userId = salesforceId('005', 'user');
const requestKey = storableString().trim().min(8).max(200);

const playBody = z.object({ play: z.enum(CARD_PLAYS), requestKey });
const feedbackBody = z.object({
  scoreId: z.number().int().positive().nullable().optional(),
  comment: storableString().trim().max(2000).nullable().optional(),
  requestKey,
});
const staticValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const actionBody = z.object({
  requests: z
    .array(z.object({ contactId: z.unknown(), requestKey: z.unknown().optional() }).catchall(staticValue))
    .min(1)
    .max(ORG_ACTION_BATCH, `at most ${ORG_ACTION_BATCH} records per call`),
});

function parse<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || where} ${i.message}`);
  throw new BadRequestError(
    `Invalid ${where}: ${problems.slice(0, 5).join('; ')}.`,
    parsed.error.issues.slice(0, 20),
  );
}

/** One record's answer to a Flow action. */
type ActionAnswer =
  | {
      contactId: string | null;
      ok: true;
      group: 'treatment' | 'control';
      status: 'completed' | 'pending';
      replayed: boolean;
      outputs: Record<string, string | number>;
    }
  | { contactId: string | null; ok: false; error: string };

export function salesforceOrgRouter(deps: SalesforceOrgRouterDeps): Router {
  const router = Router();

  /** The org's portal, from the secret and the org id together; 401 for anything else. */
  async function orgCaller(req: Request) {
    const secret = req.get(SECRET_HEADER);
    const orgId = req.get(ORG_HEADER);
    if (!secret || !orgId || !ORG_ID_PATTERN.test(orgId)) {
      throw new UnauthorizedError(
        `Calls from Salesforce must come through the Churn_Radar Named Credential (${SECRET_HEADER}) and name their org (${ORG_HEADER}).`,
      );
    }
    const portal = await portalForOrgSecret(deps.db, 'salesforce', caseSafeId(orgId), secret);
    if (!portal) {
      throw new UnauthorizedError(
        'This org is not connected to Churn Radar, or its secret does not match: reconnect it from Churn Radar’s settings.',
      );
    }
    const user = req.get(USER_HEADER);
    return {
      portal: { id: portal.id, crm: portal.crm },
      portalId: portal.id,
      userId: user ? parse(userId, user, USER_HEADER) : undefined,
    };
  }

  /** The card's calls are made for a user, whom the org must know as active. */
  function cardUser(caller: { userId: string | undefined }, what: string): string {
    if (!caller.userId) throw new BadRequestError(`${what} names the user who asked (${USER_HEADER}).`);
    return caller.userId;
  }

  const contactOf = (req: Request) => parse(contactId, req.params.contactId, 'contact id');

  router.get(`${ORG_API_PATH}/contacts/:contactId/risk`, async (req, res) => {
    const caller = await orgCaller(req);
    const contact = contactOf(req);
    const viewer = await deps.cardUsers.permissionsOf(caller.portal, cardUser(caller, 'The card'));
    const view = await deps.cardViews.viewJson(caller.portalId, contact, () =>
      contactRiskView(deps.db, caller.portalId, contact),
    );
    res.set('Cache-Control', 'no-store').type('json').send(withViewer(view, viewer));
  });

  router.post(`${ORG_API_PATH}/contacts/:contactId/plays`, async (req, res) => {
    const caller = await orgCaller(req);
    const user = cardUser(caller, 'A play');
    const body = parse(playBody, req.body, 'body');
    const contact = contactOf(req);
    await deps.cardUsers.requirePlays(caller.portal, user);
    const answer = await requestPlay(deps, {
      portalId: caller.portalId,
      userId: user,
      contactId: contact,
      ...body,
    });
    res.status(answer.replayed ? 200 : 201).json(answer);
  });

  router.post(`${ORG_API_PATH}/contacts/:contactId/score-feedback`, async (req, res) => {
    const caller = await orgCaller(req);
    const user = cardUser(caller, 'Feedback');
    const body = parse(feedbackBody, req.body, 'body');
    const contact = contactOf(req);
    await deps.cardUsers.requireFeedback(caller.portal, user);
    const answer = await recordScoreFeedback(deps.db, {
      portalId: caller.portalId,
      userId: user,
      contactId: contact,
      scoreId: body.scoreId ?? null,
      comment: body.comment || null,
      requestKey: body.requestKey,
    });
    res.status(answer.replayed ? 200 : 201).json(answer);
  });

  /**
   * A Flow action for up to 200 records: one answer per record, in order. A record that cannot be
   * acted on (a bad input) is answered with its reason and the others go ahead, as Flow expects of
   * a bulk action; a key used before answers what it answered then.
   */
  router.post(`${ORG_API_PATH}/actions/:action`, async (req, res) => {
    const caller = await orgCaller(req);
    const action = String(req.params.action);
    if (!isRetentionAction(action)) {
      throw new NotFoundError(`No Flow action "${action}"; the actions are ${RETENTION_ACTIONS.join(', ')}.`);
    }
    const { requests } = parse(actionBody, req.body, 'body');
    const results: ActionAnswer[] = [];
    for (const { contactId: givenContact, requestKey: givenKey, ...inputs } of requests) {
      const contact = contactId.safeParse(givenContact);
      if (!contact.success) {
        results.push({ contactId: null, ok: false, error: 'contactId must be a Salesforce contact id.' });
        continue;
      }
      const key =
        typeof givenKey === 'string' && givenKey.trim()
          ? givenKey.trim().slice(0, 180)
          : `${action}:${String(inputs.campaign ?? '').trim()}:${contact.data}`;
      try {
        const result = await performRetentionAction(deps, {
          portalId: caller.portalId,
          contactId: contact.data,
          action,
          requestKey: `flow:${key}`,
          inputs,
          source: 'flow',
        });
        results.push({
          contactId: contact.data,
          ok: true,
          group: result.group,
          status: result.state === 'SUCCESS' ? 'completed' : 'pending',
          replayed: result.replayed,
          outputs: result.outputFields,
        });
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        results.push({ contactId: contact.data, ok: false, error: error.message });
      }
    }
    res.json({ results });
  });

  return router;
}
