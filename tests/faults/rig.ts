/**
 * One portal's product for fault tests, all real: `churn work` processes, redis-server, PostgreSQL
 * and the sandbox CRM with its rate limits on, reached through a counting proxy. Each scenario
 * runs a scoring cycle, breaks something on the way, and then checks the same invariants.
 */
import { expect } from '@jest/globals';
import { sql } from 'kysely';
import { generatePortal } from '../../sandbox/generator/index.js';
import { seededRandom } from '../../sandbox/seeded-chance.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/main.js';
import type { SandboxStore } from '../../sandbox/store.js';
import type express from 'express';
import { findPortalByExternalId } from '../../server/db/portals.js';
import { enqueueCycle } from '../../server/jobs/cycle-job.js';
import { QUEUE_NAMES, Queues, type QueueName } from '../../server/jobs/queues.js';
import { SCORE_FIELDS } from '../../server/crm/warehouse-records.js';
import { scoreText } from '../../server/scoring/score-points.js';
import { startCountingProxy, type CountingProxy, type ProxiedRequest } from '../support/counting-proxy.js';
import { HUNG_WAIT_MS, spawnChurn, TEST_JOB_LOCK_MS, waitUntil, type Spawned } from '../support/processes.js';
import { PRODUCT_APP, startTestProduct, walkInstall, type TestProduct } from '../support/product-server.js';
import { startRestartableRedis, startWarehouse, type RestartableRedis, type Warehouse } from './services.js';

/** `FAULTS=full` (npm run test:faults): more kill points and a bigger portal. */
export const FULL = process.env.FAULTS === 'full';

/** HubSpot's rolling ten-second limit for an app in a portal (a raised tier's, so runs stay short). */
export const CRM_LIMIT = 190;
const CRM_SEARCH_PER_SECOND = 5;
const WINDOW_MS = 10_000;

export interface RigOptions {
  hub: number;
  contacts: number;
  seed: number;
  /** Contacts per scoring and write-back job. */
  chunkSize: number;
  /** HubSpot's rolling ten-second limit in the sandbox; the product keeps one call under it. */
  crmLimit?: number;
  env?: Record<string, string>;
  extraRouters?: (store: SandboxStore) => express.Router[];
  /** Called once the product is up, before the install (to register webhook targets and so on). */
  beforeInstall?: (rig: Rig) => Promise<void>;
}

export interface RunOutcome {
  runId: number;
  status: string;
  error: string | null;
  active: number;
  scored: number;
  /** Active customers without a score in the run. */
  lost: number;
  /** Scores beyond one per contact in the run. */
  doubled: number;
  /** Records the CRM took from the run's write-back calls (contacts). */
  written: number;
  /** Contacts the CRM took more than once in the run. */
  writtenTwice: number;
  /** Contacts sent with two different values in the run. */
  conflicting: number;
  /** Contacts whose value in the CRM is not the one the warehouse says it wrote. */
  stale: number;
  /** The most calls the CRM saw in any rolling 10 s (search calls apart), and its limit. */
  maxPerWindow: number;
  limit: number;
  updateCalls: number;
}

export class Rig {
  readonly workers = new Set<Spawned>();
  portalId = 0;
  limit = CRM_LIMIT;
  /** What `churn work` processes started from now on get beside the product's environment. */
  readonly workerEnv: Record<string, string> = {};

  constructor(
    readonly options: RigOptions,
    readonly redis: RestartableRedis,
    readonly warehouse: Warehouse,
    readonly sandbox: RunningSandbox,
    readonly proxy: CountingProxy,
    readonly product: TestProduct,
    readonly queues: Queues,
  ) {
    this.limit = options.crmLimit ?? CRM_LIMIT;
  }

  get db() {
    return this.product.ctx.db.db;
  }

  get store() {
    return this.sandbox.store;
  }

  get hub() {
    return this.options.hub;
  }

  /** A `churn work` process; resolves once it takes jobs. */
  async startWorker(env: Record<string, string> = {}): Promise<Spawned> {
    const worker = spawnChurn(['work', '--concurrency', '2'], {
      ...this.product.workerEnv,
      ...this.workerEnv,
      ...env,
    });
    this.workers.add(worker);
    void worker.exited().then(() => this.workers.delete(worker));
    await worker.waitFor(/worker ready/, 120_000);
    return worker;
  }

  async kill(worker: Spawned, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
    worker.child.kill(signal);
    await worker.exited();
  }

  async stopWorkers(): Promise<void> {
    await Promise.all([...this.workers].map((w) => this.kill(w, 'SIGTERM')));
  }

  /** Forgets what the CRM was sent and blanks the CRM's score fields: the next run writes every record. */
  async forgetWrites(): Promise<void> {
    await this.db.deleteFrom('crm_writebacks').where('portal_id', '=', this.portalId).execute();
    for (const type of ['contacts', 'companies'] as const) {
      for (const record of this.store.portal(this.hub)!.recordsOf(type).values()) {
        for (const field of SCORE_FIELDS) delete record.properties[field];
      }
    }
  }

  /** Forgets how far the sync got: the next cycle reads the whole portal again. */
  async forgetSync(): Promise<void> {
    await this.db.deleteFrom('sync_cursors').where('portal_id', '=', this.portalId).execute();
  }

  /** Sets the CRM's rolling ten-second limit; workers started from now on keep one call under it. */
  async setCrmLimit(limit: number): Promise<void> {
    const answer = await fetch(`${this.sandbox.url}/_sandbox/rate-limits`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenSecondlyMax: limit }),
    });
    if (!answer.ok) throw new Error(`rate-limits answered ${answer.status}`);
    this.limit = limit;
    this.workerEnv.HUBSPOT_RATE_LIMIT_PER_SECOND = String((limit - 1) / 10);
  }

  /** Posts sandbox faults for the portal (see sandbox/http/faults.ts). */
  async faults(input: Record<string, unknown> | null): Promise<Record<string, number>> {
    const answer = await fetch(`${this.sandbox.url}/_sandbox/portals/${this.hub}/faults`, {
      method: input ? 'POST' : 'DELETE',
      headers: { 'content-type': 'application/json' },
      ...(input ? { body: JSON.stringify(input) } : {}),
    });
    if (!answer.ok) throw new Error(`faults answered ${answer.status}: ${await answer.text()}`);
    return answer.status === 204 ? {} : ((await answer.json()) as Record<string, number>);
  }

  /** Jobs active now in these queues. */
  async activeJobs(names: readonly QueueName[]) {
    const jobs = [];
    for (const name of names)
      jobs.push(...(await this.queues.get(name).getJobs(['active'])).filter((j) => !!j));
    return jobs;
  }

  async lastRunId(): Promise<number> {
    const row = await this.db
      .selectFrom('scoring_runs')
      .select(sql<number>`coalesce(max(id), 0)::int`.as('id'))
      .where('portal_id', '=', this.portalId)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** Queues a cycle now; resolves with the run it opened. */
  async startCycle(): Promise<number> {
    const before = await this.lastRunId();
    await enqueueCycle(this.queues, this.portalId, 'manual');
    await waitUntil(async () => (await this.lastRunId()) > before, 120_000);
    return this.lastRunId();
  }

  async runRow(runId: number) {
    return this.db
      .selectFrom('scoring_runs')
      .select(['id', 'status', 'phase', 'error'])
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
  }

  async waitForRun(runId: number, timeoutMs = 300_000): Promise<void> {
    // The warehouse may be the thing that is down: a failed look is a "not yet".
    const done = async () => {
      const run = await this.runRow(runId).catch(() => null);
      return run !== null && run.status !== 'running';
    };
    await waitUntil(done, timeoutMs).catch(async (error: unknown) => {
      throw new Error(
        `${(error as Error).message}: run ${JSON.stringify(await this.runRow(runId).catch(String))}, ` +
          `its cycle job ${JSON.stringify(await this.cycleJobOf(runId).catch(String))}, ` +
          `queues ${JSON.stringify(await this.queueCounts())}`,
      );
    });
  }

  /** How the run's cycle job stands in BullMQ: its state, attempts, stalls and failure. */
  async cycleJobOf(runId: number) {
    const run = await this.db
      .selectFrom('scoring_runs')
      .select('job_id')
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    const job = run.job_id ? await this.queues.get('score').getJob(run.job_id) : undefined;
    if (!job) return { id: run.job_id, state: 'gone' };
    const { attemptsStarted, attemptsMade, stalledCounter, failedReason, returnvalue, data } = job;
    return {
      id: job.id,
      state: await job.getState(),
      attemptsStarted,
      attemptsMade,
      stalledCounter,
      failedReason,
      returnvalue,
      data,
    };
  }

  async queueCounts(): Promise<Record<string, Record<string, number>>> {
    const counts: Record<string, Record<string, number>> = {};
    for (const name of QUEUE_NAMES) {
      const all = await this.queues
        .get(name)
        .getJobCounts('active', 'waiting', 'waiting-children', 'prioritized', 'delayed');
      counts[name] = Object.fromEntries(Object.entries(all).filter(([, n]) => n > 0));
    }
    return counts;
  }

  /**
   * Jobs that are not scheduled ones and not done: every active one must hold a live lock, and
   * the queues must empty (after a run, what follows it — the reports — finishes too).
   */
  async expectNoStuckJobs(timeoutMs = 120_000): Promise<void> {
    const pending = async () => {
      const left: string[] = [];
      for (const name of QUEUE_NAMES) {
        const queue = this.queues.get(name);
        for (const job of await queue.getJobs(['active', 'waiting', 'waiting-children', 'prioritized'])) {
          if (!job) continue;
          left.push(`${name}/${job.name}/${job.id} ${await job.getState()}`);
        }
        for (const job of await queue.getJobs(['delayed'])) {
          // The weekly cycle and the daily purge wait for their time, as they should.
          if (job && !job.repeatJobKey && !String(job.id).startsWith('repeat:'))
            left.push(`${name}/${job.name}/${job.id} delayed`);
        }
      }
      return left;
    };
    let left: string[];
    const deadline = Date.now() + Math.max(timeoutMs, HUNG_WAIT_MS);
    for (;;) {
      left = await pending();
      if (left.length === 0) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(left).toEqual([]);
    // Nothing holds a lock for a worker that is gone.
    const locks = await this.queues.connection.keys(`${this.product.ctx.config.queuePrefix}:*:lock`);
    const heldByActive: string[] = [];
    for (const name of QUEUE_NAMES)
      for (const job of await this.queues.get(name).getJobs(['active']))
        if (job) heldByActive.push(`${this.product.ctx.config.queuePrefix}:${name}:${job.id}:lock`);
    expect(locks.filter((key) => !heldByActive.includes(key))).toEqual([]);
  }

  /** Active customers by the sandbox's hidden truth. */
  activeByTruth(): number {
    const portal = this.store.portal(this.hub)!;
    let active = 0;
    for (const contact of portal.recordsOf('contacts').values()) {
      const truth = portal.truth.get(contact.id);
      if (truth && truth.churnVisibleAt === null) active++;
    }
    return active;
  }

  /** The most CRM calls (search apart) in any rolling 10 s among `requests`. */
  maxPerWindow(requests: readonly ProxiedRequest[]): number {
    const times = requests
      .filter(
        (r) => !r.path.startsWith('/oauth/') && !r.path.startsWith('/_sandbox') && !/\/search$/.test(r.path),
      )
      .map((r) => r.at)
      .sort((a, b) => a - b);
    let max = 0;
    let first = 0;
    for (let last = 0; last < times.length; last++) {
      while (times[last]! - times[first]! >= WINDOW_MS) first++;
      max = Math.max(max, last - first + 1);
    }
    return max;
  }

  /**
   * What the warehouse says it last wrote to each contact, and how many contacts the CRM holds
   * something else for.
   */
  async writeBacks(): Promise<{ confirmed: { record_id: string }[]; stale: number }> {
    const confirmed = await this.db
      .selectFrom('crm_writebacks')
      .select(['record_id', 'written'])
      .where('portal_id', '=', this.portalId)
      .where('object_type', '=', 'contacts')
      .execute();
    const contacts = this.store.portal(this.hub)!.recordsOf('contacts');
    let stale = 0;
    for (const row of confirmed) {
      const held = contacts.get(row.record_id)?.properties ?? {};
      const written = (row.written ?? {}) as Record<string, string>;
      if (Object.entries(written).some(([k, v]) => (held[k] ?? '') !== (v ?? ''))) stale++;
    }
    return { confirmed, stale };
  }

  /**
   * The invariants every scenario ends with, for the run and the CRM calls from `fromRequest` on.
   * `status`: how the run must have ended.
   */
  async checkRun(
    runId: number,
    fromRequest: number,
    options: {
      status?: 'succeeded' | 'failed';
      scoredAll?: boolean;
      /** A stalled worker that wakes may send what the CRM already holds again (same values). */
      allowSameValueRewrites?: boolean;
    } = {},
  ): Promise<RunOutcome> {
    const status = options.status ?? 'succeeded';
    const run = await this.runRow(runId);
    // The portal's state says how the run ended, and no run of the portal is left running.
    expect({ status: run.status, error: status === 'failed' ? expect.any(String) : run.error }).toEqual({
      status,
      error: status === 'failed' ? expect.any(String) : null,
    });
    if (status === 'failed') expect(run.error ?? '').not.toBe('');
    const running = await this.db
      .selectFrom('scoring_runs')
      .select('id')
      .where('portal_id', '=', this.portalId)
      .where('status', '=', 'running')
      .execute();
    expect(running).toEqual([]);

    const scores = await this.db
      .selectFrom('scores')
      .select([
        sql<number>`count(*)::int`.as('n'),
        sql<number>`count(distinct contact_id)::int`.as('contacts'),
      ])
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    const statuses = await this.db
      .selectFrom('customer_status')
      .select(sql<number>`(count(*) filter (where status = 'active'))::int`.as('active'))
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    const active = this.activeByTruth();
    const doubled = scores.n - scores.contacts;
    expect(doubled).toBe(0);
    if (options.scoredAll !== false) {
      expect(statuses.active).toBe(active);
      expect(scores.contacts).toBe(active);
    }

    const requests = this.proxy.requests.slice(fromRequest);
    const updates = requests.filter(
      (r) => r.method === 'POST' && /\/objects\/([^/]+\/)?contacts\/batch\/update$/.test(r.path),
    );
    const taken = new Map<string, number>();
    const values = new Map<string, Set<string>>();
    for (const call of updates) {
      const { inputs } = JSON.parse(call.body) as {
        inputs: { id: string; properties: Record<string, string> }[];
      };
      for (const input of inputs) {
        const { churn_risk_updated_at: _at, ...compared } = input.properties;
        const seen = values.get(input.id) ?? new Set<string>();
        seen.add(JSON.stringify(compared));
        values.set(input.id, seen);
        if (call.status !== undefined && call.status < 300)
          taken.set(input.id, (taken.get(input.id) ?? 0) + 1);
      }
    }
    const writtenTwice = [...taken.values()].filter((n) => n > 1).length;
    const conflicting = [...values.values()].filter((s) => s.size > 1).length;
    if (!options.allowSameValueRewrites) expect(writtenTwice).toBe(0);
    expect(conflicting).toBe(0);

    // The CRM holds what the warehouse says it last wrote, for every contact.
    const { confirmed, stale } = await this.writeBacks();
    const contacts = this.store.portal(this.hub)!.recordsOf('contacts');
    expect(stale).toBe(0);
    if (status === 'succeeded') {
      // Every contact was written once by this run (the run started from blank CRM fields), and
      // its active customers carry this run's score.
      expect(confirmed.length).toBe(contacts.size);
      expect(taken.size).toBe(contacts.size);
      // No more update calls than the chunks that had records to send (each up to 100).
      const chunks = await this.db
        .selectFrom('scoring_run_chunks')
        .select(sql<number>`count(*)::int`.as('n'))
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      const size = Number(this.product.workerEnv.SCORING_CHUNK_SIZE ?? 1000);
      if (!options.allowSameValueRewrites)
        expect(updates.filter((c) => (c.status ?? 500) < 300).length).toBeLessThanOrEqual(
          chunks.n * Math.ceil(size / 100),
        );
      const current = await this.db
        .selectFrom('scores')
        .select(['contact_id', 'probability'])
        .where('run_id', '=', runId)
        .execute();
      const wrongScore = current.filter(
        (s) => contacts.get(s.contact_id)?.properties.churn_risk_score !== scoreText(s.probability),
      ).length;
      expect(wrongScore).toBe(0);
    }

    const maxPerWindow = this.maxPerWindow(requests);
    expect(maxPerWindow).toBeLessThanOrEqual(this.limit);
    await this.expectNoStuckJobs();
    return {
      runId,
      status: run.status,
      error: run.error,
      active,
      scored: scores.contacts,
      lost: Math.max(0, active - scores.contacts),
      doubled,
      written: taken.size,
      writtenTwice,
      conflicting,
      stale,
      maxPerWindow,
      limit: this.limit,
      updateCalls: updates.length,
    };
  }

  async close(): Promise<void> {
    for (const w of this.workers) w.child.kill('SIGKILL');
    await Promise.all([...this.workers].map((w) => w.exited()));
    await this.queues.close();
    await this.product.close();
    await this.proxy.close();
    await this.sandbox.close();
    await this.redis.close();
    await this.warehouse.dispose();
  }
}

/** The sandbox, PostgreSQL, Redis, the product and an installed portal whose first cycle has run. */
export async function startRig(options: RigOptions): Promise<Rig> {
  const redis = await startRestartableRedis();
  const warehouse = await startWarehouse();
  const limit = options.crmLimit ?? CRM_LIMIT;
  const { SandboxStore } = await import('../../sandbox/store.js');
  const store = new SandboxStore();
  const sandbox = await startSandbox({
    store,
    portals: [options.hub],
    rateLimits: { tenSecondlyMax: limit, searchPerSecond: CRM_SEARCH_PER_SECOND },
    extraRouters: options.extraRouters?.(store) ?? [],
  });
  generatePortal(store.portal(options.hub)!, { contacts: options.contacts, seed: options.seed });
  const proxy = await startCountingProxy(sandbox.url);
  const product = await startTestProduct({
    crmUrl: proxy.url,
    redisUrl: redis.url,
    databaseUrl: warehouse.url,
    env: {
      JOB_LOCK_MS: TEST_JOB_LOCK_MS,
      SHUTDOWN_GRACE_MS: '2000',
      SCORING_CHUNK_SIZE: String(options.chunkSize),
      // One call under the CRM's limit per rolling 10 s, as the product's default keeps under 110.
      HUBSPOT_RATE_LIMIT_PER_SECOND: String((limit - 1) / 10),
      HUBSPOT_SEARCH_RATE_LIMIT_PER_SECOND: String(CRM_SEARCH_PER_SECOND - 1),
      LOG_LEVEL: 'info',
      ...options.env,
    },
  });
  store.registerApp({ ...PRODUCT_APP, redirectUris: [`${product.url}/oauth/callback`] });
  const queues = new Queues({ redisUrl: redis.url, prefix: product.ctx.config.queuePrefix });
  const rig = new Rig(options, redis, warehouse, sandbox, proxy, product, queues);
  await options.beforeInstall?.(rig);
  const install = await walkInstall(product.url, { portalId: options.hub });
  if (install.status !== 200) throw new Error(`install answered ${install.status}: ${install.html}`);
  rig.portalId = (await findPortalByExternalId(rig.db, 'hubspot', String(options.hub)))!.id;
  const worker = await rig.startWorker();
  await waitUntil(async () => (await rig.lastRunId()) > 0, 120_000);
  await rig.waitForRun(await rig.lastRunId(), 400_000).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n${worker.output().slice(-4000)}`);
  });
  expect((await rig.runRow(await rig.lastRunId())).status).toBe('succeeded');
  await rig.expectNoStuckJobs();
  return rig;
}

/** `1200` → `1,200`. */
export function n(value: number): string {
  return value.toLocaleString('en-US');
}

/** The scenario's one line for a release note. */
export function summaryLine(label: string, outcome: RunOutcome, extra = ''): string {
  return (
    `${label}: ${n(outcome.active)} active customers scored once, ${n(outcome.lost)} lost, ` +
    `${n(outcome.doubled)} doubled, ${n(outcome.written)} contacts written ` +
    `(${n(outcome.conflicting)} with two values, ${n(outcome.stale)} stale), run ${outcome.status}` +
    `${extra ? `, ${extra}` : ''}, CRM calls ≤ limit (max ${outcome.maxPerWindow} per 10 s vs ${outcome.limit})`
  );
}

/** A seeded PRNG, so kill points are the same on every run of a seed. */
export const seeded = seededRandom;
