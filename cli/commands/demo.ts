import type { Command } from 'commander';
import { createApp } from '../../server/api/app.js';
import { freePort, listen } from '../../server/api/http-server.js';
import { startApplication } from '../../server/application.js';
import { loadConfig } from '../../server/config.js';
import { productFailureHandlers, productProcessors } from '../../server/jobs/processors.js';
import { scheduleAbandonedRunsCheck } from '../../server/jobs/abandoned-runs.js';
import { scheduleDailyPurge } from '../../server/jobs/purge-uninstalled.js';
import { WorkerPool } from '../../server/jobs/worker-pool.js';
import { findPortalByExternalId } from '../../server/db/portals.js';
import {
  createUsageApiKey,
  describeUsageApiKey,
  rotateUsageApiKey,
} from '../../server/sync/usage/api-keys.js';
import { InvalidArgumentError } from 'commander';
import type { CrmKind } from '../../server/db/schema.js';
import type { AppManifest } from '../../server/manifest/index.js';
import { scoreText } from '../../server/scoring/score-points.js';
import { campaignLines, winBackEffect } from '../campaign-summary.js';
import { startDemoCrm, type DemoCrm } from '../demo-crms.js';
import { forgetEarlierDemoAccount, forwardUsageEvents } from '../demo-install.js';
import { followFirstCycle } from '../first-cycle.js';
import { onShutdown, reportStartupError } from '../lifecycle.js';
import { createDemoLogger } from '../log-lines.js';
import { printLine } from '../progress.js';
import { ensureWebBuilt } from '../web-build.js';

const printLines = (lines: string[]) => lines.forEach((line) => printLine(line));

/**
 * The demo's campaigns once the first cycle has written its tiers, and the closing lines about
 * them; a campaign that fails says so in a line and leaves the demo running.
 */
async function tryCampaigns(
  demo: DemoCrm,
  productUrl: string,
  portalId: number,
  manifest: AppManifest,
  signal: AbortSignal,
): Promise<string[]> {
  if (!demo.tryCampaigns) return [];
  try {
    const trial = await demo.tryCampaigns(productUrl, manifest, signal);
    if (signal.aborted) return [];
    const effectReportUrl = `${productUrl}/api/v1/portals/${portalId}/retention/effect`;
    const effect = await winBackEffect(effectReportUrl);
    return [...campaignLines({ trial, effect, recordUrl: demo.recordUrl, effectReportUrl }), ''];
  } catch (error) {
    // Shutting down closes what the campaign talks to: that is no failure worth a line.
    if (signal.aborted) return [];
    return [`Trying a campaign failed: ${(error as Error).message}`, ''];
  }
}

function parseCrm(value: string): CrmKind {
  if (value === 'hubspot' || value === 'salesforce') return value;
  throw new InvalidArgumentError(`expected hubspot or salesforce, got "${value}"`);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'Run everything on this machine: embedded Redis and Postgres, the CRM sandbox with a demo portal, the server and a worker',
    )
    .option('--contacts <n>', 'contacts in the demo portal', (v) => Number(v), 5000)
    .option('--seed <n>', 'seed of the demo customers', (v) => Number(v), 42)
    .option('--crm <crm>', 'the CRM the demo runs against: hubspot or salesforce', parseCrm, 'hubspot')
    .action(async (options: { contacts: number; seed: number; crm: CrmKind }) => {
      try {
        const base = loadConfig();
        // The OAuth redirect URL names the server's port, so it must be known before the server starts.
        const port = base.port === 0 ? await freePort() : base.port;
        const sandboxPort = base.port === 0 ? 0 : base.port + 1;
        const cleanups: (() => Promise<void>)[] = [];
        // One-line records printed above the progress bars (LOG_FORMAT=json keeps pino's JSON).
        const logger = createDemoLogger(base.logLevel, 'demo');
        onShutdown(cleanups, (m) => logger.info(m));

        const demo = await startDemoCrm(options.crm, {
          port: Number(process.env.SANDBOX_PORT ?? sandboxPort),
          contacts: options.contacts,
          seed: options.seed,
        });
        cleanups.push(demo.close);
        const config = loadConfig({ ...process.env, PORT: String(port), ...demo.env });
        await ensureWebBuilt((message) => logger.info(message));
        const app = await startApplication(config, logger);
        cleanups.push(app.close);
        const pool = new WorkerPool({
          redisUrl: app.redisUrl,
          prefix: config.queuePrefix,
          processors: productProcessors(app),
          failedForGood: productFailureHandlers(app),
          concurrency: config.workerConcurrency,
          crmConcurrency: config.crmConcurrency,
          lockDurationMs: config.jobLockMs,
          logger,
        });
        cleanups.push(() => pool.close(config.shutdownGraceMs));
        const server = await listen(createApp(app), config.host, config.port);
        cleanups.push(server.close);
        // Shutdown stops following the first cycle before it closes what that reads.
        const following = new AbortController();
        cleanups.push(async () => following.abort());
        await pool.waitUntilReady();
        await scheduleDailyPurge(app.queues);
        await scheduleAbandonedRunsCheck(app.queues);
        await forgetEarlierDemoAccount({ db: app.db.db, work: app.work, logger }, demo.crm, demo.externalId);
        await demo.connect(config.publicUrl, app.manifest);
        const portal = (await findPortalByExternalId(app.db.db, demo.crm, demo.externalId))!;
        const usageKey = (await describeUsageApiKey(app.db.db, portal.id))
          ? await rotateUsageApiKey(app.db.db, portal.id)
          : await createUsageApiKey(app.db.db, portal.id);
        printLines([
          '',
          'Churn Radar is running.',
          `  Server:         ${server.url}`,
          `  Dashboard:      ${server.url}${demo.signInPath}  (sign in to the demo account)`,
          `  Health:         ${server.url}/healthz`,
          `  Install link:   ${server.url}/oauth/install?crm=${demo.crm}  (the demo account ${demo.externalId} is installed already)`,
          `  CRM sandbox:    ${demo.sandboxLine}`,
          `  Database:       ${app.db.kind} (${app.db.location})`,
          `  Redis:          ${app.redisUrl}`,
          'Press Ctrl-C to stop.',
          '',
        ]);
        // The demo product's usage arrives while the first sync runs, as it would from a live product.
        const usage = demo.usageEvents;
        forwardUsageEvents(server.url, usageKey.key, usage)
          .then(() => logger.info({ events: usage.length }, 'demo product usage delivered'))
          .catch((error: unknown) => logger.error({ err: error }, 'sending the demo product usage failed'));
        const started = Date.now();
        const riskiest = await followFirstCycle({
          db: app.db.db,
          queues: app.queues,
          portalId: portal.id,
          recordCounts: demo.recordCounts,
          log: (line) => printLine(line),
          signal: following.signal,
        });
        if (riskiest) {
          printLines([
            '',
            `The first cycle scored every active customer in ${Math.round((Date.now() - started) / 1000)} s; the scores (and who has left) are in the sandbox CRM.`,
            `  Dashboard:         ${server.url}${demo.signInPath}`,
            `  Highest risk (${scoreText(riskiest.probability)} %, an active customer): ${demo.recordUrl(riskiest.contactId)}`,
            ...Object.entries(demo.writtenFields(riskiest.contactId)).map(
              ([name, value]) => `    ${name}: ${value.length > 120 ? `${value.slice(0, 117)}…` : value}`,
            ),
            '',
          ]);
          if (!following.signal.aborted) {
            printLines(await tryCampaigns(demo, server.url, portal.id, app.manifest, following.signal));
          }
        }
      } catch (error) {
        reportStartupError(error);
      }
    });
}
