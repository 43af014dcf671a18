/**
 * The job a CRM call is made for, carried with the call's async context: its abort signal, so that
 * a call waiting for its place in a portal's rate window, or between retries, stops at once when
 * its job is cancelled (a worker shutting down) instead of after the wait; and a check that the
 * job is still this worker's, made just before each call is sent, so a worker that stalled past
 * its lock (another worker now runs the job) sends nothing more. The job runner sets both
 * (`withAbortSignal`); the connectors' signatures stay free of them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface JobScope {
  signal: AbortSignal;
  /** Whether the job is still this worker's (renewing its lock); absent outside a queue. */
  stillOwned?: () => Promise<boolean>;
}

const scope = new AsyncLocalStorage<JobScope>();

/** Runs `work` with `signal` as the signal of every CRM call it makes. */
export function withAbortSignal<T>(
  signal: AbortSignal,
  work: () => Promise<T>,
  stillOwned?: () => Promise<boolean>,
): Promise<T> {
  return scope.run(stillOwned ? { signal, stillOwned } : { signal }, work);
}

/** A CRM call given up because its job was cancelled. */
export class CallAbortedError extends Error {
  constructor(readonly reason: unknown) {
    super(`CRM call stopped: ${typeof reason === 'string' ? reason : 'its job was cancelled'}`);
    this.name = 'CallAbortedError';
  }
}

/** The current job's abort signal, if the call is made for a job. */
export function currentJobSignal(): AbortSignal | undefined {
  return scope.getStore()?.signal;
}

/** Throws if the current job has been cancelled. */
export function throwIfAborted(): void {
  const signal = scope.getStore()?.signal;
  if (signal?.aborted) throw new CallAbortedError(signal.reason);
}

/**
 * Just before a call is sent: throws if the job was cancelled, or if it is no longer this
 * worker's (it stalled past its lock and another worker took it over).
 */
export async function assertJobStillOwned(): Promise<void> {
  const current = scope.getStore();
  if (!current) return;
  if (current.signal.aborted) throw new CallAbortedError(current.signal.reason);
  if (current.stillOwned && !(await current.stillOwned().catch(() => false))) {
    throw new CallAbortedError('another worker took this job over after its lock ran out');
  }
}

/** Waits `ms`, or until the current job is cancelled (then throws `CallAbortedError`). */
export function waitUnlessAborted(ms: number): Promise<void> {
  const signal = scope.getStore()?.signal;
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
