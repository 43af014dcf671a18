import { QUEUE_NAMES, type Queues } from './queues.js';

/** Scheduler ids name their portal, so everything scheduled for a portal can be found again. */
export function portalSchedulerId(portalId: number, kind: string): string {
  return `${kind}:portal:${portalId}`;
}

/** Removes every repeating job of a portal, in every queue. */
export async function removePortalSchedules(queues: Queues, portalId: number): Promise<string[]> {
  const removed: string[] = [];
  const suffix = `:portal:${portalId}`;
  for (const name of QUEUE_NAMES) {
    const queue = queues.get(name);
    for (const scheduler of await queue.getJobSchedulers()) {
      if (scheduler.key.endsWith(suffix) && (await queue.removeJobScheduler(scheduler.key))) {
        removed.push(`${name}/${scheduler.key}`);
      }
    }
  }
  return removed;
}
