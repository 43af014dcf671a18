/**
 * How fast the dashboard's overview answers for a big portal: 100,000 contacts with 8 weekly
 * scores each (800,000 score rows), deals for half of them, in the embedded PGlite warehouse (or
 * the PostgreSQL at DATABASE_URL). Prints the median time of the overview query set, and beside it
 * the at-risk list's first page, and the time the Data quality and Exploration pages take to answer
 * from the reports a worker stored after the cycle (with the worker's own time on stderr).
 *
 *   npx tsx bench/dashboard.ts [--contacts 100000] [--weeks 8] [--runs 5]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { listAtRisk, atRiskQuerySchema } from '../server/api/dashboard/at-risk.js';
import { loadOverview } from '../server/api/dashboard/overview.js';
import { upsertInstalledPortal } from '../server/db/portals.js';
import { computeAndStoreReports, loadStoredReport, REPORT_KINDS } from '../server/reports/stored-reports.js';
import { openTestDatabase } from '../tests/support/database.js';
import { seedScoredPortal } from '../tests/support/scored-portal.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    weeks: { type: 'string', default: '8' },
    runs: { type: 'string', default: '5' },
  },
});
const contacts = Number(values.contacts);
const weeks = Number(values.weeks);
const runs = Number(values.runs);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up: plans and caches, as a dashboard that is in use has them
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times;
}

const db = await openTestDatabase();
try {
  const portal = await upsertInstalledPortal(db.db, {
    crm: 'hubspot',
    externalId: 'bench-dashboard',
    name: 'Bench',
    domain: null,
  });
  const seeding = performance.now();
  await seedScoredPortal(db.db, portal.id, { contacts, weeks, idPrefix: 'c' });
  // Statistics as autovacuum would have them after a weekly run.
  await sql`analyze`.execute(db.db);
  process.stderr.write(
    `seeded ${contacts} contacts × ${weeks} weeks on ${db.url ? 'PostgreSQL' : 'PGlite'} in ${((performance.now() - seeding) / 1000).toFixed(1)} s\n`,
  );
  const overview = await timed(async () => {
    const o = await loadOverview(db.db, portal.id);
    if (o.contacts !== contacts) throw new Error(`overview counted ${o.contacts} contacts`);
  });
  const list = await timed(() => listAtRisk(db.db, portal.id, atRiskQuerySchema.parse({})));
  process.stderr.write(
    `at-risk list, first page: median ${median(list).toFixed(0)} ms (runs: ${list.map((t) => t.toFixed(0)).join(', ')})\n`,
  );
  process.stdout.write(
    `overview of a ${contacts.toLocaleString('en-US')}-contact portal: median ${median(overview).toFixed(0)} ms ` +
      `(runs: ${overview.map((t) => t.toFixed(0)).join(', ')})\n`,
  );

  // Data quality and Exploration: computed by a worker after the cycle, then read by the page.
  for (const kind of REPORT_KINDS) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await computeAndStoreReports(db.db, portal.id, { kinds: [kind] });
    const used = process.cpuUsage(cpu);
    process.stderr.write(
      `${kind} report computed by the worker in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
        `(${((used.user + used.system) / 1e6).toFixed(1)} CPU s)\n`,
    );
    const page = await timed(async () => {
      const stored = await loadStoredReport(db.db, portal.id, kind);
      if (!stored) throw new Error(`no stored ${kind} report`);
      JSON.stringify(stored.report ?? stored.error);
    });
    process.stdout.write(
      `${kind === 'quality' ? 'data quality' : 'exploration'} page answer: median ${median(page).toFixed(0)} ms ` +
        `(runs: ${page.map((t) => t.toFixed(0)).join(', ')})\n`,
    );
  }
} finally {
  await db.dispose();
}
