/**
 * Completing BLOCKed custom actions: `POST /automation/actions/callbacks/2026-03/{callbackId}/complete`
 * (and `/automation/v4/actions/callbacks/{callbackId}/complete`), plus the batch form at
 * `…/callbacks/2026-03/complete` and `/automation/v4/actions/callbacks/complete`. The caller is the
 * app, with its OAuth access token for the portal the workflow runs in (scope `automation`).
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { parseOr400, sendError } from '../webhooks/errors.js';
import type { WorkflowEngine } from './engine.js';

/** What an access token grants: which app, in which portal, with which scopes. */
export interface AccessGrant {
  appId: number;
  portalId: number;
  scopes: readonly string[];
}
export type AccessTokenLookup = (token: string) => AccessGrant | undefined;

const completion = z
  .object({
    outputFields: z.record(z.string(), z.coerce.string()),
    typedOutputs: z.record(z.string(), z.unknown()).optional(),
    failureReasonType: z.string().optional(),
    requestContext: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((body) => ['SUCCESS', 'FAIL_CONTINUE', undefined].includes(body.outputFields.hs_execution_state), {
    path: ['outputFields', 'hs_execution_state'],
    message: 'must be SUCCESS or FAIL_CONTINUE',
  });
const batchCompletion = z.object({
  inputs: z
    .array(z.object({ callbackId: z.string().min(1) }).and(completion))
    .min(1)
    .max(100),
});

const SINGLE = [
  '/automation/actions/callbacks/2026-03/:callbackId/complete',
  '/automation/v4/actions/callbacks/:callbackId/complete',
];
const BATCH = ['/automation/actions/callbacks/2026-03/complete', '/automation/v4/actions/callbacks/complete'];

export function createCallbacksRouter(
  engine: WorkflowEngine,
  lookupAccessToken: AccessTokenLookup,
): express.Router {
  const router = express.Router();

  const authorize = (req: Request, res: Response): AccessGrant | undefined => {
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const grant = token ? lookupAccessToken(token) : undefined;
    if (!grant) {
      sendError(res, 401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found or expired.');
      return undefined;
    }
    if (!grant.scopes.includes('automation')) {
      sendError(res, 403, 'MISSING_SCOPES', 'This access token does not have the automation scope.', [
        { message: 'requiredGranularScopes: automation', code: 'MISSING_SCOPES' },
      ]);
      return undefined;
    }
    return grant;
  };
  const unknownCallbacks = (ids: string[]) =>
    `No blocked action is waiting for callback ${ids.join(', ')} in this app and portal.`;

  // The batch path must be matched first: "complete" would otherwise be read as a callbackId.
  router.post(BATCH, express.json({ limit: '1mb' }), (req, res) => {
    const grant = authorize(req, res);
    if (!grant) return;
    const body = parseOr400(res, batchCompletion, req.body);
    if (!body) return;
    const missing = body.inputs
      .filter((input) => !engine.isWaiting(input.callbackId, grant))
      .map((input) => input.callbackId);
    if (missing.length > 0) return sendError(res, 404, 'OBJECT_NOT_FOUND', unknownCallbacks(missing));
    for (const input of body.inputs) engine.complete(input.callbackId, input.outputFields, grant);
    res.status(204).end();
  });
  router.post(SINGLE, express.json({ limit: '1mb' }), (req, res) => {
    const grant = authorize(req, res);
    if (!grant) return;
    const body = parseOr400(res, completion, req.body);
    if (!body) return;
    const callbackId = String(req.params.callbackId);
    if (!engine.complete(callbackId, body.outputFields, grant)) {
      return sendError(res, 404, 'OBJECT_NOT_FOUND', unknownCallbacks([callbackId]));
    }
    res.status(204).end();
  });
  return router;
}
