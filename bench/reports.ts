/**
 * How long the two reports take on a generated portal: the data-quality report (features of every
 * contact as of the portal's last day, duplicates, warehouse checks) and the exploratory report
 * (a training set over 12 monthly cutoffs, ranking, segments, early warning). Prints the load time
 * on stderr, then one line: seconds for each report and the rows the exploration read.
 *
 *   npx tsx bench/reports.ts [--contacts 20000] [--seed 1]
 *
 * PGlite in memory by default; DATABASE_URL runs it against PostgreSQL (a fresh database there).
 */
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { generatePortal } from '../sandbox/generator/index.js';
import { SandboxStore } from '../sandbox/store.js';
import { upsertInstalledPortal } from '../server/db/portals.js';
import type { Database } from '../server/db/schema.js';
import { ensureTextSentiment } from '../server/features/index.js';
import { portalExploreReport, portalQualityReport } from '../server/reports/index.js';
import { openTestDatabase } from '../tests/support/database.js';
import { loadSandboxPortal } from '../tests/features/features-sandbox-load.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
  },
});
const contacts = Number(values.contacts);
const NOW = new Date('2026-11-01T00:00:00Z');
const seconds = (since: number) => (performance.now() - since) / 1000;

/** Apart, so the generated records are garbage once loaded. */
async function generateAndLoad(db: Kysely<Database>, portalId: number): Promise<void> {
  const crm = new SandboxStore().createPortal(1);
  generatePortal(crm, { contacts, seed: Number(values.seed), now: NOW });
  await loadSandboxPortal(db, portalId, crm);
}

const database = await openTestDatabase();
try {
  const portal = await upsertInstalledPortal(database.db, {
    crm: 'hubspot',
    externalId: 'bench-reports',
    name: 'Bench',
    domain: null,
  });
  let started = performance.now();
  await generateAndLoad(database.db, portal.id);
  // Texts are scored once, as a sync would leave them; the reports then read the same rows.
  await ensureTextSentiment(database.db, portal.id);
  process.stderr.write(`loaded ${contacts} contacts in ${seconds(started).toFixed(1)} s\n`);
  started = performance.now();
  await portalQualityReport(database.db, portal.id, { asOf: NOW });
  const quality = seconds(started);
  started = performance.now();
  const explore = await portalExploreReport(database.db, portal.id, { asOf: NOW });
  const exploration = seconds(started);
  process.stdout.write(
    `reports on ${contacts} contacts (${database.kind}): quality ${quality.toFixed(1)} s, ` +
      `explore ${exploration.toFixed(1)} s over ${explore.sampledFrom ?? explore.rows} training rows\n`,
  );
} finally {
  await database.dispose();
}
