/**
 * How fast feature vectors are built from the warehouse: a generated portal is loaded through the
 * product's mappers, its customer texts scored once, then features are built for every contact as
 * of the portal's last day. Prints the load and scoring times apart, then one line: contacts per
 * second of the build, and the live heap after the first and the last chunk (run with
 * `npx tsx --expose-gc` to see it: chunks stream, so it stays flat however many contacts).
 *
 *   npx tsx bench/features.ts [--contacts 100000] [--seed 1] [--chunk 1000] [--no-score] [--training [--fit]]
 *
 * --no-score leaves texts unscored (their tone features null): the build reads the same rows either
 * way, and scoring a large portal's texts once takes longer than building its features.
 *
 * --training builds the portal model's training rows instead (every training cutoff, sampled as
 * `churn work` samples them) and prints their number, churners, wall and CPU seconds. With --fit it
 * trains the portal's model on them as the weekly cycle does (its threads included in the CPU
 * seconds) and prints the two steps' times apart.
 *
 * PGlite in memory by default; DATABASE_URL runs it against PostgreSQL (a fresh database there).
 */
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { generatePortal } from '../sandbox/generator/index.js';
import { SandboxStore } from '../sandbox/store.js';
import { upsertInstalledPortal } from '../server/db/portals.js';
import type { Database } from '../server/db/schema.js';
import { liveContactCount } from '../server/features/build/contact-chunks.js';
import { buildFeatures, ensureTextSentiment } from '../server/features/index.js';
import { portalTrainingRows, trainPortalModel } from '../server/scoring/portal-model.js';
import { openTestDatabase, type TestDatabase } from '../tests/support/database.js';
import { loadSandboxPortal } from '../tests/features/features-sandbox-load.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    chunk: { type: 'string', default: '1000' },
    'no-score': { type: 'boolean', default: false },
    training: { type: 'boolean', default: false },
    fit: { type: 'boolean', default: false },
  },
});
const contacts = Number(values.contacts);
const chunkSize = Number(values.chunk);
const NOW = new Date('2026-11-01T00:00:00Z');
const seconds = (since: number) => (performance.now() - since) / 1000;

/**
 * In a function of its own so the generated portal is garbage once loaded: a suspended top-level
 * await keeps every variable of its frame alive, and gigabytes of CRM records would then be
 * collected over and over during the build.
 */
async function generateAndLoad(db: Kysely<Database>, portalId: number): Promise<void> {
  const crm = new SandboxStore().createPortal(1);
  generatePortal(crm, { contacts, seed: Number(values.seed), now: NOW });
  await loadSandboxPortal(db, portalId, crm);
}

const database = await openTestDatabase();
try {
  const portal = await upsertInstalledPortal(database.db, {
    crm: 'hubspot',
    externalId: 'bench-features',
    name: 'Bench',
    domain: null,
  });
  let started = performance.now();
  await generateAndLoad(database.db, portal.id);
  process.stderr.write(
    `generated and loaded ${contacts} contacts into ${database.kind} in ${seconds(started).toFixed(1)} s\n`,
  );

  if (!values['no-score']) {
    started = performance.now();
    const scored = await ensureTextSentiment(database.db, portal.id);
    const texts = scored.tickets + scored.emails + scored.feedback;
    process.stderr.write(`scored ${texts} texts in ${seconds(started).toFixed(1)} s\n`);
  }

  if (values.training && values.fit) await trainModel(database, portal.id);
  else if (values.training) await buildTrainingRows(database, portal.id);
  else await buildAllFeatures(database, portal.id);
} finally {
  await database.dispose();
}

/** The portal model's training rows, built and sampled as `churn work` does. */
async function buildTrainingRows({ db, kind }: TestDatabase, portalId: number): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const rows = await portalTrainingRows(db, portalId, NOW);
  const used = process.cpuUsage(cpu);
  const churners = rows.reduce((sum, row) => sum + row.label, 0);
  process.stdout.write(
    `training rows (${kind}): ${rows.length} rows, ${churners} churners, ` +
      `${seconds(started).toFixed(1)} s, ${((used.user + used.system) / 1e6).toFixed(1)} CPU-s in this process\n`,
  );
}

/** The portal's model trained as the weekly cycle trains it: training rows, then fitting. */
async function trainModel({ db, kind }: TestDatabase, portalId: number): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const trained = await trainPortalModel(db, portalId, { now: NOW });
  const used = process.cpuUsage(cpu);
  const { features, fitting } = trained.seconds;
  process.stdout.write(
    `trained (${kind}): ${trained.rows} rows, ${trained.churners} churners, ` +
      `rows ${features} s, fitting ${fitting ?? 0} s, ${seconds(started).toFixed(1)} s in all, ` +
      `${((used.user + used.system) / 1e6).toFixed(1)} CPU-s in this process, ` +
      `${trained.model.model.predictor.family}\n`,
  );
}

/** Features of every live contact as of NOW, chunk by chunk. */
async function buildAllFeatures({ db, kind }: TestDatabase, portalId: number): Promise<void> {
  const liveHeapMiB = () => {
    global.gc?.();
    return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  };
  const heap: number[] = [];
  // The generator merges some contacts into others: the merged ones are archived, not built.
  const live = await liveContactCount(db, portalId);
  let built = 0;
  const started = performance.now();
  for await (const chunk of buildFeatures(db, portalId, NOW, { chunkSize, scoreText: false })) {
    built += chunk.length;
    if (heap.length === 0 || built === live) heap.push(liveHeapMiB());
  }
  const took = seconds(started);
  if (built !== live) throw new Error(`built ${built} feature vectors for ${live} live contacts`);
  process.stdout.write(
    `features for ${built} contacts (${kind}, chunks of ${chunkSize}): ${took.toFixed(1)} s, ` +
      `${Math.round(built / took)} contacts/s` +
      (global.gc ? `, live heap ${heap.join(' → ')} MiB` : '') +
      '\n',
  );
}
