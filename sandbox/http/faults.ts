/**
 * Fault injection per portal, so the product's retries, backoff and re-authentication can be
 * proven: added latency, a seeded share of 5xx answers, a seeded share of answers lost after the
 * request was carried out, a burst of 429s, access tokens expired early, the install revoked.
 * Applies to bearer-authenticated API calls into that portal.
 */
import { seededRandom } from '../seeded-chance.js';
import { z } from 'zod';
import type { SandboxStore } from '../store.js';

export const faultInput = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    /** Share of requests answered with `errorStatus`, drawn from a PRNG seeded by `seed`. */
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).optional(),
    /**
     * Share of requests carried out for real whose answer is then lost: the caller gets HubSpot's
     * 504 instead (a gateway timeout after the commit). Drawn from the same PRNG as `errorRate`,
     * for requests `errorRate` left alone.
     */
    lostAnswerRate: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
    /** The next N requests get HubSpot's ten-secondly 429. */
    rateLimitBurst: z.number().int().min(0).max(1_000_000).optional(),
    /** Actions, done once when posted: expire every access token now; uninstall every app. */
    expireTokens: z.boolean().optional(),
    revokeInstall: z.boolean().optional(),
  })
  .strict();
export type FaultInput = z.infer<typeof faultInput>;

export interface FaultState {
  portalId: number;
  latencyMs: number;
  errorRate: number;
  errorStatus: number;
  lostAnswerRate: number;
  seed: number;
  rateLimitBurstRemaining: number;
  requestsSeen: number;
  errorsInjected: number;
  answersLost: number;
}

/**
 * What to do to one request: wait, then maybe answer with an error instead of the real handler, or
 * run the handler and lose its answer.
 */
export interface FaultDecision {
  latencyMs: number;
  outcome: 'pass' | 'rate-limit' | 'server-error' | 'lost-answer';
  errorStatus: number;
}

export class FaultInjector {
  private readonly states = new Map<number, FaultState & { random: () => number }>();

  constructor(private readonly store: SandboxStore) {}

  /** Applies settings and actions for a portal; returns the settings now in force. */
  apply(portalId: number, input: FaultInput): FaultState {
    const state = this.states.get(portalId) ?? { ...this.blank(portalId), random: seededRandom(1) };
    if (input.latencyMs !== undefined) state.latencyMs = input.latencyMs;
    if (input.errorRate !== undefined) state.errorRate = input.errorRate;
    if (input.errorStatus !== undefined) state.errorStatus = input.errorStatus;
    if (input.lostAnswerRate !== undefined) state.lostAnswerRate = input.lostAnswerRate;
    if (input.seed !== undefined || input.errorRate !== undefined || input.lostAnswerRate !== undefined) {
      state.seed = input.seed ?? state.seed;
      state.random = seededRandom(state.seed);
    }
    if (input.rateLimitBurst !== undefined) state.rateLimitBurstRemaining = input.rateLimitBurst;
    this.states.set(portalId, state);
    if (input.expireTokens) this.expireAccessTokens(portalId);
    if (input.revokeInstall) {
      for (const app of this.store.installedApps(portalId)) this.store.uninstall(app.appId, portalId);
    }
    return this.state(portalId);
  }

  state(portalId: number): FaultState {
    const state = this.states.get(portalId);
    if (!state) return this.blank(portalId);
    const { random: _random, ...visible } = state;
    return visible;
  }

  clear(portalId: number): void {
    this.states.delete(portalId);
  }

  /** Decides the fate of one API request into `portalId`. */
  decide(portalId: number): FaultDecision {
    const state = this.states.get(portalId);
    if (!state) return { latencyMs: 0, outcome: 'pass', errorStatus: 500 };
    state.requestsSeen += 1;
    let outcome: FaultDecision['outcome'] = 'pass';
    if (state.rateLimitBurstRemaining > 0) {
      state.rateLimitBurstRemaining -= 1;
      outcome = 'rate-limit';
    } else if (state.errorRate > 0 && state.random() < state.errorRate) {
      state.errorsInjected += 1;
      outcome = 'server-error';
    } else if (state.lostAnswerRate > 0 && state.random() < state.lostAnswerRate) {
      state.answersLost += 1;
      outcome = 'lost-answer';
    }
    return { latencyMs: state.latencyMs, outcome, errorStatus: state.errorStatus };
  }

  private expireAccessTokens(portalId: number): void {
    const now = this.store.now();
    for (const token of this.store.oauthTokens.values()) {
      if (
        token.portalId === portalId &&
        token.use === 'access_token' &&
        token.expiresAt &&
        token.expiresAt > now
      ) {
        token.expiresAt = now;
      }
    }
  }

  private blank(portalId: number): FaultState {
    return {
      portalId,
      latencyMs: 0,
      errorRate: 0,
      errorStatus: 500,
      lostAnswerRate: 0,
      seed: 1,
      rateLimitBurstRemaining: 0,
      requestsSeen: 0,
      errorsInjected: 0,
      answersLost: 0,
    };
  }
}
