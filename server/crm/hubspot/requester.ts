import { Client } from '@hubspot/api-client';
import { z } from 'zod';
import { CrmAuthError, CrmError, CrmRequestError, CrmUnavailableError } from '../errors.js';
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
  /** Attempts per call for 429, 5xx and network failures. */
  maxAttempts?: number;
  /** Base of the exponential backoff for 5xx and network failures (ms). */
  backoffMs?: number;
}

const hubspotErrorSchema = z
  .object({
    message: z.string().optional(),
    category: z.string().optional(),
    policyName: z.string().optional(),
  })
  .passthrough();

/**
 * Every HubSpot call of the product goes through here: the portal's shared rate limit first, then
 * the call on HubSpot's own SDK, then one retry policy — 429 and 5xx retried with backoff honouring
 * Retry-After, a 401 refreshes the token once, other 4xx fail at once with HubSpot's message.
 */
export class HubSpotRequester {
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly callsByPortal = new Map<number, number>();

  constructor(private readonly options: RequesterOptions) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.backoffMs = options.backoffMs ?? 250;
  }

  async request(portalId: number, request: HubSpotRequest): Promise<HubSpotResponse> {
    let token = await this.options.tokens.accessToken(portalId);
    let refreshed = false;
    let lastFailure = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      // Our place in the portal's window is kept until the answer comes: see PortalRateLimiter.
      const grant = await this.options.limiter.take(portalId, request.kind ?? 'general');
      this.callsByPortal.set(portalId, (this.callsByPortal.get(portalId) ?? 0) + 1);
      let status: number;
      let body: unknown;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.client(token).apiRequest({
          method: request.method,
          path: request.path,
          ...(request.query ? { qs: compactQuery(request.query) } : {}),
          ...(request.body !== undefined ? { body: request.body } : {}),
        });
        status = response.status;
        const text = await response.text();
        body = text ? safeJson(text) : undefined;
        retryAfterMs = retryAfter(response.headers.get('retry-after'));
      } catch (error) {
        if (error instanceof CrmError) throw error;
        lastFailure = `network error: ${(error as Error).message}`;
        await this.options.limiter.answered(grant);
        await sleep(this.backoff(attempt));
        continue;
      }
      await this.options.limiter.answered(grant);

      if (status < 300 || status === 207) return { status, body };
      const detail = hubspotErrorSchema.safeParse(body);
      const message = (detail.success && detail.data.message) || `HubSpot answered ${status}`;
      if (status === 401) {
        if (refreshed)
          throw new CrmAuthError(`HubSpot refused the refreshed token for portal ${portalId}: ${message}`);
        token = await this.options.tokens.refreshAccessToken(portalId);
        refreshed = true;
        attempt--; // a refresh is not a failed attempt
        continue;
      }
      if (status === 429) {
        lastFailure = `429 ${message}`;
        await sleep(retryAfterMs ?? this.backoff(attempt) * 4);
        continue;
      }
      if (status >= 500) {
        lastFailure = `${status} ${message}`;
        await sleep(this.backoff(attempt));
        continue;
      }
      throw new CrmRequestError(status, message, detail.success ? detail.data.category : undefined);
    }
    throw new CrmUnavailableError(
      `HubSpot did not answer ${request.method} ${request.path} for portal ${portalId} after ${this.maxAttempts} attempts (${lastFailure}).`,
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
