import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type CallKind = 'general' | 'search';

export interface RateLimits {
  /** Calls per second for one portal, across every process (HubSpot: 110 per rolling 10 s). */
  generalPerSecond: number;
  /** Search calls per second for one portal (HubSpot: about 4–5 per second). */
  searchPerSecond: number;
}

/**
 * Ten per one-second window never exceeds HubSpot's 110 per rolling 10 s: any 10 s span touches
 * at most 11 such windows.
 */
export const HUBSPOT_RATE_LIMITS: RateLimits = { generalPerSecond: 10, searchPerSecond: 4 };

/**
 * One budget per portal shared by every process through Redis: a worker waits for its turn rather
 * than spending the portal's limit and getting 429s.
 */
export class PortalRateLimiter {
  private readonly general: RateLimiterRedis;
  private readonly search: RateLimiterRedis;

  constructor(redis: Redis, keyPrefix: string, limits: RateLimits = HUBSPOT_RATE_LIMITS) {
    this.general = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${keyPrefix}:crm-rate:general`,
      points: limits.generalPerSecond,
      duration: 1,
    });
    this.search = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${keyPrefix}:crm-rate:search`,
      points: limits.searchPerSecond,
      duration: 1,
    });
  }

  /** Resolves when the portal may make one more call of this kind. */
  async take(portalId: number, kind: CallKind): Promise<void> {
    if (kind === 'search') await this.consume(this.search, portalId);
    await this.consume(this.general, portalId);
  }

  private async consume(limiter: RateLimiterRedis, portalId: number): Promise<void> {
    for (;;) {
      try {
        await limiter.consume(String(portalId));
        return;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        await new Promise((resolve) => setTimeout(resolve, rejection.msBeforeNext + Math.random() * 20));
      }
    }
  }
}
