import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import { z } from 'zod';
import type { Queues } from './queues.js';

/**
 * A round trip through the queue: the server enqueues a heartbeat and a worker answers with who it
 * is. It tells an operator that some worker is alive and taking jobs.
 */
export const HEARTBEAT_JOB = 'heartbeat';

const heartbeatResultSchema = z.object({ pid: z.number(), hostname: z.string(), processedAt: z.string() });
export type HeartbeatResult = z.infer<typeof heartbeatResultSchema>;

export async function processHeartbeat(_job: Job): Promise<HeartbeatResult> {
  return { pid: process.pid, hostname: hostname(), processedAt: new Date().toISOString() };
}

export class NoWorkerError extends Error {
  readonly code = 'no_worker';
}

export async function requestHeartbeat(queues: Queues, timeoutMs: number): Promise<HeartbeatResult> {
  const events = await queues.eventsOf('system');
  const job = await queues
    .get('system')
    .add(
      HEARTBEAT_JOB,
      { requestedAt: new Date().toISOString() },
      { attempts: 1, removeOnComplete: 100, removeOnFail: 100 },
    );
  try {
    return heartbeatResultSchema.parse(await job.waitUntilFinished(events, timeoutMs));
  } catch (error) {
    await job.remove().catch(() => {});
    throw new NoWorkerError(`No worker answered within ${timeoutMs} ms: is \`churn work\` running?`, {
      cause: error,
    });
  }
}
