import { Queue, QueueEvents, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';

/** The queues the product uses; each job kind lives in exactly one. */
export const QUEUE_NAMES = ['system', 'sync', 'score', 'train', 'writeback', 'workflows'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface QueueConnectionOptions {
  redisUrl: string;
  /** BullMQ key prefix; `{churn}` keeps every key in one Redis Cluster slot. */
  prefix: string;
}

/** Jobs retry with exponential backoff and leave a bounded trail for the dashboard. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** A Redis connection as BullMQ needs it: blocking commands may wait forever. */
export function createRedisConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/** The producer side: one Queue object per name, created on first use, sharing one connection. */
export class Queues {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly events = new Map<QueueName, QueueEvents>();
  /** Connections handed to BullMQ objects: BullMQ does not close a connection it was given. */
  private readonly ownedConnections: Redis[] = [];
  readonly connection: Redis;

  constructor(private readonly options: QueueConnectionOptions) {
    this.connection = createRedisConnection(options.redisUrl);
  }

  /** The key prefix, for the few Redis keys the jobs keep beside BullMQ's. */
  get prefix(): string {
    return this.options.prefix;
  }

  get(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connection,
        prefix: this.options.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Completion events of a queue (its own blocking connection), for callers that wait on a job. */
  async eventsOf(name: QueueName): Promise<QueueEvents> {
    let events = this.events.get(name);
    if (!events) {
      const connection = createRedisConnection(this.options.redisUrl);
      this.ownedConnections.push(connection);
      events = new QueueEvents(name, {
        connection,
        prefix: this.options.prefix,
      });
      this.events.set(name, events);
      await events.waitUntilReady();
    }
    return events;
  }

  async ping(): Promise<void> {
    const answer = await this.connection.ping();
    if (answer !== 'PONG') throw new Error(`Redis answered ${answer} to PING`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.events.values()].map((e) => e.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    for (const connection of [this.connection, ...this.ownedConnections]) connection.disconnect();
  }
}
