export { MigrationFailedError } from '../error/migration-failed-error.js'
export { FolderMigrationProvider } from './folder-migration-provider.js'
export {
  MIGRATION_TARGETS,
  type MigrateOptions,
  type MigrateResult,
  type MigrationState,
  type MigrationTarget,
  migrate,
  migrationStatus,
} from './migrate.js'
