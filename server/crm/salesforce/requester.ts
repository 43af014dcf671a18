/**
 * Every Salesforce call of the product goes through here: one jsforce Connection per org and
 * process, the org's shared pace first, then the call, then one retry policy (see failures.ts).
 * A 401 is refreshed by jsforce through our `refreshFn`, which asks the token vault: the vault
 * refreshes once across every worker (a Redis lock), re-reads what another worker stored, and keeps
 * a rotated refresh token, none of which jsforce's own refresh does.
 */
import type { Connection } from 'jsforce';
import { CrmError, CrmQuotaExceededError } from '../errors.js';
import {
  assertJobStillOwned,
  CallAbortedError,
  currentJobSignal,
  throwIfAborted,
  waitUnlessAborted,
} from '../abort-scope.js';
import { DEFAULT_STALL_MS, guardCall } from '../call-guard.js';
import type { AccessTokenSource } from '../oauth.js';
import type { PortalRateLimiter } from '../rate-limit.js';
import { SALESFORCE_API_VERSION } from './api-version.js';
import { jsforce } from './jsforce-module.js';
import { classifySalesforceFailure, exhausted } from './failures.js';

export interface SalesforceRequesterOptions {
  tokens: AccessTokenSource;
  limiter: PortalRateLimiter;
  apiVersion?: string;
  /** Attempts per call for retryable failures. */
  maxAttempts?: number;
  backoffMs?: number;
  /**
   * The share of the org's daily API allowance the app may use; above it, work waits (the rest is
   * left to the org's other integrations and users).
   */
  dailyShare?: number;
  /** Named on every call (`Sforce-Call-Options: client=…`), so the org's logs say who called. */
  clientName?: string;
  /** How long a call's connection may stay silent before it is dropped and retried (ms). */
  stallMs?: number;
}

/** The org's daily allowance as Salesforce last reported it. */
export interface ApiUsage {
  used: number;
  limit: number;
}

/** How long a reported daily usage is trusted; past it, the next answer reports it again. */
const USAGE_FRESH_MS = 60 * 60 * 1000;

export class SalesforceRequester {
  private readonly connections = new Map<number, Connection>();
  /** Why the vault could not refresh a portal's token: jsforce rethrows it as a plain Error. */
  private readonly refreshFailures = new Map<number, unknown>();
  private readonly callsByPortal = new Map<number, number>();
  /** When each org's usage was last reported: an old report no longer holds the work back. */
  private readonly usageSeenAt = new Map<number, number>();
  readonly apiVersion: string;

  constructor(private readonly options: SalesforceRequesterOptions) {
    this.apiVersion = options.apiVersion ?? SALESFORCE_API_VERSION;
  }

  /** Calls made for the portal by this process (each page, batch and query counts one). */
  callCount(portalId: number): number {
    return this.callsByPortal.get(portalId) ?? 0;
  }

  /** The org's daily usage as its last answer reported it, if any. */
  usage(portalId: number): ApiUsage | undefined {
    return this.connections.get(portalId)?.limitInfo.apiUsage;
  }

  /**
   * Runs one Salesforce call (`call` must make exactly one request) with the pace, the refresh
   * and the retries; `call` is sent again on a retryable failure, so it must be safe to repeat.
   */
  async call<T>(portalId: number, call: (conn: Connection) => Promise<T>): Promise<T> {
    const maxAttempts = this.options.maxAttempts ?? 6;
    const backoffMs = this.options.backoffMs ?? 250;
    let reason = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const conn = await this.connection(portalId);
      this.checkAllowance(portalId, conn);
      const grant = await this.options.limiter.take(portalId, 'general');
      this.callsByPortal.set(portalId, (this.callsByPortal.get(portalId) ?? 0) + 1);
      const inFlight = this.options.limiter.keepInFlight(grant);
      try {
        await assertJobStillOwned();
        const signal = currentJobSignal();
        const guard = { stallMs: this.options.stallMs ?? DEFAULT_STALL_MS, ...(signal ? { signal } : {}) };
        return await guardCall(guard, () => call(conn));
      } catch (error) {
        await inFlight();
        if (error instanceof CallAbortedError || error instanceof CrmError) throw error;
        throwIfAborted(); // its job was cancelled while it was out
        const refreshFailure = this.refreshFailures.get(portalId);
        if (refreshFailure !== undefined) {
          this.refreshFailures.delete(portalId);
          throw refreshFailure;
        }
        const failure = classifySalesforceFailure(error);
        if (failure.kind === 'fail') throw failure.error;
        reason = failure.reason;
        await waitUnlessAborted(backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      } finally {
        await inFlight();
        this.usageSeenAt.set(portalId, Date.now());
        await this.options.limiter.answered(grant);
      }
    }
    throw exhausted(reason, maxAttempts);
  }

  /** The org's connection, with the vault's current token (another worker may have refreshed it). */
  private async connection(portalId: number): Promise<Connection> {
    const { tokens } = this.options;
    const [accessToken, apiBase] = await Promise.all([
      tokens.accessToken(portalId),
      tokens.apiBase(portalId),
    ]);
    if (!apiBase)
      throw new CrmError('crm_not_connected', `Portal ${portalId} has no Salesforce instance URL.`);
    let conn = this.connections.get(portalId);
    if (!conn || conn.instanceUrl !== apiBase) {
      conn = new (jsforce().Connection)({
        instanceUrl: apiBase,
        accessToken,
        version: this.apiVersion,
        callOptions: { client: this.options.clientName ?? 'ChurnRadar' },
        refreshFn: (_conn, done) => {
          tokens.refreshAccessToken(portalId, _conn.accessToken ?? undefined).then(
            (token) => done(null, token),
            (error: unknown) => {
              this.refreshFailures.set(portalId, error);
              done(error instanceof Error ? error : new Error(String(error)));
            },
          );
        },
      });
      this.connections.set(portalId, conn);
    }
    conn.accessToken = accessToken;
    return conn;
  }

  /** Above our share of the org's daily allowance, the work waits for the window to move. */
  private checkAllowance(portalId: number, conn: Connection): void {
    const usage = conn.limitInfo.apiUsage;
    const share = this.options.dailyShare ?? 0.9;
    const fresh = Date.now() - (this.usageSeenAt.get(portalId) ?? 0) < USAGE_FRESH_MS;
    if (fresh && usage && usage.limit > 0 && usage.used >= usage.limit * share) {
      throw new CrmQuotaExceededError(
        `Portal ${portalId} has used ${usage.used} of its ${usage.limit} daily Salesforce API calls; ` +
          `the app keeps ${Math.round((1 - share) * 100)} % for the org's other work.`,
        new Date(Date.now() + USAGE_FRESH_MS),
      );
    }
  }
}
