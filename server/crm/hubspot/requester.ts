import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { CrmAuthError, CrmError, CrmRequestError, CrmUnavailableError } from '../errors.js';
import { assertJobStillOwned, currentJobSignal, throwIfAborted, waitUnlessAborted } from '../abort-scope.js';
import { DEFAULT_STALL_MS, guardCall } from '../call-guard.js';
import type { AccessTokenSource } from '../oauth.js';
import type { CallKind, PortalRateLimiter } from '../rate-limit.js';

export interface HubSpotRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  kind?: CallKind;
}

export interface HubSpotResponse {
  status: number;
  body: unknown;
}

export interface RequesterOptions {
  apiBase: string;
  tokens: AccessTokenSource;
  limiter: PortalRateLimiter;
  /** Attempts per call for 5xx and network failures. */
  maxAttempts?: number;
  /**
   * How long one call keeps waiting out HubSpot's 429s (its burst and search limits) before it
   * gives up: a 429 says "not yet", not "failed", so it spends no attempt.
   */
  rateLimitPatienceMs?: number;
  /** Base of the exponential backoff for 5xx and network failures (ms). */
  backoffMs?: number;
  /** How long a call's connection may stay silent before it is dropped and retried (ms). */
  stallMs?: number;
}

/** One try of a call: its value, or HubSpot's refusal for the retry policy to judge. */
type Attempt<T> =
  { ok: true; value: T } | { ok: false; status: number; body: unknown; retryAfterMs: number | undefined };

/** The error the SDK's typed APIs throw for a non-2xx answer. */
interface ApiExceptionLike {
  code: number;
  body: unknown;
  headers: Record<string, string | undefined>;
}

function isApiException(error: unknown): error is ApiExceptionLike {
  if (!(error instanceof Error)) return false;
  const candidate = error as Partial<ApiExceptionLike>;
  return (
    typeof candidate.code === 'number' && typeof candidate.headers === 'object' && candidate.headers !== null
  );
}

const hubspotErrorSchema = z
  .object({
    message: z.string().optional(),
    category: z.string().optional(),
    policyName: z.string().optional(),
    errorType: z.string().optional(),
  })
  .passthrough();

/**
 * Every HubSpot call of the product goes through here: the portal's shared rate limit first, then
 * the call on HubSpot's own SDK (a path through `apiRequest`, or one of its typed APIs), then one
 * retry policy — a 429 pauses the portal for every process and is waited out (up to a time cap,
 * spending no attempt; a daily limit fails at once), 5xx, network failures and calls silent for
 * `stallMs` (../call-guard.ts) are retried with backoff, a 401 refreshes the token once, other 4xx
 * fail at once with HubSpot's message.
 */
export class HubSpotRequester {
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly rateLimitPatienceMs: number;
  private readonly stallMs: number;
  private readonly callsByPortal = new Map<number, number>();

  constructor(private readonly options: RequesterOptions) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.backoffMs = options.backoffMs ?? 250;
    this.rateLimitPatienceMs = options.rateLimitPatienceMs ?? 120_000;
    this.stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  }

  async request(portalId: number, request: HubSpotRequest): Promise<HubSpotResponse> {
    return this.withPolicy(
      portalId,
      request.kind ?? 'general',
      `${request.method} ${request.path}`,
      async (client) => {
        const response = await client.apiRequest({
          method: request.method,
          path: request.path,
          ...(request.query ? { qs: compactQuery(request.query) } : {}),
          ...(request.body !== undefined ? { body: request.body } : {}),
        });
        const status = response.status;
        const text = await response.text();
        const body = text ? safeJson(text) : undefined;
        if (status < 300 || status === 207) return { ok: true, value: { status, body } };
        return { ok: false, status, body, retryAfterMs: retryAfter(response.headers.get('retry-after')) };
      },
    );
  }

  /**
   * A call on one of the SDK's typed APIs (`client.crm.owners.ownersApi`…), under the same pace and
   * retry policy as `request`; `what` names the call in errors ("GET /crm/v3/owners").
   */
  async sdkCall<T>(
    portalId: number,
    what: string,
    call: (client: Client) => Promise<T>,
    kind: CallKind = 'general',
  ): Promise<T> {
    return this.withPolicy(portalId, kind, what, async (client) => {
      try {
        return { ok: true, value: await call(client) };
      } catch (error) {
        // Each of the SDK's generated APIs throws its own ApiException class: known by its shape.
        if (!isApiException(error)) throw error;
        return {
          ok: false,
          status: error.code,
          body: error.body,
          retryAfterMs: retryAfter(error.headers['retry-after'] ?? null),
        };
      }
    });
  }

  /** The one retry policy (see the class). */
  private async withPolicy<T>(
    portalId: number,
    kind: CallKind,
    what: string,
    attempt: (client: Client) => Promise<Attempt<T>>,
  ): Promise<T> {
    let token = await this.options.tokens.accessToken(portalId);
    let refreshed = false;
    let lastFailure = '';
    let rateLimitedMs = 0;
    let rateLimited = 0;
    /** A try failed in a way that may hide a success (a 5xx, a dropped connection). */
    let uncertain = false;
    for (let attemptNo = 1; attemptNo <= this.maxAttempts; attemptNo++) {
      // Our place in the portal's window is kept until the answer comes: see PortalRateLimiter.
      const grant = await this.options.limiter.take(portalId, kind);
      this.callsByPortal.set(portalId, (this.callsByPortal.get(portalId) ?? 0) + 1);
      let outcome: Attempt<T>;
      try {
        await assertJobStillOwned();
      } catch (error) {
        await this.options.limiter.answered(grant);
        throw error;
      }
      const inFlight = this.options.limiter.keepInFlight(grant);
      try {
        const signal = currentJobSignal();
        const client = this.client(token);
        outcome = await guardCall({ stallMs: this.stallMs, ...(signal ? { signal } : {}) }, () =>
          attempt(client),
        );
      } catch (error) {
        await inFlight();
        if (error instanceof CrmError) throw error;
        throwIfAborted(); // its job was cancelled while it was out
        lastFailure = `network error: ${(error as Error).message}`;
        uncertain = true;
        await this.options.limiter.answered(grant);
        await waitUnlessAborted(this.backoff(attemptNo));
        continue;
      }
      await inFlight();
      await this.options.limiter.answered(grant);
      if (outcome.ok) return outcome.value;

      const { status, body, retryAfterMs } = outcome;
      const detail = hubspotErrorSchema.safeParse(body);
      const message = (detail.success && detail.data.message) || `HubSpot answered ${status}`;
      if (status === 401) {
        if (refreshed)
          throw new CrmAuthError(`HubSpot refused the refreshed token for portal ${portalId}: ${message}`);
        token = await this.options.tokens.refreshAccessToken(portalId, token);
        refreshed = true;
        attemptNo--; // a refresh is not a failed attempt
        continue;
      }
      if (status === 429) {
        const policy = detail.success ? detail.data.policyName : undefined;
        if (policy === 'DAILY') {
          throw new CrmUnavailableError(
            `HubSpot's daily API limit for portal ${portalId} is used up (${what}); the work resumes once it resets.`,
          );
        }
        rateLimited++;
        const wait = retryAfterMs ?? Math.min(this.backoff(rateLimited) * 4, 10_000);
        if (rateLimitedMs + wait > this.rateLimitPatienceMs) {
          throw new CrmUnavailableError(
            `HubSpot kept answering ${what} for portal ${portalId} with 429 (${message}) for ` +
              `${Math.round(rateLimitedMs / 1000)} s, ${rateLimited} times in a row.`,
          );
        }
        rateLimitedMs += wait;
        await this.options.limiter.pause(portalId, wait);
        await waitUnlessAborted(wait);
        attemptNo--; // "not yet" is not a failed attempt
        continue;
      }
      if (status >= 500) {
        lastFailure = `${status} ${message}`;
        uncertain = true;
        await waitUnlessAborted(this.backoff(attemptNo));
        continue;
      }
      throw new CrmRequestError(
        status,
        message,
        detail.success ? detail.data.category : undefined,
        uncertain,
      );
    }
    throw new CrmUnavailableError(
      `HubSpot did not answer ${what} for portal ${portalId} after ${this.maxAttempts} attempts (${lastFailure}).`,
    );
  }

  /** HTTP calls this process has made for a portal, retries included. */
  callsMade(portalId: number): number {
    return this.callsByPortal.get(portalId) ?? 0;
  }

  private client(accessToken: string): Client {
    // The SDK's own retry and pacing stay off: they are per object, not per portal across processes.
    return new Client({ accessToken, basePath: this.options.apiBase, numberOfApiCallRetries: 0 });
  }

  private backoff(attempt: number): number {
    const base = this.backoffMs * 2 ** (attempt - 1);
    return base + Math.random() * base * 0.25;
  }
}

function compactQuery(query: NonNullable<HubSpotRequest['query']>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
