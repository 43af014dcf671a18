/** Scores one chunk of a run's contacts (a child of the cycle job). */
import type { Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { scoreChunk } from '../scoring/cycle-steps.js';
import { ContactStamps } from './contact-stamps.js';
import type { Queues } from './queues.js';

export const SCORE_CHUNK_JOB = 'score-chunk';

const dataSchema = z.object({ runId: z.number().int().positive(), chunk: z.number().int().min(0) });

export async function processScoreChunk(job: Job, deps: { db: Kysely<Database>; queues: Queues }) {
  const { runId, chunk } = dataSchema.parse(job.data);
  const stamps = new ContactStamps(deps.queues.connection, deps.queues.prefix);
  return {
    scored: await scoreChunk(deps.db, runId, chunk, (portalId, ids) => stamps.contactsChanged(portalId, ids)),
  };
}
