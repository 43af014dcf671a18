import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { waitUnlessAborted } from './abort-scope.js';

export type CallKind = 'general' | 'search';

export interface RateLimits {
  /** Calls per second for one portal, across every process, averaged over a rolling 10 s. */
  generalPerSecond: number;
  /** Search calls per second for one portal (HubSpot: about 4–5 per second). */
  searchPerSecond: number;
}

/**
 * HubSpot allows 110 calls per rolling 10 s per portal. A call holds its place in our window from
 * before it is sent until its answer comes (`take`, then `answered`), so however late it reaches HubSpot, HubSpot
 * never counts more calls in a window than we do; one call of margin covers how each side rounds
 * the window's edges.
 */
export const HUBSPOT_RATE_LIMITS: RateLimits = { generalPerSecond: 10.9, searchPerSecond: 4 };

const WINDOW_MS = 10_000;
/** HubSpot counts search calls per rolling second. */
const SEARCH_WINDOW_MS = 1000;
/**
 * A place is taken as if its call reached HubSpot this long after the grant, and while the call is
 * out its process moves the place this far ahead of now every BEAT_MS (`keepInFlight`): a call in
 * flight counts however long it takes to arrive or be answered (a search can take seconds), and
 * its answer moves the place to the answer's time. If the process dies with the call in flight,
 * the call still counts until a window after it can have arrived, however busy the event loop was
 * between the grant (or the last beat) and the send.
 */
const ARRIVAL_ALLOWANCE_MS = 2000;
const BEAT_MS = ARRIVAL_ALLOWANCE_MS / 4;

/** A place in a portal's window: when it was granted, and the entry that holds it. */
export interface RateGrant {
  at: number;
  key: string;
  member: string;
  /** A search call's place in the portal's search window too. */
  search?: { key: string; member: string };
}

/**
 * A rolling-window log, as HubSpot counts: the calls of the last 10 s, by Redis's own clock so
 * every process agrees. Returns the negated grant time (ms) when the call may go now, else how
 * long to wait (ms). The place is logged at the grant time plus ARGV[4] (ARRIVAL_ALLOWANCE_MS).
 * While the portal is paused (KEYS[2], after HubSpot answered 429) nobody goes.
 */
const TAKE_ROLLING = `
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused + 1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + tonumber(ARGV[4]))
  return -now
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
-- A place still in flight frees no sooner than a window from now, whatever its logged time.
return math.min(tonumber(oldest[2]) + window - now, window) + 1`;

/** Moves a call's entry in the window to Redis's time now: the call counts until now + window. */
const HOLD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return now`;

/**
 * Moves a call's entry in the window (if still there) to Redis's time now + ARGV[1], never back:
 * the call is still in flight. The key outlives the entry by a window (ARGV[3]).
 */
const IN_FLIGHT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local target = now + tonumber(ARGV[1])
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if score and tonumber(score) < target then
  redis.call('ZADD', KEYS[1], target, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
end
return now`;

/** Pauses a portal for at least ARGV[1] ms; a longer pause already set stays. */
const PAUSE = `
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', tonumber(ARGV[1]))
end
return 1`;

/**
 * One budget per portal shared by every process through Redis: a worker waits for its turn rather
 * than spending the portal's limit and getting 429s.
 */
export class PortalRateLimiter {
  private readonly generalPerWindow: number;
  private readonly searchPerWindow: number;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    limits: RateLimits = HUBSPOT_RATE_LIMITS,
    /** HubSpot's window; shorter only where a test needs to see it roll. */
    private readonly windowMs = WINDOW_MS,
  ) {
    this.generalPerWindow = Math.max(1, Math.floor((limits.generalPerSecond * windowMs) / 1000));
    this.searchPerWindow = Math.max(1, Math.floor(limits.searchPerSecond));
  }

  /**
   * Keeps a call's place in the window until now + window: its answer has just come, and HubSpot
   * may have counted it as late as that. A failed call's place is kept too (it may have arrived).
   */
  async answered(grant: RateGrant): Promise<void> {
    // The key outlives the window by the allowance, so a dead process's place (logged ahead) stays.
    await this.redis.eval(HOLD, 1, grant.key, this.windowMs + ARRIVAL_ALLOWANCE_MS, grant.member);
    if (grant.search) {
      await this.redis.eval(
        HOLD,
        1,
        grant.search.key,
        SEARCH_WINDOW_MS + ARRIVAL_ALLOWANCE_MS,
        grant.search.member,
      );
    }
  }

  /**
   * Keeps a granted call's place ahead of now until the returned `stop` is called (before
   * `answered`): HubSpot counts the call when it arrives, which for a slow call may be long after
   * the grant, so its place must not lapse while it is out. `stop` resolves once a beat under way
   * has landed, so the answer's hold always comes after it. A beat that fails is skipped: the place
   * then lapses no sooner than it would have without beats.
   */
  keepInFlight(grant: RateGrant): () => Promise<void> {
    let beats: Promise<void> = Promise.resolve();
    const beat = async () => {
      await this.redis.eval(
        IN_FLIGHT,
        1,
        grant.key,
        ARRIVAL_ALLOWANCE_MS,
        grant.member,
        this.windowMs + ARRIVAL_ALLOWANCE_MS,
      );
      if (grant.search) {
        await this.redis.eval(
          IN_FLIGHT,
          1,
          grant.search.key,
          ARRIVAL_ALLOWANCE_MS,
          grant.search.member,
          SEARCH_WINDOW_MS + ARRIVAL_ALLOWANCE_MS,
        );
      }
    };
    const timer = setInterval(() => {
      beats = beats.then(beat).catch(() => {});
    }, BEAT_MS);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await beats;
    };
  }

  /**
   * Holds every process's calls to a portal for `ms`: HubSpot answered 429, so its count and ours
   * disagree (another install of the app, or a window edge) and the portal needs a rest.
   */
  async pause(portalId: number, ms: number): Promise<void> {
    await this.redis.eval(PAUSE, 1, this.pauseKey(portalId), Math.max(1, Math.ceil(ms)));
  }

  /**
   * Resolves when the portal may make one more call of this kind, with Redis's time of the grant.
   * A search call takes its place in the rolling second of searches first (a window that starts
   * at each second's edge would let twice the limit through across it), then in the general window.
   */
  async take(portalId: number, kind: CallKind): Promise<RateGrant> {
    const search =
      kind === 'search'
        ? await this.takeRolling(
            portalId,
            `${this.keyPrefix}:crm-rate:search:${portalId}`,
            SEARCH_WINDOW_MS,
            this.searchPerWindow,
          )
        : undefined;
    const general = await this.takeRolling(
      portalId,
      `${this.keyPrefix}:crm-rate:general:${portalId}`,
      this.windowMs,
      this.generalPerWindow,
    );
    return search ? { ...general, search: { key: search.key, member: search.member } } : general;
  }

  private pauseKey(portalId: number): string {
    return `${this.keyPrefix}:crm-rate:pause:${portalId}`;
  }

  private async takeRolling(
    portalId: number,
    key: string,
    windowMs: number,
    max: number,
  ): Promise<RateGrant> {
    const member = randomBytes(8).toString('hex');
    const pause = this.pauseKey(portalId);
    for (;;) {
      const wait = Number(
        await this.redis.eval(TAKE_ROLLING, 2, key, pause, windowMs, max, member, ARRIVAL_ALLOWANCE_MS),
      );
      if (wait <= 0) return { at: -wait, key, member };
      await waitUnlessAborted(wait + Math.random() * 10);
    }
  }
}
