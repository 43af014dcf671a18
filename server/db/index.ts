export {
  openDatabase,
  DatabaseInUseError,
  type DatabaseHandle,
  type OpenDatabaseOptions,
} from './connection.js';
export {
  migrateToLatest,
  migrateUpTo,
  MigrationError,
  type MigrateOptions,
  type MigrationSecrets,
} from './migrate.js';
export { json } from './json.js';
export type * from './schema.js';
