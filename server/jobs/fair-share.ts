/**
 * Fair turns between portals on a shared queue. A run spreads its work over chunk jobs; queued
 * first come, first served, a portal of 100,000 contacts (100 chunks) would hold a small portal's
 * one chunk behind all of its own. Each chunk is queued at the priority of its place in its run,
 * so every portal's first chunks run before anyone's later ones: portals take turns, a chunk each,
 * and a small portal's run finishes in the time of its own few chunks. BullMQ's open-source
 * workers have no per-group concurrency; priorities give the same turn-taking with one sorted set.
 * (Jobs queued without a priority, such as a run's own parent job, still go first.)
 */
import type { JobsOptions } from 'bullmq';

/** BullMQ's lowest priority (the highest number it accepts). */
const LOWEST = 2_097_152;

/** A run's chunk jobs, in order, each given the priority of its place: 1, 2, 3, … */
export function takingTurns<J extends { opts?: JobsOptions }>(jobs: readonly J[]): J[] {
  return jobs.map((job, place) => ({ ...job, opts: { ...job.opts, priority: Math.min(place + 1, LOWEST) } }));
}
