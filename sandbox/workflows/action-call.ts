/**
 * One call of a custom action's `actionUrl`, as HubSpot makes it: a signed POST (v2 signature in
 * `X-HubSpot-Signature`, plus v3), retried on 429, 5xx and connection failures with backoff
 * (honouring `Retry-After`), never retried on other 4xx answers. An answer the app sent but
 * HubSpot never got (a timeout on HubSpot's side) is retried too: `loseAnswer` decides which.
 */
import { z } from 'zod';
import { actionSignatureHeaders } from '../webhooks/signing.js';

export interface ActionRequest {
  callbackId: string;
  origin: { portalId: number; actionDefinitionId: number; actionDefinitionVersion: number };
  context: { source: 'WORKFLOWS'; workflowId: number };
  object: { objectId: number; objectType: 'CONTACT'; properties: Record<string, string> };
  inputFields: Record<string, string | number | boolean>;
}

export interface RetryPolicy {
  maxAttempts: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  requestTimeoutMs: number;
}

export interface CallAttempt {
  at: string;
  status?: number;
  error?: string;
}

export type CallOutcome =
  | { kind: 'answered'; outputFields: Record<string, unknown>; attempts: CallAttempt[] }
  | { kind: 'failed'; reason: string; attempts: CallAttempt[] };

const answer = z.object({ outputFields: z.record(z.string(), z.unknown()).optional() }).loose();

function retryDelay(policy: RetryPolicy, attemptIndex: number, retryAfter: string | null): number {
  const backoff = Math.min(policy.retryDelayMs * 2 ** attemptIndex, policy.maxRetryDelayMs);
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  return Number.isFinite(seconds) ? Math.min(seconds * 1000, policy.maxRetryDelayMs) : backoff;
}

export async function callAction(
  actionUrl: string,
  clientSecret: string,
  request: ActionRequest,
  policy: RetryPolicy,
  signal: AbortSignal,
  loseAnswer: () => boolean = () => false,
): Promise<CallOutcome> {
  const uri = new URL(actionUrl).href;
  const body = JSON.stringify(request);
  const attempts: CallAttempt[] = [];
  for (let index = 0; index < policy.maxAttempts; index += 1) {
    const attempt: CallAttempt = { at: new Date().toISOString() };
    attempts.push(attempt);
    let retryAfter: string | null = null;
    try {
      const response = await fetch(uri, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...actionSignatureHeaders(clientSecret, uri, body, Date.now()),
        },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(policy.requestTimeoutMs)]),
      });
      attempt.status = response.status;
      const text = await response.text();
      if (response.ok && loseAnswer()) {
        attempt.error = 'the answer was lost on the way back: the call is made again';
      } else if (response.ok) {
        let json: unknown = {};
        try {
          json = text ? JSON.parse(text) : {};
        } catch {
          return { kind: 'failed', reason: 'the action answered with a body that is not JSON', attempts };
        }
        const parsed = answer.safeParse(json);
        if (!parsed.success) {
          return { kind: 'failed', reason: 'the action answered without an outputFields object', attempts };
        }
        return { kind: 'answered', outputFields: parsed.data.outputFields ?? {}, attempts };
      } else if (response.status !== 429 && response.status < 500) {
        return { kind: 'failed', reason: `the action answered ${response.status}`, attempts };
      }
      retryAfter = response.headers.get('retry-after');
    } catch (error) {
      if (signal.aborted) return { kind: 'failed', reason: 'the sandbox stopped', attempts };
      attempt.error = error instanceof Error ? String(error.cause ?? error.message) : String(error);
    }
    if (index + 1 < policy.maxAttempts) {
      await sleep(retryDelay(policy, index, retryAfter), signal);
      if (signal.aborted) return { kind: 'failed', reason: 'the sandbox stopped', attempts };
    }
  }
  return { kind: 'failed', reason: `no success after ${policy.maxAttempts} attempts`, attempts };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
