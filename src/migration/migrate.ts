import type { Kysely } from 'kysely'
import { type MigrationResultSet, Migrator, NO_MIGRATIONS } from 'kysely/migration'
import { MigrationFailedError } from '../error/migration-failed-error.js'
import { FolderMigrationProvider } from './folder-migration-provider.js'
import { PartialMigrationError, recordSchemaChanges } from './schema-changes.js'

/** What {@link migrate} does: apply all pending, apply the next one, revert the last one, or revert all. */
export const MIGRATION_TARGETS = ['latest', 'up', 'down', 'none'] as const
/** A value of {@link MIGRATION_TARGETS}. */
export type MigrationTarget = (typeof MIGRATION_TARGETS)[number]

/** Options of {@link migrate} and {@link migrationStatus}. */
export interface MigrateOptions {
  /** The folder of migration files. */
  readonly folder: string
  /** What to do. Defaults to `'latest'`. */
  readonly target?: MigrationTarget
  /** Name of Kysely's migration table. Defaults to `'kysely_migration'`. */
  readonly migrationTableName?: string
  /** Name of Kysely's migration lock table. Defaults to `'kysely_migration_lock'`. */
  readonly migrationLockTableName?: string
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** The migrations applied (`up`) or reverted (`down`), in order. */
  readonly applied: readonly string[]
  readonly direction: 'up' | 'down'
}

/**
 * Runs migrations from a folder of TypeScript or JavaScript files with Kysely's `Migrator` (which takes a lock,
 * so concurrent runs are safe).
 *
 * @throws {MigrationFailedError} naming the failing migration, with the applied ones in `completed`.
 *
 * @example
 * ```ts
 * import { migrate } from 'kysely-toolkit/migration'
 *
 * const { applied } = await migrate(db, { folder: './migrations' })
 * console.log(`applied ${applied.length} migrations`)
 * ```
 */
export async function migrate<DB>(db: Kysely<DB>, options: MigrateOptions): Promise<MigrateResult> {
  const migrator = createMigrator(db, options)
  const target = options.target ?? 'latest'
  const resultSet: MigrationResultSet =
    target === 'latest'
      ? await migrator.migrateToLatest()
      : target === 'up'
        ? await migrator.migrateUp()
        : target === 'down'
          ? await migrator.migrateDown()
          : await migrator.migrateTo(NO_MIGRATIONS)
  const results = resultSet.results ?? []
  const applied = results
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName)
  if (resultSet.error !== undefined) {
    if (MigrationFailedError.is(resultSet.error)) throw resultSet.error
    const failed = results.find((result) => result.status === 'Error')?.migrationName
    const error = resultSet.error
    if (error instanceof PartialMigrationError) {
      throw new MigrationFailedError(failed, applied, error.cause, error.leftBehind)
    }
    throw new MigrationFailedError(failed, applied, error)
  }
  return { applied, direction: target === 'latest' || target === 'up' ? 'up' : 'down' }
}

/** One migration's state, as {@link migrationStatus} reports it. */
export interface MigrationState {
  readonly name: string
  /** When it was applied, or `undefined` while pending. */
  readonly executedAt: Date | undefined
}

/**
 * Lists every migration in the folder, applied or pending, in order.
 *
 * @example
 * ```ts
 * import { migrationStatus } from 'kysely-toolkit/migration'
 *
 * const pending = (await migrationStatus(db, { folder: './migrations' })).filter((m) => !m.executedAt)
 * ```
 */
export async function migrationStatus(
  db: Kysely<unknown>,
  options: MigrateOptions,
): Promise<MigrationState[]> {
  const migrations = await createMigrator(db, options).getMigrations()
  return migrations.map((migration) => ({ name: migration.name, executedAt: migration.executedAt }))
}

function createMigrator<DB>(db: Kysely<DB>, options: MigrateOptions): Migrator {
  return new Migrator({
    db: db as unknown as Kysely<unknown>,
    provider: recordSchemaChanges(new FolderMigrationProvider(options.folder)),
    ...(options.migrationTableName === undefined ? {} : { migrationTableName: options.migrationTableName }),
    ...(options.migrationLockTableName === undefined
      ? {}
      : { migrationLockTableName: options.migrationLockTableName }),
  })
}
