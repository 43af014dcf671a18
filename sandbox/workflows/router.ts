/**
 * Everything workflow-related the sandbox serves, as one router: the action definitions API, the
 * callback-completion API, and the admin routes that create workflows and show enrollments.
 */
import express from 'express';
import type { SandboxStore } from '../store.js';
import type { ClosableRouter } from '../webhooks/router.js';
import type { RetryPolicy } from './action-call.js';
import { createActionDefinitionsRouter } from './actions-api.js';
import { createWorkflowAdminRouter } from './admin-api.js';
import { createCallbacksRouter, type AccessTokenLookup } from './callbacks-api.js';
import { ActionDefinitionRegistry } from './definitions.js';
import { WorkflowEngine } from './engine.js';

export interface WorkflowsRouterDeps {
  /**
   * Resolves an OAuth access token to its app, portal and scopes, for callback completion.
   * Defaults to the store's own check of live tokens (issued, unexpired, unrevoked, installed).
   */
  lookupAccessToken?: AccessTokenLookup;
  /** How action calls are retried on 429, 5xx and connection failures. */
  retry?: Partial<RetryPolicy>;
}

const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  retryDelayMs: 1000,
  maxRetryDelayMs: 60_000,
  requestTimeoutMs: 10_000,
};

export function createWorkflowsRouter(store: SandboxStore, deps: WorkflowsRouterDeps = {}): ClosableRouter {
  const definitions = new ActionDefinitionRegistry();
  const engine = new WorkflowEngine(store, definitions, { ...DEFAULT_RETRY, ...deps.retry });
  const router = express.Router();
  const lookup = deps.lookupAccessToken ?? ((token: string) => store.liveAccessToken(token));
  router.use(createCallbacksRouter(engine, lookup));
  router.use(createActionDefinitionsRouter(store, definitions));
  router.use(createWorkflowAdminRouter(store, definitions, engine));
  return Object.assign(router, { close: () => engine.close() });
}
