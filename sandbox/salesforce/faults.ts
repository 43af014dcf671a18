/**
 * Fault injection per org, so the product's retries, backoff and re-authentication can be proven
 * against Salesforce's failure modes: added latency, a seeded share of 5xx answers, a seeded share
 * of calls carried out whose answer is lost (a gateway's 504 in its place), the
 * concurrent-request 403 on the next calls, `UNABLE_TO_LOCK_ROW` on the next record writes, the
 * daily allowance set low or used up, access tokens expired now, the connected apps' grants
 * revoked. Applies to bearer-authenticated calls into that org.
 */
import { seededRandom } from '../seeded-chance.js';
import { z } from 'zod';
import type { SalesforceAuth } from './auth.js';
import type { ApiLimits } from './limits.js';

export const salesforceFaultInput = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000).optional(),
    /** Share of calls answered with `errorStatus`, drawn from a PRNG seeded by `seed`. */
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.union([z.literal(500), z.literal(502), z.literal(503)]).optional(),
    /**
     * Share of calls carried out for real whose answer is then lost: the caller gets a gateway's
     * 504 instead. Drawn from the same PRNG as `errorRate`, for calls `errorRate` left alone.
     */
    lostAnswerRate: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
    /** The next N calls get the concurrent-request 403 (`ConcurrentPerOrgLongTxn`). */
    concurrentLimitCalls: z.number().int().min(0).max(1_000_000).optional(),
    /** The next N record writes fail with `UNABLE_TO_LOCK_ROW`. */
    lockRowWrites: z.number().int().min(0).max(1_000_000).optional(),
    /** The org's daily API allowance; `null` goes back to the org's own. */
    dailyApiLimit: z.number().int().min(0).max(1_000_000_000).nullable().optional(),
    /** Actions, done once when posted. */
    useUpDailyLimit: z.boolean().optional(),
    expireTokens: z.boolean().optional(),
    /** Revokes every grant of the org: `true` for all connected apps, or the client ids of some. */
    revokeApps: z.union([z.boolean(), z.array(z.string().min(1))]).optional(),
  })
  .strict();
export type SalesforceFaultInput = z.infer<typeof salesforceFaultInput>;

export interface SalesforceFaultState {
  orgId: string;
  latencyMs: number;
  errorRate: number;
  errorStatus: number;
  lostAnswerRate: number;
  seed: number;
  concurrentLimitRemaining: number;
  lockRowRemaining: number;
  callsSeen: number;
  errorsInjected: number;
  answersLost: number;
}

/**
 * What to do to one call: wait, then maybe answer with an error instead of the real handler, or run
 * the handler and lose its answer.
 */
export interface FaultDecision {
  latencyMs: number;
  outcome: 'pass' | 'concurrent-limit' | 'server-error' | 'lost-answer';
  errorStatus: number;
}

export interface FaultDeps {
  auth: SalesforceAuth;
  limits: ApiLimits;
  /** The org's own daily allowance, for "used up". */
  dailyLimitOf(orgId: string): number;
}

export class SalesforceFaults {
  private readonly states = new Map<string, SalesforceFaultState & { random: () => number }>();

  constructor(private readonly deps: FaultDeps) {}

  /** Applies settings and actions for an org; answers the settings now in force. */
  apply(orgId: string, input: SalesforceFaultInput): SalesforceFaultState {
    const state = this.states.get(orgId) ?? { ...this.blank(orgId), random: seededRandom(1) };
    if (input.latencyMs !== undefined) state.latencyMs = input.latencyMs;
    if (input.errorRate !== undefined) state.errorRate = input.errorRate;
    if (input.errorStatus !== undefined) state.errorStatus = input.errorStatus;
    if (input.lostAnswerRate !== undefined) state.lostAnswerRate = input.lostAnswerRate;
    if (input.seed !== undefined || input.errorRate !== undefined || input.lostAnswerRate !== undefined) {
      state.seed = input.seed ?? state.seed;
      state.random = seededRandom(state.seed);
    }
    if (input.concurrentLimitCalls !== undefined) state.concurrentLimitRemaining = input.concurrentLimitCalls;
    if (input.lockRowWrites !== undefined) state.lockRowRemaining = input.lockRowWrites;
    this.states.set(orgId, state);
    if (input.dailyApiLimit !== undefined) this.deps.limits.setMax(orgId, input.dailyApiLimit ?? undefined);
    if (input.useUpDailyLimit) this.deps.limits.useUp(orgId, this.deps.dailyLimitOf(orgId));
    if (input.expireTokens) this.deps.auth.expireAccessTokens(orgId);
    if (input.revokeApps === true) this.deps.auth.revokeGrants(orgId);
    if (Array.isArray(input.revokeApps)) {
      for (const clientId of input.revokeApps) this.deps.auth.revokeGrants(orgId, clientId);
    }
    return this.state(orgId);
  }

  state(orgId: string): SalesforceFaultState {
    const state = this.states.get(orgId);
    if (!state) return this.blank(orgId);
    const { random: _random, ...visible } = state;
    return visible;
  }

  /** Clears the settings; the daily allowance goes back to the org's own. */
  clear(orgId: string): void {
    this.states.delete(orgId);
    this.deps.limits.setMax(orgId, undefined);
  }

  /** Decides the fate of one call into the org. */
  decide(orgId: string): FaultDecision {
    const state = this.states.get(orgId);
    if (!state) return { latencyMs: 0, outcome: 'pass', errorStatus: 500 };
    state.callsSeen += 1;
    let outcome: FaultDecision['outcome'] = 'pass';
    if (state.concurrentLimitRemaining > 0) {
      state.concurrentLimitRemaining -= 1;
      outcome = 'concurrent-limit';
    } else if (state.errorRate > 0 && state.random() < state.errorRate) {
      state.errorsInjected += 1;
      outcome = 'server-error';
    } else if (state.lostAnswerRate > 0 && state.random() < state.lostAnswerRate) {
      state.answersLost += 1;
      outcome = 'lost-answer';
    }
    return { latencyMs: state.latencyMs, outcome, errorStatus: state.errorStatus };
  }

  /** True when this record write is to fail with `UNABLE_TO_LOCK_ROW` (spends one). */
  takeRowLock(orgId: string): boolean {
    const state = this.states.get(orgId);
    if (!state || state.lockRowRemaining <= 0) return false;
    state.lockRowRemaining -= 1;
    return true;
  }

  private blank(orgId: string): SalesforceFaultState {
    return {
      orgId,
      latencyMs: 0,
      errorRate: 0,
      errorStatus: 500,
      lostAnswerRate: 0,
      seed: 1,
      concurrentLimitRemaining: 0,
      lockRowRemaining: 0,
      callsSeen: 0,
      errorsInjected: 0,
      answersLost: 0,
    };
  }
}
