import {
  Migrator,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely';
import * as warehouse from './migrations/0001-warehouse.js';
import * as usageIntake from './migrations/0002-usage-intake.js';
import * as textSentiment from './migrations/0003-text-sentiment.js';
import * as scoring from './migrations/0004-scoring.js';
import * as retentionWorkflows from './migrations/0005-retention-workflows.js';
import * as dashboardSessions from './migrations/0006-dashboard-sessions.js';
import * as cardFeedback from './migrations/0007-card-feedback.js';
import * as customerStatus from './migrations/0008-customer-status.js';
import * as neutralRecords from './migrations/0009-neutral-records.js';
import * as installApiBase from './migrations/0010-install-api-base.js';
import * as orgCredentials from './migrations/0011-org-credentials.js';
import * as owners from './migrations/0012-owners.js';
import * as contactOutcomes from './migrations/0013-contact-outcomes.js';
import * as accountScores from './migrations/0014-account-scores.js';
import * as portalReports from './migrations/0015-portal-reports.js';
import * as redemptionImports from './migrations/0016-redemption-imports.js';
import { surveyLinksAtRest } from './migrations/0017-survey-links-at-rest.js';
import * as callbackSent from './migrations/0018-callback-sent.js';
import * as pipelines from './migrations/0019-pipelines.js';
import * as associationTypes from './migrations/0020-association-types.js';
import * as emailBounces from './migrations/0021-email-bounces.js';
import * as ownersActive from './migrations/0022-owners-active.js';
import * as scoreSummariesStatement from './migrations/0023-score-summaries-statement.js';
import * as unscoredTextIndex from './migrations/0024-unscored-text-index.js';
import * as recordRowsWithoutPortalKeys from './migrations/0025-record-rows-without-portal-keys.js';

/**
 * What a migration that takes a secret out of the clear needs from the server's key
 * (TOKEN_ENCRYPTION_KEY), which the database does not hold: given by the process that opens it.
 */
export interface MigrationSecrets {
  /** A survey link's token, encrypted for its retention action as the product reads it back. */
  sealSurveyToken(token: string, portalId: number, retentionActionId: number): string;
}

export interface MigrateOptions {
  secrets?: MigrationSecrets | undefined;
}

/** Migrations in the order they run; a new one is added at the end, never edited once released. */
const migrations = (options: MigrateOptions): Record<string, Migration> => ({
  '0001-warehouse': warehouse,
  '0002-usage-intake': usageIntake,
  '0003-text-sentiment': textSentiment,
  '0004-scoring': scoring,
  '0005-retention-workflows': retentionWorkflows,
  '0006-dashboard-sessions': dashboardSessions,
  '0007-card-feedback': cardFeedback,
  '0008-customer-status': customerStatus,
  '0009-neutral-records': neutralRecords,
  '0010-install-api-base': installApiBase,
  '0011-org-credentials': orgCredentials,
  '0012-owners': owners,
  '0013-contact-outcomes': contactOutcomes,
  '0014-account-scores': accountScores,
  '0015-portal-reports': portalReports,
  '0016-redemption-imports': redemptionImports,
  '0017-survey-links-at-rest': surveyLinksAtRest(options.secrets),
  '0018-callback-sent': callbackSent,
  '0019-pipelines': pipelines,
  '0020-association-types': associationTypes,
  '0021-email-bounces': emailBounces,
  '0022-owners-active': ownersActive,
  '0023-score-summaries-statement': scoreSummariesStatement,
  '0024-unscored-text-index': unscoredTextIndex,
  '0025-record-rows-without-portal-keys': recordRowsWithoutPortalKeys,
});

const providerOf = (options: MigrateOptions): MigrationProvider => ({
  getMigrations: async () => migrations(options),
});

export class MigrationError extends Error {
  readonly code = 'migration_failed';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator works on any schema
export async function migrateToLatest(db: Kysely<any>, options: MigrateOptions = {}): Promise<string[]> {
  return migrate(db, options, (migrator) => migrator.migrateToLatest());
}

/** Brings the schema up to the named migration and no further: where a migration's own test starts. */
export async function migrateUpTo(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator works on any schema
  db: Kysely<any>,
  migrationName: string,
  options: MigrateOptions = {},
): Promise<string[]> {
  return migrate(db, options, (migrator) => migrator.migrateTo(migrationName));
}

async function migrate(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator works on any schema
  db: Kysely<any>,
  options: MigrateOptions,
  run: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<string[]> {
  const migrator = new Migrator({ db, provider: providerOf(options) });
  const { error, results } = await run(migrator);
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? 'unknown error');
    throw new MigrationError(`Database migration ${failed?.migrationName ?? ''} failed: ${cause}`.trim(), {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
