/**
 * Webhook delivery: listens to every portal's changes, turns them into events for each installed
 * app's subscriptions, coalesces them into batches and POSTs the batches, signed, to the app's
 * target URL, retrying with backoff until the app answers 2xx or the attempts run out.
 */
import type { RecordChange, SandboxApp, SandboxStore } from '../store.js';
import { chance } from '../seeded-chance.js';
import { eventsForChange, type WebhookEvent } from './events.js';
import { webhookSignatureHeaders } from './signing.js';
import type { WebhookRegistry } from './subscriptions.js';

export interface WebhookDeliveryOptions {
  /** How long the first event of a batch waits for others to join it. */
  batchWindowMs?: number;
  /** Events per request (HubSpot sends up to 100). */
  maxBatchSize?: number;
  /** Attempts per batch, the first included. */
  maxAttempts?: number;
  /** Delay before the first retry; each further retry waits twice as long, up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** How long the app has to answer one request. */
  requestTimeoutMs?: number;
  /** Delivery attempts kept per app for the delivery log. */
  logLimit?: number;
  /**
   * Share of the app's 2xx answers lost on the way back (HubSpot timed out first): the batch is
   * delivered again, so the app sees its events twice. Seeded by `seed`.
   */
  lostAnswerRate?: number;
  seed?: number;
}

export interface DeliveryAttempt {
  deliveryId: number;
  attemptNumber: number;
  targetUrl: string;
  eventIds: number[];
  startedAt: string;
  durationMs: number;
  /** The app's HTTP status, absent when the connection failed. */
  status?: number;
  error?: string;
  /** What happens to the batch after this attempt. */
  outcome: 'DELIVERED' | 'WILL_RETRY' | 'GAVE_UP';
}

interface Batch {
  deliveryId: number;
  appId: number;
  events: WebhookEvent[];
  attemptNumber: number;
}

interface AppQueue {
  pending: WebhookEvent[];
  timer?: NodeJS.Timeout;
  ready: Batch[];
  inFlight: number;
  log: DeliveryAttempt[];
}

const DEFAULTS: Required<WebhookDeliveryOptions> = {
  batchWindowMs: 200,
  maxBatchSize: 100,
  maxAttempts: 10,
  retryDelayMs: 1000,
  maxRetryDelayMs: 60_000,
  requestTimeoutMs: 5000,
  logLimit: 1000,
  lostAnswerRate: 0,
  seed: 1,
};

export class WebhookDispatcher {
  private readonly options: Required<WebhookDeliveryOptions>;
  private readonly queues = new Map<number, AppQueue>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly aborter = new AbortController();
  private readonly unsubscribe: () => void;
  private lastEventId = 0;
  private lastDeliveryId = 0;
  private closed = false;
  private readonly loseAnswer: () => boolean;

  constructor(
    private readonly store: SandboxStore,
    private readonly registry: WebhookRegistry,
    options: WebhookDeliveryOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.loseAnswer = chance(this.options.lostAnswerRate, this.options.seed);
    this.unsubscribe = store.onAnyChange((change) => this.onChange(change));
  }

  /** The delivery attempts made for an app, oldest first. */
  deliveries(appId: number): DeliveryAttempt[] {
    return [...(this.queues.get(appId)?.log ?? [])];
  }

  /** Stops listening, drops queued batches and aborts requests in flight. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.aborter.abort();
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const queue of this.queues.values()) {
      if (queue.timer) clearTimeout(queue.timer);
      queue.pending = [];
      queue.ready = [];
    }
  }

  private onChange(change: RecordChange): void {
    for (const app of this.store.installedApps(change.portalId)) {
      if (!app.webhookTargetUrl) continue;
      const events = eventsForChange(change, app.appId, this.registry.subscriptions(app.appId), () =>
        this.nextEventId(),
      );
      if (events.length > 0) this.enqueue(app.appId, events);
    }
  }

  private nextEventId(): number {
    // Seeded from wall time so ids keep increasing across sandbox restarts, as an app that
    // deduplicates by eventId expects.
    this.lastEventId = Math.max(this.lastEventId + 1, Date.now() * 1000);
    return this.lastEventId;
  }

  private queueOf(appId: number): AppQueue {
    let queue = this.queues.get(appId);
    if (!queue) {
      queue = { pending: [], ready: [], inFlight: 0, log: [] };
      this.queues.set(appId, queue);
    }
    return queue;
  }

  private enqueue(appId: number, events: WebhookEvent[]): void {
    const queue = this.queueOf(appId);
    queue.pending.push(...events);
    if (queue.pending.length >= this.options.maxBatchSize) {
      this.flush(appId);
    } else if (!queue.timer) {
      queue.timer = setTimeout(() => this.flush(appId), this.options.batchWindowMs);
      queue.timer.unref();
    }
  }

  private flush(appId: number): void {
    const queue = this.queueOf(appId);
    if (queue.timer) clearTimeout(queue.timer);
    queue.timer = undefined;
    while (queue.pending.length > 0) {
      const events = queue.pending.splice(0, this.options.maxBatchSize);
      queue.ready.push({ deliveryId: ++this.lastDeliveryId, appId, events, attemptNumber: 0 });
    }
    this.pump(appId);
  }

  private pump(appId: number): void {
    const queue = this.queueOf(appId);
    const limit = this.registry.settings(appId)?.maxConcurrentRequests ?? 1;
    while (!this.closed && queue.inFlight < limit && queue.ready.length > 0) {
      const batch = queue.ready.shift()!;
      queue.inFlight += 1;
      void this.attempt(batch).finally(() => {
        queue.inFlight -= 1;
        this.pump(appId);
      });
    }
  }

  private async attempt(batch: Batch): Promise<void> {
    const app = this.store.apps.get(batch.appId);
    const targetUrl = app?.webhookTargetUrl;
    if (!app || !targetUrl) return;
    const startedAt = new Date();
    const result = await this.post(app, targetUrl, batch);
    if (this.closed) return;
    const answered = result.status !== undefined && result.status >= 200 && result.status < 300;
    const lost = answered && this.loseAnswer();
    if (lost) result.error = 'the answer was lost on the way back: the batch is sent again';
    const delivered = answered && !lost;
    const retry = !delivered && batch.attemptNumber + 1 < this.options.maxAttempts;
    this.record(batch.appId, {
      deliveryId: batch.deliveryId,
      attemptNumber: batch.attemptNumber,
      targetUrl,
      eventIds: batch.events.map((event) => event.eventId),
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      ...result,
      outcome: delivered ? 'DELIVERED' : retry ? 'WILL_RETRY' : 'GAVE_UP',
    });
    if (retry) this.scheduleRetry(batch);
  }

  private async post(
    app: SandboxApp,
    targetUrl: string,
    batch: Batch,
  ): Promise<{ status?: number; error?: string }> {
    const uri = new URL(targetUrl).href;
    const body = JSON.stringify(
      batch.events.map((event) => ({ ...event, attemptNumber: batch.attemptNumber })),
    );
    try {
      const response = await fetch(uri, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (sandbox)',
          ...webhookSignatureHeaders(app.clientSecret, uri, body, Date.now()),
        },
        body,
        signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.options.requestTimeoutMs)]),
      });
      // Drain the body so the connection can be reused; the content does not matter.
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status };
    } catch (error) {
      return {
        error:
          error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error),
      };
    }
  }

  private scheduleRetry(batch: Batch): void {
    const delay = Math.min(
      this.options.retryDelayMs * 2 ** batch.attemptNumber,
      this.options.maxRetryDelayMs,
    );
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      const queue = this.queueOf(batch.appId);
      queue.ready.push({ ...batch, attemptNumber: batch.attemptNumber + 1 });
      this.pump(batch.appId);
    }, delay);
    timer.unref();
    this.retryTimers.add(timer);
  }

  private record(appId: number, attempt: DeliveryAttempt): void {
    const log = this.queueOf(appId).log;
    log.push(attempt);
    if (log.length > this.options.logLimit) log.splice(0, log.length - this.options.logLimit);
  }
}
