export {
  openDatabase,
  DatabaseInUseError,
  type DatabaseHandle,
  type OpenDatabaseOptions,
} from './connection.js';
export { migrateToLatest, MigrationError } from './migrate.js';
export { json } from './json.js';
export type * from './schema.js';
