import { DelayedError, Job, Worker, type Processor } from 'bullmq';
import { withAbortSignal } from '../crm/abort-scope.js';
import { CrmQuotaExceededError } from '../crm/errors.js';
import { turnTakingWork } from '../db/pglite-dialect.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { createRedisConnection, type QueueConnectionOptions, type QueueName } from './queues.js';

/** `token` is the job's lock token, for processors that move their own job (e.g. to delay it). */
export type JobProcessor = (job: Job, signal: AbortSignal, token: string | undefined) => Promise<unknown>;
export type ProcessorMap = Partial<Record<QueueName, JobProcessor>>;
/**
 * Called once a job of the queue has failed for good (no attempt left, or unrecoverable), however
 * it failed: also when BullMQ fails it without running it, as after its workers died under it
 * more often than `maxStalledCount` allows (BullMQ 6.7's stalled-job check marks such a job to
 * fail and puts it back; the next worker to take it fails it at once, and hears of it here).
 */
export type FailureHandlerMap = Partial<Record<QueueName, (job: Job, error: Error) => Promise<void>>>;

/**
 * Queues whose jobs spend their time waiting for a portal's CRM allowance (each portal's rate
 * limit, shared in Redis, paces them), not on this machine's CPU: one worker keeps many of them
 * going at once, so many portals sync and are written back side by side.
 */
export const CRM_PACED_QUEUES: readonly QueueName[] = ['sync', 'writeback', 'workflows'];

export interface WorkerPoolOptions extends QueueConnectionOptions {
  processors: ProcessorMap;
  failedForGood?: FailureHandlerMap;
  /** Jobs at once per queue, on the queues whose work is this machine's (scoring, training, …). */
  concurrency: number;
  /** Jobs at once on each of `CRM_PACED_QUEUES`; `concurrency` when not given. */
  crmConcurrency?: number;
  /** How long a job's lock lasts without renewal; a dead worker's jobs are retried after it. */
  lockDurationMs: number;
  logger: Logger;
}

const SHUTDOWN_REASON = 'worker shutting down';
/** How long jobs asked to stop get to give their work back before the workers are closed anyway. */
const RELEASE_WAIT_MS = 12_000;

/**
 * One BullMQ worker per queue that has a processor. A job cancelled by shutdown goes back to the
 * queue without using up one of its attempts; a worker that dies outright has its jobs taken over
 * once their lock lapses (the stalled-job check).
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  /** BullMQ does not close connections it was given; the pool does, after its workers. */
  private readonly connections: Redis[] = [];

  /** The jobs this process runs now, for the held-loop warning. */
  private readonly running = new Map<string, { queue: string; job: string; id: string | undefined }>();
  private readonly loopWatch: NodeJS.Timeout;

  constructor(private readonly options: WorkerPoolOptions) {
    for (const [queueName, processor] of Object.entries(options.processors)) {
      if (processor) this.workers.push(this.createWorker(queueName, processor));
    }
    this.loopWatch = this.watchTheLoop();
  }

  /**
   * Warns when the event loop was held long enough to put job locks at risk: a lock is renewed by
   * a timer, and one that lapses makes its job run again elsewhere. The warning names the jobs
   * that were running, the likely holders.
   */
  private watchTheLoop(): NodeJS.Timeout {
    const periodMs = 1000;
    const warnAfterMs = Math.max(1000, Math.floor(this.options.lockDurationMs / 4));
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const heldMs = Math.round(now - last - periodMs);
      last = now;
      if (heldMs < warnAfterMs) return;
      this.options.logger.warn(
        { heldMs, lockDurationMs: this.options.lockDurationMs, running: [...this.running.values()] },
        'the event loop was held; a job whose lock lapses runs again',
      );
    }, periodMs);
    timer.unref();
    return timer;
  }

  get queueNames(): string[] {
    return this.workers.map((w) => w.name);
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /**
   * Stops taking jobs and lets running ones finish for up to `graceMs`; then asks them to stop,
   * and jobs that honour the signal are released back to their queue.
   */
  async close(graceMs: number): Promise<void> {
    clearInterval(this.loopWatch);
    try {
      await this.closeWorkers(graceMs);
    } finally {
      for (const connection of this.connections) connection.disconnect();
    }
  }

  private async closeWorkers(graceMs: number): Promise<void> {
    const closing = Promise.all(this.workers.map((w) => w.close()));
    const finished = await Promise.race([closing.then(() => true), sleep(graceMs).then(() => false)]);
    if (finished) return;
    this.options.logger.warn({ graceMs }, 'jobs still running after the grace period; releasing them');
    for (const worker of this.workers) worker.cancelAllJobs(SHUTDOWN_REASON);
    // A job notices the signal between steps, and a CRM call waiting for its place in a portal's
    // rate window or between retries stops at once (`server/crm/abort-scope.ts`).
    const released = await Promise.race([closing.then(() => true), sleep(RELEASE_WAIT_MS).then(() => false)]);
    if (!released) await Promise.all(this.workers.map((w) => w.close(true)));
  }

  /**
   * A job that moved itself to wait for its child jobs gives up its lock, and the lock renewal
   * that was already under way then reports a lost lock: expected, and harmless (BullMQ #1115).
   * Any other lost lock means a blocked event loop or a lost Redis, and the job will run again.
   */
  private async reportLostLock(worker: Worker, jobId: string): Promise<void> {
    const { logger } = this.options;
    const state = await Job.fromId(worker, jobId)
      .then((job) => job?.getState())
      .catch(() => undefined);
    if (state === 'waiting-children' || state === 'completed')
      logger.debug(
        { queue: worker.name, id: jobId, state },
        'lock released while the job waits for its children',
      );
    else logger.error({ queue: worker.name, id: jobId, state }, 'a job lost its lock; it will run again');
  }

  private createWorker(queueName: string, processor: JobProcessor): Worker {
    const { logger } = this.options;
    const run: Processor = async (job, token, signal) => {
      const abort = signal ?? new AbortController().signal;
      const key = `${queueName}:${job.id}`;
      this.running.set(key, { queue: queueName, job: job.name, id: job.id });
      try {
        // Before each CRM call: the job is still ours (renewing its lock proves it), or it sends
        // nothing. A lock renewed at t is held until t + the lock's duration, when no other worker
        // can have the job: within a third of that, the last renewal still proves it, and a call
        // waits on no renewal of its own (one Redis round trip less on each call of a sync).
        const lockMs = this.options.lockDurationMs;
        let provenUntil = 0;
        const stillOwned = token
          ? async () => {
              const asked = Date.now();
              if (asked < provenUntil) return true;
              const owned = (await job.extendLock(token, lockMs)) === 1;
              if (owned) provenUntil = asked + lockMs / 3;
              return owned;
            }
          : undefined;
        return await turnTakingWork(() =>
          withAbortSignal(abort, () => processor(job, abort, token), stillOwned),
        );
      } catch (error) {
        if (abort.aborted && abort.reason === SHUTDOWN_REASON && token) {
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
        // The CRM's allowance for the period is used up: the job waits for it, without spending an attempt.
        if (error instanceof CrmQuotaExceededError && token) {
          logger.warn(
            { queue: job.queueName, job: job.name, id: job.id, retryAt: error.retryAt.toISOString() },
            error.message,
          );
          await job.moveToDelayed(error.retryAt.getTime(), token);
          throw new DelayedError();
        }
        throw error;
      } finally {
        this.running.delete(key);
      }
    };
    const connection = createRedisConnection(this.options.redisUrl);
    this.connections.push(connection);
    const worker = new Worker(queueName, run, {
      connection,
      prefix: this.options.prefix,
      concurrency: (CRM_PACED_QUEUES as readonly string[]).includes(queueName)
        ? (this.options.crmConcurrency ?? this.options.concurrency)
        : this.options.concurrency,
      lockDuration: this.options.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(this.options.lockDurationMs / 2)),
      maxStalledCount: 2,
    });
    worker.on('completed', (job) =>
      logger.debug({ queue: queueName, job: job.name, id: job.id }, 'job completed'),
    );
    const failedForGood = this.options.failedForGood?.[queueName as QueueName];
    worker.on('failed', (job, error) => {
      logger.warn({ queue: queueName, job: job?.name, id: job?.id, err: error.message }, 'job failed');
      // BullMQ sets `finishedOn` only when the job will not be tried again.
      if (job?.finishedOn && failedForGood)
        failedForGood(job, error).catch((handlerError: unknown) =>
          logger.error(
            { queue: queueName, id: job.id, err: (handlerError as Error).message },
            'could not record a failed job',
          ),
        );
    });
    worker.on('stalled', (id) => logger.warn({ queue: queueName, id }, 'job stalled; it will run again'));
    worker.on('error', (error) => {
      const lost = /could not renew lock for job (\S+)/.exec(error.message);
      if (lost) void this.reportLostLock(worker, lost[1]!);
      else logger.error({ queue: queueName, err: error.message }, 'worker error');
    });
    return worker;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
