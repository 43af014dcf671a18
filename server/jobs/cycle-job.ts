/**
 * The weekly cycle of a portal as one parent job on the `score` queue that moves through its
 * steps, waiting for child jobs where the work spreads: sync → (train) → score chunks → tiers →
 * write-back chunks of contacts, queued before the companies' account scores are made so that
 * their CRM calls overlap that work, then of companies → drift and summary. Each child has a fixed id per run, so a step run twice adds nothing twice; a worker
 * that dies mid-step leaves the job to another, which resumes. Chunks of different portals take
 * turns on their queues (see fair-share.ts).
 */
import { UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CrmConnectors } from '../crm/registry.js';
import { refreshPlannerStatistics, SCORED_TABLES } from '../db/planner-statistics.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { accountWriteChunkStarts, scoreAccounts } from '../scoring/account-scores.js';
import { assignTiers, DEFAULT_CHUNK_SIZE, planRun, runAsOf, summariseRun } from '../scoring/cycle-steps.js';
import { activePortalModel } from '../scoring/portal-model.js';
import { retrainDue, retrainForDrift } from '../scoring/retrain-policy.js';
import { completeRun, failedJobsError, failRun, openRun, runningRun, setPhase } from '../scoring/runs.js';
import { loadPortalSettings } from '../settings/portal-settings.js';
import { ContactStamps } from './contact-stamps.js';
import { connectorForInstalledPortal } from './portal-guard.js';
import type { Queues } from './queues.js';
import { takingTurns } from './fair-share.js';
import { closeIfAbandoned, cycleJobFailure } from './abandoned-runs.js';
import { enqueueReports } from './reports-job.js';
import { SCORE_CHUNK_JOB } from './score-chunk-job.js';
import { SYNC_JOB } from './sync-jobs.js';
import { enqueueTraining, TRAIN_JOB, TRAIN_RETRIES } from './train-job.js';
import { WRITEBACK_CHUNK_JOB } from './writeback-chunk-job.js';

export const CYCLE_JOB = 'cycle';

const STEPS = ['start', 'model', 'plan', 'tiers', 'finish'] as const;
const dataSchema = z.object({
  portalId: z.number().int().positive(),
  trigger: z.enum(['weekly', 'install', 'manual']),
  step: z.enum(STEPS).default('start'),
  runId: z.number().int().positive().optional(),
});
export type CycleJobData = z.input<typeof dataSchema>;

/**
 * Queues a cycle for a portal now. A second request while one waits is the same job. A request
 * while one is under way (running a step, or waiting on its chunks) is noted, and that cycle queues
 * one more when it finishes (it may have synced before the change the request is about), however
 * many such requests come.
 */
export async function enqueueCycle(
  queues: Queues,
  portalId: number,
  trigger: CycleJobData['trigger'],
): Promise<string | undefined> {
  // Noted before the job is added: a cycle under way holds the deduplication id, so the add joins
  // it, and only the note tells its last step that someone asked after it had started.
  await queues.connection.set(requestKey(queues, portalId), trigger);
  return addCycleJob(queues, portalId, trigger);
}

function requestKey(queues: Queues, portalId: number): string {
  return `${queues.prefix}:cycle-requested:${portalId}`;
}

/**
 * One cycle job per portal: while one exists, an add joins it, or, when that job is running a
 * step, is kept and added once it completes. (BullMQ counts a job waiting on its children as not
 * running: that case is the request note's.)
 */
async function addCycleJob(
  queues: Queues,
  portalId: number,
  trigger: CycleJobData['trigger'],
): Promise<string | undefined> {
  const job = await queues.get('score').add(CYCLE_JOB, dataSchema.parse({ portalId, trigger }), {
    deduplication: { id: `cycle:${portalId}`, keepLastIfActive: true },
  });
  return job.id;
}

/** The trigger of a request made since this portal's current run started, taken (once). */
async function takeRequestDuringRun(
  queues: Queues,
  portalId: number,
): Promise<CycleJobData['trigger'] | null> {
  const trigger = await queues.connection.getdel(requestKey(queues, portalId));
  const parsed = dataSchema.shape.trigger.safeParse(trigger);
  return parsed.success ? parsed.data : null;
}

export interface CycleJobDeps {
  db: Kysely<Database>;
  queues: Queues;
  crms: CrmConnectors;
  logger: Logger;
  /** Contacts per scoring and write-back job. */
  chunkSize?: number;
  /**
   * Makes sure the portal has the fields the write-back fills, as this release defines them (a
   * portal installed by an earlier one may lack a newer tier value); idempotent, a read when
   * nothing is missing.
   */
  ensureWrittenFields?: (portalId: number) => Promise<unknown>;
}

/** Child jobs report failure to the parent instead of failing it: the run goes on and says so. */
const CHILD = { ignoreDependencyOnFailure: true } as const;

export async function processCycle(job: Job, token: string | undefined, deps: CycleJobDeps) {
  if (!token) throw new Error('a cycle job needs its lock token');
  const { db, queues } = deps;
  let data = dataSchema.parse(job.data);
  await connectorForInstalledPortal(db, data.portalId, deps.crms);
  const parent = { id: job.id!, queue: job.queueQualifiedName };
  /**
   * Records the step to resume from. Each step queues its children before it records the next
   * step: a worker that dies between the two repeats the step, which queues them again under the
   * same job ids (BullMQ adds each once), instead of going on without them (a run that "succeeded"
   * having scored no one).
   */
  const advance = async (step: (typeof STEPS)[number], runId = data.runId) => {
    data = { ...data, step, ...(runId ? { runId } : {}) };
    await job.updateData(data);
  };
  /** Waits for the children just added; false when they are all done already. */
  const waitForChildren = async () => {
    if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
  };

  try {
    for (;;) {
      switch (data.step) {
        case 'start': {
          const runId = await startRun(job, data.portalId, data.trigger, deps);
          if (runId === null) return { skipped: 'another cycle of this portal is running' };
          // This run's sync, about to start, serves every request made so far.
          await queues.connection.del(requestKey(queues, data.portalId));
          await queues
            .get('sync')
            .add(
              SYNC_JOB,
              { portalId: data.portalId, mode: 'incremental' },
              { jobId: `run-${runId}-sync`, parent, ...CHILD },
            );
          await advance('model', runId);
          await waitForChildren();
          break;
        }
        case 'model': {
          const runId = data.runId!;
          await setPhase(db, runId, 'model');
          const settings = await loadPortalSettings(db, data.portalId);
          const reason = await retrainDue(db, data.portalId, settings);
          if (reason) {
            await queues
              .get('train')
              .add(
                TRAIN_JOB,
                { portalId: data.portalId, reason },
                { jobId: `run-${runId}-train`, parent, ...CHILD, ...TRAIN_RETRIES },
              );
          }
          await advance('plan');
          if (reason) await waitForChildren();
          break;
        }
        case 'plan': {
          const runId = data.runId!;
          const model = await activePortalModel(db, data.portalId);
          const plan = await planRun(db, runId, data.portalId, {
            modelId: model.id,
            asOf: runAsOf(new Date()),
            ...(deps.chunkSize ? { chunkSize: deps.chunkSize } : {}),
          });
          await queues.get('score').addBulk(
            takingTurns(
              Array.from({ length: plan.chunks }, (_, chunk) => ({
                name: SCORE_CHUNK_JOB,
                data: { runId, chunk },
                opts: { jobId: `run-${runId}-score-${chunk}`, parent, ...CHILD },
              })),
            ),
          );
          await advance('tiers');
          await waitForChildren();
          break;
        }
        case 'tiers': {
          const runId = data.runId!;
          const settings = await loadPortalSettings(db, data.portalId);
          await assignTiers(db, runId, settings);
          // Every contact the run scored has its tier now: views kept of them are stale.
          await new ContactStamps(queues.connection, queues.prefix).portalChanged(data.portalId);
          await refreshPlannerStatistics(db, SCORED_TABLES);
          await deps.ensureWrittenFields?.(data.portalId);
          const { chunks } = await db
            .selectFrom('scoring_runs')
            .select('chunks')
            .where('id', '=', runId)
            .executeTakeFirstOrThrow();
          // The contacts' writes wait on the CRM while the accounts are scored from the same tiers.
          // A retry of this step queues them again under the same ids, which BullMQ adds once.
          await queues.get('writeback').addBulk(
            takingTurns(
              Array.from({ length: chunks }, (_, chunk) => ({
                name: WRITEBACK_CHUNK_JOB,
                data: { runId, chunk, portalId: data.portalId },
                opts: { jobId: `run-${runId}-write-${chunk}`, parent, ...CHILD },
              })),
            ),
          );
          await scoreAccounts(db, runId, settings);
          const accountChunk = deps.chunkSize ?? DEFAULT_CHUNK_SIZE;
          const starts = await accountWriteChunkStarts(db, runId, accountChunk);
          await queues.get('writeback').addBulk(
            takingTurns(
              starts.map((from, chunk) => ({
                name: WRITEBACK_CHUNK_JOB,
                data: {
                  records: 'companies',
                  runId,
                  chunk,
                  portalId: data.portalId,
                  size: accountChunk,
                  from,
                },
                opts: { jobId: `run-${runId}-write-accounts-${chunk}`, parent, ...CHILD },
              })),
            ),
          );
          await advance('finish');
          await waitForChildren();
          break;
        }
        case 'finish': {
          const runId = data.runId!;
          const settings = await loadPortalSettings(db, data.portalId);
          const failures = await job.getIgnoredChildrenFailures();
          const error = failedJobsError(failures);
          const { drift, summary } = await summariseRun(db, runId, settings);
          await completeRun(db, runId, {
            drift,
            summary: { ...summary, failedJobs: Object.keys(failures).length },
            error,
          });
          if (error) deps.logger.warn({ portalId: data.portalId, runId, failures }, error);
          else if (await retrainForDrift(db, runId, drift))
            await enqueueTraining(queues, data.portalId, 'drift');
          // Asked for while this run was under way: the next cycle, added once this job completes.
          const requested = await takeRequestDuringRun(queues, data.portalId);
          if (requested) await addCycleJob(queues, data.portalId, requested);
          // The dashboard's reports from the data this cycle synced, ready before anyone asks.
          await enqueueReports(queues, data.portalId, 'cycle');
          deps.logger.info({ portalId: data.portalId, runId, summary, drift }, 'scoring cycle finished');
          return { runId, summary, drift };
        }
      }
    }
  } catch (error) {
    if (error instanceof WaitingChildrenError) throw error;
    const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const runId = final ? await runOfJob(db, data, job.id) : undefined;
    if (runId) await failRun(db, runId, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/**
 * A cycle job that failed for good leaves its run failed. Its own steps fail the run as they throw;
 * this covers a job BullMQ failed without running it (its workers died under it too often).
 */
export async function cycleFailedForGood(job: Job, error: Error, db: Kysely<Database>): Promise<void> {
  const data = dataSchema.safeParse(job.data);
  if (job.name !== CYCLE_JOB || !data.success) return;
  const runId = await runOfJob(db, data.data, job.id);
  if (runId) await failRun(db, runId, cycleJobFailure(error.message));
}

/**
 * The run a cycle job opened: named in its data from its second step on; before that (the run
 * opened, the job's data not yet updated when its worker died) the portal's running run whose job
 * it is.
 */
async function runOfJob(
  db: Kysely<Database>,
  data: { portalId: number; runId?: number | undefined },
  jobId: string | undefined,
): Promise<number | undefined> {
  if (data.runId) return data.runId;
  const running = await runningRun(db, data.portalId);
  return running && jobId !== undefined && running.jobId === jobId ? running.id : undefined;
}

/**
 * Opens this job's run. When another job's run is open for the portal, that job is asked whether
 * it still lives: a run whose job is gone or finished is closed, and this one starts.
 */
async function startRun(
  job: Job,
  portalId: number,
  trigger: string,
  deps: CycleJobDeps,
): Promise<number | null> {
  for (let tries = 0; tries < 3; tries++) {
    const { run, busy } = await openRun(deps.db, portalId, trigger, job.id!);
    if (!busy) return run.id;
    if (!(await closeIfAbandoned(deps.db, deps.queues, run))) return null;
  }
  return null;
}
