import { UnrecoverableError } from 'bullmq';
import type { Config } from '../config.js';
import type { CrmConnectors } from '../crm/registry.js';
import type { DatabaseHandle } from '../db/index.js';
import type { Logger } from '../logger.js';
import type { AppManifest } from '../manifest/index.js';
import { writtenFields } from '../manifest/written-fields.js';
import {
  BOOTSTRAP_PORTAL_JOB,
  ensureOrgCredential,
  ensureWrittenFields,
  processBootstrapPortal,
} from './bootstrap-portal.js';
import { HEARTBEAT_JOB, processHeartbeat } from './heartbeat.js';
import { processPurgeUninstalled, PURGE_UNINSTALLED_JOB } from './purge-uninstalled.js';
import { processRetentionAction, RETENTION_ACTION_JOB } from './retention-action-job.js';
import { processRefetch, REFETCH_JOB } from './refetch-job.js';
import { processRedemptionImport, REDEMPTION_IMPORT_JOB } from './redemption-import-job.js';
import { processReports, REPORTS_JOB } from './reports-job.js';
import { processSync, SYNC_JOB } from './sync-jobs.js';
import { CYCLE_JOB, cycleFailedForGood, enqueueCycle, processCycle } from './cycle-job.js';
import { CLOSE_ABANDONED_RUNS_JOB, processCloseAbandonedRuns } from './abandoned-runs.js';
import { schedulePortalCycle } from './cycle-schedule.js';
import { processRescore, RESCORE_JOB } from './rescore-jobs.js';
import { processScoreChunk, SCORE_CHUNK_JOB } from './score-chunk-job.js';
import { processTrain, TRAIN_JOB } from './train-job.js';
import { processWriteBackChunk, WRITEBACK_CHUNK_JOB } from './writeback-chunk-job.js';
import { loadPortalSettings } from '../settings/portal-settings.js';
import type { Queues } from './queues.js';
import type { FailureHandlerMap, ProcessorMap } from './worker-pool.js';

/** What the workers run on: the application's context as far as jobs need it. */
export interface ProcessorContext {
  config: Config;
  logger: Logger;
  db: DatabaseHandle;
  queues: Queues;
  manifest: AppManifest;
  services: { crms: CrmConnectors };
}

/** Which function processes each queue's jobs; every job kind is one file in server/jobs. */
export function productProcessors(ctx: ProcessorContext): ProcessorMap {
  const bootstrapDeps = {
    db: ctx.db.db,
    crms: ctx.services.crms,
    logger: ctx.logger,
    // A new install gets its weekly slot and a first cycle now (which syncs everything first).
    onBootstrapped: async (portalId: number) => {
      await schedulePortalCycle(
        ctx.queues,
        portalId,
        (await loadPortalSettings(ctx.db.db, portalId)).schedule,
      );
      await enqueueCycle(ctx.queues, portalId, 'install');
    },
    properties: writtenFields(ctx.manifest),
  };
  const syncDeps = {
    db: ctx.db.db,
    queues: ctx.queues,
    crms: ctx.services.crms,
    lockKeyPrefix: ctx.config.queuePrefix,
    lockTtlMs: ctx.config.jobLockMs,
    logger: ctx.logger,
  };
  const scoringDeps = {
    ensureWrittenFields: async (portalId: number) => {
      await ensureWrittenFields(bootstrapDeps, portalId);
      await ensureOrgCredential(bootstrapDeps, portalId);
    },
    chunkSize: ctx.config.scoringChunkSize,
    db: ctx.db.db,
    queues: ctx.queues,
    crms: ctx.services.crms,
    logger: ctx.logger,
  };
  return {
    score: async (job, _signal, token) => {
      switch (job.name) {
        case CYCLE_JOB:
          return processCycle(job, token, scoringDeps);
        case SCORE_CHUNK_JOB:
          return processScoreChunk(job, scoringDeps);
        case RESCORE_JOB:
          return processRescore(job, scoringDeps);
        default:
          throw new UnrecoverableError(`unknown score job ${job.name}`);
      }
    },
    train: async (job) => {
      if (job.name !== TRAIN_JOB) throw new UnrecoverableError(`unknown train job ${job.name}`);
      const trained = await processTrain(job, scoringDeps);
      // A model trained on its own (asked for, or after drift) scores the portal now; one trained
      // inside a cycle is used by that cycle.
      if (!job.parentKey) await enqueueCycle(ctx.queues, trained.portalId, 'manual');
      return trained;
    },
    writeback: async (job) => {
      if (job.name !== WRITEBACK_CHUNK_JOB) throw new UnrecoverableError(`unknown writeback job ${job.name}`);
      return processWriteBackChunk(job, scoringDeps);
    },
    sync: async (job, signal, token) => {
      switch (job.name) {
        case SYNC_JOB:
          return processSync(job, signal, token, syncDeps);
        case REFETCH_JOB:
          return processRefetch(job, syncDeps);
        default:
          throw new UnrecoverableError(`unknown sync job ${job.name}`);
      }
    },
    workflows: async (job) => {
      switch (job.name) {
        case RETENTION_ACTION_JOB:
          return processRetentionAction(job, { db: ctx.db.db, crms: ctx.services.crms });
        case REDEMPTION_IMPORT_JOB:
          return processRedemptionImport(job, { db: ctx.db.db });
        default:
          throw new UnrecoverableError(`unknown workflows job ${job.name}`);
      }
    },
    system: async (job) => {
      switch (job.name) {
        case HEARTBEAT_JOB:
          return processHeartbeat(job);
        case BOOTSTRAP_PORTAL_JOB:
          return processBootstrapPortal(job, bootstrapDeps);
        case REPORTS_JOB:
          return processReports(job, { db: ctx.db.db });
        case CLOSE_ABANDONED_RUNS_JOB:
          return processCloseAbandonedRuns({ db: ctx.db.db, queues: ctx.queues });
        case PURGE_UNINSTALLED_JOB:
          return processPurgeUninstalled({
            db: ctx.db.db,
            retentionDays: ctx.config.uninstalledRetentionDays,
            logger: ctx.logger,
          });
        default:
          throw new UnrecoverableError(`unknown system job ${job.name}`);
      }
    },
  };
}

/** What the product records when a job fails for good: a cycle's run ends failed with the reason. */
export function productFailureHandlers(ctx: Pick<ProcessorContext, 'db'>): FailureHandlerMap {
  return {
    score: (job, error) => cycleFailedForGood(job, error, ctx.db.db),
  };
}
