/**
 * A CRM call that hears nothing back is dropped, and a cancelled job's call is dropped at once.
 * Neither SDK lets the product pass a timeout or a signal to each request: HubSpot's `apiRequest`
 * sends through node-fetch with no agent, timeout or signal, and jsforce gives every request half
 * an hour. So a connection that died without a word (a NAT table dropping it, a peer gone) would
 * hold its job, and its place in the portal's rate window, until the job was killed.
 *
 * Every HTTP request Node's `http` module starts inside `guardCall` (its async context, which the
 * SDKs' promise chains carry) is watched: when nothing moves on its connection for `stallMs`, or
 * when `signal` aborts, its socket is destroyed. The SDK then fails the call as it fails any broken
 * connection, and the requester's retry policy takes it from there: a dropped call may have taken
 * effect, so it counts as uncertain, like a 5xx.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

/** How long a CRM connection may stay silent before the call is given up: both CRMs answer in seconds. */
export const DEFAULT_STALL_MS = 120_000;

export interface CallGuard {
  /** Milliseconds with nothing sent or received on the call's connection before it is dropped. */
  stallMs: number;
  /** Drops the call at once when aborted (its job was cancelled). */
  signal?: AbortSignal;
}

/**
 * Why a guarded call's connection was dropped. The SDKs wrap it as a network failure and keep its
 * `code`, which is what the retry policies read: ETIMEDOUT for a silent connection (as Node names
 * one), ECANCELED for a cancelled job.
 */
export class CallDroppedError extends Error {
  constructor(
    readonly code: 'ETIMEDOUT' | 'ECANCELED',
    message: string,
  ) {
    super(message);
    this.name = 'CallDroppedError';
  }
}

const guards = new AsyncLocalStorage<CallGuard>();
let watching = false;

function watchRequest(message: unknown): void {
  const guard = guards.getStore();
  if (!guard) return;
  const { request } = message as { request: ClientRequest };
  request.setTimeout(guard.stallMs, () =>
    request.destroy(
      new CallDroppedError(
        'ETIMEDOUT',
        `no answer for ${guard.stallMs / 1000} s; the connection was dropped`,
      ),
    ),
  );
  const { signal } = guard;
  if (!signal) return;
  const cancel = () => request.destroy(new CallDroppedError('ECANCELED', 'its job was cancelled'));
  if (signal.aborted) {
    cancel();
    return;
  }
  signal.addEventListener('abort', cancel, { once: true });
  request.once('close', () => signal.removeEventListener('abort', cancel));
}

/** Runs `call` (one try of a CRM call) with its HTTP requests under `guard`. */
export function guardCall<T>(guard: CallGuard, call: () => Promise<T>): Promise<T> {
  if (!watching) {
    subscribe('http.client.request.start', watchRequest);
    watching = true;
  }
  return guards.run(guard, call);
}
