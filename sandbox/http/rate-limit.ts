/**
 * HubSpot's limits for OAuth apps, per app per portal: a rolling 10-second window over all calls
 * but search, and a separate per-second limit for search. Time comes from the sandbox clock, so a
 * test can let a window pass by moving the clock.
 */
import { randomUUID } from 'node:crypto';

export interface RateLimitSettings {
  enabled: boolean;
  /** Requests allowed in one rolling window (HubSpot: 110 for OAuth apps). */
  tenSecondlyMax: number;
  windowMs: number;
  /** Search requests allowed per second (HubSpot: 5). */
  searchPerSecond: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  enabled: true,
  tenSecondlyMax: 110,
  windowMs: 10_000,
  searchPerSecond: 5,
};

export type LimitKind = 'standard' | 'search';

export type RateDecision =
  | { allowed: true; max: number; remaining: number; intervalMs: number }
  | { allowed: false; retryAfterSeconds: number; kind: LimitKind; max: number; intervalMs: number };

export class RateLimiter {
  private current: RateLimitSettings;
  private readonly windows = new Map<string, number[]>();

  constructor(
    settings: Partial<RateLimitSettings>,
    private readonly now: () => number,
  ) {
    this.current = { ...DEFAULT_RATE_LIMITS, ...settings };
  }

  settings(): RateLimitSettings {
    return { ...this.current };
  }

  configure(change: Partial<RateLimitSettings>): RateLimitSettings {
    this.current = { ...this.current, ...change };
    this.windows.clear();
    return this.settings();
  }

  /** Counts one request for `key` (app and portal) if the limit allows it. */
  take(key: string, kind: LimitKind): RateDecision {
    const max = kind === 'search' ? this.current.searchPerSecond : this.current.tenSecondlyMax;
    const intervalMs = kind === 'search' ? 1000 : this.current.windowMs;
    if (!this.current.enabled) return { allowed: true, max, remaining: max, intervalMs };
    const now = this.now();
    const windowKey = `${kind}:${key}`;
    const recent = (this.windows.get(windowKey) ?? []).filter((at) => at > now - intervalMs && at <= now);
    if (recent.length >= max) {
      this.windows.set(windowKey, recent);
      const waitMs = recent[0]! + intervalMs - now;
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      return { allowed: false, retryAfterSeconds, kind, max, intervalMs };
    }
    recent.push(now);
    this.windows.set(windowKey, recent);
    return { allowed: true, max, remaining: max - recent.length, intervalMs };
  }
}

/** The body HubSpot sends with a 429 for each policy. */
export function rateLimitBody(kind: LimitKind): Record<string, string> {
  return kind === 'search'
    ? {
        status: 'error',
        message: 'You have reached your secondly limit.',
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: 'SECONDLY',
      }
    : {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: 'TEN_SECONDLY_ROLLING',
      };
}
