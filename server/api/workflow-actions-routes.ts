/**
 * `POST /workflow-actions/:action`: HubSpot calls our custom workflow actions here. The signature
 * (v3, or v2 as HubSpot documents for actions) covers the raw bytes, so this router reads the body
 * itself and must be mounted before any JSON parser. The answer is HubSpot's
 * `{ outputFields: { …, hs_execution_state } }`: SUCCESS when done, BLOCK when CRM work is queued
 * and the step will be completed through the callback API.
 */
import express, { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { verifyActionSignature } from '../crm/hubspot/request-signature.js';
import { findPortalByExternalId } from '../db/portals.js';
import type { Database } from '../db/schema.js';
import { BadRequestError, NotFoundError, ServiceUnavailableError } from '../errors.js';
import { storableString } from '../storable-text.js';
import { isRetentionAction, RETENTION_ACTIONS } from '../workflows/action-inputs.js';
import { performRetentionAction, type RetentionDeps } from '../workflows/perform-action.js';

export const WORKFLOW_ACTIONS_PATH = '/workflow-actions';

export interface WorkflowActionsRouterDeps {
  db: Kysely<Database>;
  /** Where an action's CRM work is handed on. */
  work: RetentionDeps['work'];
  /** Absent until the HubSpot app's credentials are configured. */
  clientSecret: string | undefined;
  /** The address HubSpot calls us at; the signed URI is this plus the path and query as received. */
  publicUrl: string;
  /** The key survey links' tokens are derived with. */
  surveyKey: Buffer;
  now?: () => number;
}

const staticValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const actionRequestSchema = z.object({
  callbackId: storableString().min(1).max(200),
  origin: z.object({ portalId: z.coerce.number().int().positive() }).passthrough(),
  object: z
    .object({
      objectId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]),
      objectType: z.literal('CONTACT', { message: 'only CONTACT objects are supported' }),
    })
    .passthrough(),
  inputFields: z.record(z.string(), staticValue).default({}),
});

function parseActionRequest(rawBody: Buffer) {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new BadRequestError('The request body is not JSON.');
  }
  const parsed = actionRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BadRequestError(
      `Invalid action request: ${issue.path.join('.') || 'body'} ${issue.message}.`,
      parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

export function workflowActionsRouter(deps: WorkflowActionsRouterDeps): Router {
  const router = Router();
  const base = deps.publicUrl.replace(/\/+$/, '');

  router.post(
    `${WORKFLOW_ACTIONS_PATH}/:action`,
    express.raw({ type: () => true, limit: '256kb' }),
    async (req, res) => {
      if (!deps.clientSecret) {
        throw new ServiceUnavailableError(
          'not_configured',
          'The HubSpot app is not configured: set HUBSPOT_CLIENT_SECRET.',
        );
      }
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      verifyActionSignature(
        { method: req.method, uri: base + req.originalUrl, rawBody },
        {
          v3: req.get('X-HubSpot-Signature-v3'),
          timestamp: req.get('X-HubSpot-Request-Timestamp'),
          legacy: req.get('X-HubSpot-Signature'),
          legacyVersion: req.get('X-HubSpot-Signature-Version'),
        },
        deps.clientSecret,
        deps.now?.(),
      );
      const action = String(req.params.action);
      if (!isRetentionAction(action)) {
        throw new NotFoundError(
          `No workflow action "${action}"; the actions are ${RETENTION_ACTIONS.join(', ')}.`,
        );
      }
      const request = parseActionRequest(rawBody);
      const portal = await findPortalByExternalId(deps.db, 'hubspot', String(request.origin.portalId));
      if (!portal || portal.status === 'uninstalled') {
        throw new NotFoundError(`Churn Radar is not installed in portal ${request.origin.portalId}.`);
      }
      const result = await performRetentionAction(
        { db: deps.db, work: deps.work, publicUrl: deps.publicUrl, surveyKey: deps.surveyKey },
        {
          portalId: portal.id,
          contactId: String(request.object.objectId),
          action,
          requestKey: request.callbackId,
          inputs: request.inputFields,
          source: 'workflow',
        },
      );
      res.json({ outputFields: { ...result.outputFields, hs_execution_state: result.state } });
    },
  );
  return router;
}
