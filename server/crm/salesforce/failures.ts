/**
 * What a failed Salesforce call means for the product, decided in one place from what jsforce
 * throws (an error named after Salesforce's `errorCode`, or a network error): retry it, wait for
 * tomorrow's allowance, or give up with Salesforce's own words.
 */
import { z } from 'zod';
import {
  CrmAuthError,
  CrmQuotaExceededError,
  CrmRequestError,
  CrmUnavailableError,
  type CrmError,
} from '../errors.js';

export type SalesforceFailure =
  /** Worth sending again after a pause (a lock, the concurrent-request limit, 5xx, the network). */
  { kind: 'retry'; reason: string } | { kind: 'fail'; error: CrmError };

const apiErrorSchema = z.object({ name: z.string(), message: z.string(), errorCode: z.string().optional() });
const networkErrorSchema = z.object({ code: z.string() });

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Salesforce's daily allowance is counted over a rolling 24 hours: try again in an hour. */
const QUOTA_RETRY_MS = 60 * 60 * 1000;

/** How one failure from jsforce is handled. `now` dates a quota's retry. */
export function classifySalesforceFailure(error: unknown, now = new Date()): SalesforceFailure {
  const network = networkErrorSchema.safeParse(error);
  if (network.success && NETWORK_CODES.has(network.data.code)) {
    return { kind: 'retry', reason: `network error ${network.data.code}` };
  }
  const parsed = apiErrorSchema.safeParse(error);
  if (!parsed.success) {
    return { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
  }
  const code = parsed.data.errorCode ?? parsed.data.name;
  const { message } = parsed.data;
  switch (code) {
    case 'REQUEST_LIMIT_EXCEEDED':
      // The same code means two things: the daily allowance, or too many long calls at once.
      if (/TotalRequests/i.test(message)) {
        return {
          kind: 'fail',
          error: new CrmQuotaExceededError(
            `Salesforce's daily API allowance is used up (${message})`,
            new Date(now.getTime() + QUOTA_RETRY_MS),
          ),
        };
      }
      return { kind: 'retry', reason: message };
    case 'UNABLE_TO_LOCK_ROW':
    case 'SERVER_UNAVAILABLE':
    case 'QUERY_TIMEOUT':
      return { kind: 'retry', reason: message };
    case 'INVALID_SESSION_ID':
      return { kind: 'fail', error: new CrmAuthError(`Salesforce refused the session: ${message}`) };
  }
  const status = /^ERROR_HTTP_(\d{3})$/.exec(code);
  if (status) {
    const httpStatus = Number(status[1]);
    if (httpStatus >= 500 || httpStatus === 429) return { kind: 'retry', reason: `HTTP ${httpStatus}` };
    return { kind: 'fail', error: new CrmRequestError(httpStatus, message.slice(0, 500), code) };
  }
  return { kind: 'fail', error: new CrmRequestError(400, `${code}: ${message.trim()}`, code) };
}

/** A failure with nothing retryable left: the error to throw. */
export function exhausted(reason: string, attempts: number): CrmUnavailableError {
  return new CrmUnavailableError(`Salesforce did not answer after ${attempts} attempts (${reason}).`);
}
