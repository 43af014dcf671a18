/**
 * Completing BLOCKed custom actions: `POST /automation/actions/callbacks/2026-03/{callbackId}/complete`
 * (and `/automation/v4/actions/callbacks/{callbackId}/complete`), plus the batch form at
 * `…/callbacks/2026-03/complete` and `/automation/v4/actions/callbacks/complete`. The caller is the
 * app, with its OAuth access token for the portal the workflow runs in (scope `automation`).
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { sandboxControls } from '../app.js';
import { callerOf } from '../http/auth.js';
import { hubSpotErrorHandler, notFound, parseInput } from '../http/errors.js';
import { createApiGuard, type ApiGuard } from '../http/guards.js';
import { API_VERSION } from '../http/version.js';
import type { SandboxStore } from '../store.js';
import type { WorkflowEngine } from './engine.js';

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
  `/automation/actions/callbacks/${API_VERSION}/:callbackId/complete`,
  '/automation/v4/actions/callbacks/:callbackId/complete',
];
const BATCH = [
  `/automation/actions/callbacks/${API_VERSION}/complete`,
  '/automation/v4/actions/callbacks/complete',
];

function unknownCallbacks(ids: string[]) {
  return notFound(`No blocked action is waiting for callback ${ids.join(', ')} in this app and portal.`);
}

function completionRoutes(engine: WorkflowEngine, guard: ApiGuard): express.Router {
  const router = express.Router();
  // HubSpot's own chain: the bearer token, faults, the app's rate limit, then the scope.
  const automation = guard(() => ['automation']);
  const callerIds = (res: Response) => {
    const { app, portal } = callerOf(res);
    return { appId: app.appId, portalId: portal.portalId };
  };

  // The batch path must be matched first: "complete" would otherwise be read as a callbackId.
  router.post(BATCH, express.json({ limit: '1mb' }), ...automation, (req: Request, res: Response) => {
    const caller = callerIds(res);
    const body = parseInput(batchCompletion, req.body);
    const missing = body.inputs.filter((input) => !engine.isWaiting(input.callbackId, caller));
    if (missing.length > 0) throw unknownCallbacks(missing.map((input) => input.callbackId));
    for (const input of body.inputs) engine.complete(input.callbackId, input.outputFields, caller);
    res.status(204).end();
  });
  router.post(SINGLE, express.json({ limit: '1mb' }), ...automation, (req: Request, res: Response) => {
    const body = parseInput(completion, req.body);
    const callbackId = String(req.params.callbackId);
    if (!engine.complete(callbackId, body.outputFields, callerIds(res))) throw unknownCallbacks([callbackId]);
    res.status(204).end();
  });
  router.use(hubSpotErrorHandler);
  return router;
}

/**
 * The completion routes behind the API guard of the sandbox app they are mounted in, so that
 * tokens, faults and rate limits are checked exactly as on every other HubSpot path.
 */
export function createCallbacksRouter(store: SandboxStore, engine: WorkflowEngine): express.Router {
  const perApp = new WeakMap<object, express.Router>();
  const router = express.Router();
  router.use((req, res, next) => {
    let routes = perApp.get(req.app);
    if (!routes) {
      const { limiter, faults } = sandboxControls(req.app as express.Express);
      routes = completionRoutes(engine, createApiGuard(store, limiter, faults));
      perApp.set(req.app, routes);
    }
    routes(req, res, next);
  });
  return router;
}
