import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A migration failed (or the migrations could not be loaded). `migrationName` names the failing migration;
 * `cause` holds the underlying error. On MySQL and MariaDB DDL is not transactional: statements of the failing
 * migration that ran before the failure stay applied, and migrations before it stay applied.
 *
 * @example
 * ```ts
 * import { MigrationFailedError } from 'kysely-toolkit'
 * import { migrate } from 'kysely-toolkit/migration'
 *
 * try {
 *   await migrate(db, { folder: './migrations' })
 * } catch (error) {
 *   if (MigrationFailedError.is(error)) console.error(`${error.migrationName} failed:`, error.cause)
 * }
 * ```
 */
export class MigrationFailedError extends ToolkitError {
  override readonly name = 'MigrationFailedError' as const
  override readonly code = 'MIGRATION_FAILED' as const
  /** The migration that failed, or `undefined` when they could not be loaded at all. */
  readonly migrationName: string | undefined
  /** The migrations applied (or reverted) before the failure, in order. */
  readonly completed: readonly string[]

  constructor(migrationName: string | undefined, completed: readonly string[], cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(
      'MIGRATION_FAILED',
      migrationName === undefined
        ? `Migrations could not be run: ${reason}`
        : `Migration ${migrationName} failed: ${reason}`,
      { cause },
    )
    this.migrationName = migrationName
    this.completed = Object.freeze([...completed])
  }

  /** Whether `value` is a {@link MigrationFailedError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<MigrationFailedError>('MIGRATION_FAILED')
}
