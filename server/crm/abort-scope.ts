/**
 * The abort signal of the job a CRM call is made for, carried with the call's async context, so
 * that a call waiting for its place in a portal's rate window, or between retries, stops at once
 * when its job is cancelled (a worker shutting down) instead of after the wait. The job runner
 * sets it (`withAbortSignal`); the connectors' signatures stay free of it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` with `signal` as the signal of every CRM call it makes. */
export function withAbortSignal<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return scope.run(signal, work);
}

/** A CRM call given up because its job was cancelled. */
export class CallAbortedError extends Error {
  constructor(readonly reason: unknown) {
    super(`CRM call stopped: ${typeof reason === 'string' ? reason : 'its job was cancelled'}`);
    this.name = 'CallAbortedError';
  }
}

/** Throws if the current job has been cancelled. */
export function throwIfAborted(): void {
  const signal = scope.getStore();
  if (signal?.aborted) throw new CallAbortedError(signal.reason);
}

/** Waits `ms`, or until the current job is cancelled (then throws `CallAbortedError`). */
export function waitUnlessAborted(ms: number): Promise<void> {
  const signal = scope.getStore();
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.reject(new CallAbortedError(signal.reason));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CallAbortedError(signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
