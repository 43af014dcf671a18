import { UnrecoverableError } from 'bullmq';
import { processHeartbeat } from './heartbeat.js';
import type { ProcessorMap } from './worker-pool.js';

/** Which function processes each queue's jobs; every job kind is one file in server/jobs. */
export function productProcessors(): ProcessorMap {
  return {
    system: async (job) => {
      switch (job.name) {
        case 'heartbeat':
          return processHeartbeat(job);
        default:
          throw new UnrecoverableError(`unknown system job ${job.name}`);
      }
    },
  };
}
