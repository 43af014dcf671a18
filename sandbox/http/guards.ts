/**
 * The middleware chain in front of every HubSpot API handler, in HubSpot's order: who is calling
 * (401), injected faults, the rate limit (429, with the X-HubSpot-RateLimit-* headers), then scopes
 * (403). A request whose answer is to be lost goes through the chain and its handler as usual and
 * is answered with a 504 in HubSpot's error shape instead.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { loseAnswer } from '../lost-answer.js';
import type { SandboxStore } from '../store.js';
import { assertScopeRule, authenticate, callerOf, type ScopeRequirement } from './auth.js';
import { HubSpotError, sendHubSpotError } from './errors.js';
import type { FaultInjector } from './faults.js';
import { rateLimitBody, type LimitKind, type RateLimiter } from './rate-limit.js';

/** The scopes a request needs, worked out from its path (the object type decides). */
export type ScopeRule = (req: Request) => ScopeRequirement;

export type ApiGuard = (scopes: ScopeRule, kind?: LimitKind) => RequestHandler[];

function rateLimitHeaders(res: Response, intervalMs: number, max: number, remaining: number): void {
  res.setHeader('X-HubSpot-RateLimit-Interval-Milliseconds', String(intervalMs));
  res.setHeader('X-HubSpot-RateLimit-Max', String(max));
  res.setHeader('X-HubSpot-RateLimit-Remaining', String(remaining));
}

function refuseWithRateLimit(res: Response, kind: LimitKind, retryAfterSeconds: number): void {
  res.setHeader('Retry-After', String(retryAfterSeconds));
  res.status(429).json(rateLimitBody(kind));
}

export function createApiGuard(store: SandboxStore, limiter: RateLimiter, faults: FaultInjector): ApiGuard {
  const authenticateCaller = authenticate(store);

  return (scopes, kind = 'standard') => [
    authenticateCaller,
    async (_req: Request, res: Response, next: NextFunction) => {
      const { portal } = callerOf(res);
      const fault = faults.decide(portal.portalId);
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (fault.outcome === 'rate-limit') return refuseWithRateLimit(res, 'standard', 1);
      if (fault.outcome === 'server-error') {
        throw new HubSpotError(fault.errorStatus, 'INTERNAL_ERROR', 'internal error');
      }
      if (fault.outcome === 'lost-answer') {
        loseAnswer(res, (lost) =>
          sendHubSpotError(lost, new HubSpotError(504, 'INTERNAL_ERROR', 'internal error')),
        );
      }
      next();
    },
    (_req: Request, res: Response, next: NextFunction) => {
      const { app, portal } = callerOf(res);
      const decision = limiter.take(`${app.appId}:${portal.portalId}`, kind);
      // HubSpot leaves the rate-limit headers off search responses.
      if (!decision.allowed) {
        if (kind === 'standard') rateLimitHeaders(res, decision.intervalMs, decision.max, 0);
        return refuseWithRateLimit(res, decision.kind, decision.retryAfterSeconds);
      }
      if (kind === 'standard') rateLimitHeaders(res, decision.intervalMs, decision.max, decision.remaining);
      next();
    },
    (req: Request, res: Response, next: NextFunction) => {
      assertScopeRule(callerOf(res), scopes(req));
      next();
    },
  ];
}
