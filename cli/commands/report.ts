import type { Command } from 'commander';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../server/config.js';
import { openDatabase } from '../../server/db/index.js';
import { findPortal } from '../../server/db/portals.js';
import { AppError } from '../../server/errors.js';
import { migrationSecrets } from '../../server/runtime.js';
import { readCsvFile } from '../../server/csv/read-csv.js';
import {
  csvExploreReport,
  csvQualityReport,
  portalExploreReport,
  portalQualityReport,
  type ExploreReport,
  type QualityReport,
} from '../../server/reports/index.js';
import { progressBar } from '../progress.js';
import { exploreTable, qualityTable } from './report-tables.js';

/** An input the user must fix: one line on stderr, exit code 1. */
class ReportInputError extends Error {}

const optionsSchema = z
  .object({
    portal: z.coerce
      .number()
      .int()
      .positive('--portal needs a portal id (a positive whole number)')
      .optional(),
    csv: z.string().min(1, '--csv needs a file name').optional(),
    label: z.string().min(1, '--label needs a column name').optional(),
    positive: z.string().optional(),
    json: z.boolean().default(false),
  })
  .refine((o) => (o.portal === undefined) !== (o.csv === undefined), {
    message: 'give either --portal ID or --csv FILE',
  })
  .refine((o) => o.portal === undefined || (o.label === undefined && o.positive === undefined), {
    message: '--label and --positive are for a CSV file; a portal has its own churn rule',
  });

type Options = z.infer<typeof optionsSchema>;

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      "Data-quality (quality) or exploratory (explore) report of a portal's warehouse or of a CSV file",
    )
    .argument('<kind>', 'quality or explore')
    .option('--portal <id>', "a portal in this server's warehouse (DATABASE_URL, or PGlite in DATA_DIR)")
    .option('--csv <file>', 'a CSV file with a header line')
    .option('--label <column>', 'the CSV column that says whether the customer churned (explore)')
    .option('--positive <value>', 'the label value that means churned (guessed for Yes/No, 1/0, true/false)')
    .option('--json', 'print the report as JSON, as the API serves it')
    .action(async (kind: string, raw: unknown) => {
      if (kind !== 'quality' && kind !== 'explore')
        fail(`unknown report "${kind}": choose quality or explore`, 2);
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) fail(parsed.error.issues.map((i) => i.message).join('; '), 2);
      const options = parsed.data;
      if (kind === 'explore' && options.csv !== undefined && options.label === undefined)
        fail('explore --csv needs --label COLUMN: the column that says whether the customer churned', 2);
      try {
        const report =
          options.csv !== undefined
            ? await csvReport(kind, options)
            : await portalReport(kind, options.portal!);
        process.stdout.write(
          options.json
            ? `${JSON.stringify(report)}\n`
            : report.report === 'quality'
              ? qualityTable(report)
              : exploreTable(report),
        );
      } catch (error) {
        if (error instanceof ReportInputError || error instanceof AppError || error instanceof ConfigError)
          fail(error.message, 1);
        throw error;
      }
    });
}

async function csvReport(
  kind: 'quality' | 'explore',
  options: Options,
): Promise<QualityReport | ExploreReport> {
  const table = await readCsvFile(options.csv!);
  process.stderr.write(
    `Read ${table.rows.length} rows of ${table.header.length} columns from ${options.csv}\n`,
  );
  if (kind === 'quality') return csvQualityReport(table);
  return csvExploreReport(table, {
    label: options.label!,
    ...(options.positive !== undefined ? { positive: options.positive } : {}),
  });
}

async function portalReport(
  kind: 'quality' | 'explore',
  portalId: number,
): Promise<QualityReport | ExploreReport> {
  const config = loadConfig();
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    secrets: migrationSecrets(config),
  });
  try {
    const portal = await findPortal(handle.db, portalId);
    if (!portal) throw new ReportInputError(`no portal ${portalId} in the warehouse at ${handle.location}`);
    const started = Date.now();
    let report: QualityReport | ExploreReport;
    if (kind === 'quality') {
      // Every live contact is read once: a bar with its end.
      const bar = progressBar('Contacts');
      report = await portalQualityReport(handle.db, portalId, {
        onProgress: (done, total) => bar.update(done, total ?? done),
      });
      bar.stop();
    } else {
      // Training rows over the cutoffs: how many is known only at the end.
      let last = 0;
      report = await portalExploreReport(handle.db, portalId, {
        onProgress: (done) => {
          if (Date.now() - last < 2000) return;
          last = Date.now();
          process.stderr.write(`explore: ${done} training rows read\n`);
        },
      });
    }
    process.stderr.write(`${kind}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return report;
  } finally {
    await handle.close();
  }
}

function fail(message: string, exitCode: number): never {
  process.stderr.write(`churn report: ${message}\n`);
  process.exit(exitCode);
}
