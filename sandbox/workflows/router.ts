/**
 * Everything workflow-related the sandbox serves, as one router: the action definitions API, the
 * callback-completion API, and the admin routes that create workflows and show enrollments.
 * Mount it through `createSandboxApp`'s `extraRouters`: callback completion uses that app's
 * authentication, faults and rate limits.
 */
import express from 'express';
import { chance } from '../seeded-chance.js';
import type { SandboxStore } from '../store.js';
import type { ClosableRouter } from '../webhooks/router.js';
import type { RetryPolicy } from './action-call.js';
import { createActionDefinitionsRouter } from './actions-api.js';
import { createWorkflowAdminRouter } from './admin-api.js';
import { createCallbacksRouter } from './callbacks-api.js';
import { ActionDefinitionRegistry } from './definitions.js';
import { WorkflowEngine } from './engine.js';

export interface WorkflowsRouterDeps {
  /** How action calls are retried on 429, 5xx and connection failures. */
  retry?: Partial<RetryPolicy>;
  /**
   * Share of the app's answers to action calls that are lost on the way back, so the call is made
   * again with the same callbackId, as HubSpot does after a timeout (seeded by `seed`).
   */
  lostAnswerRate?: number;
  seed?: number;
  /** How long after a BLOCK answer the step starts waiting for its callback (see WorkflowEngine). */
  blockNoticeDelayMs?: number;
}

const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  retryDelayMs: 1000,
  maxRetryDelayMs: 60_000,
  requestTimeoutMs: 10_000,
};

export function createWorkflowsRouter(store: SandboxStore, deps: WorkflowsRouterDeps = {}): ClosableRouter {
  const definitions = new ActionDefinitionRegistry();
  const engine = new WorkflowEngine(
    store,
    definitions,
    { ...DEFAULT_RETRY, ...deps.retry },
    chance(deps.lostAnswerRate ?? 0, deps.seed ?? 1),
    deps.blockNoticeDelayMs ?? 0,
  );
  const router = express.Router();
  router.use(createCallbacksRouter(store, engine));
  router.use(createActionDefinitionsRouter(store, definitions));
  router.use(createWorkflowAdminRouter(store, definitions, engine));
  return Object.assign(router, { close: () => engine.close() });
}
