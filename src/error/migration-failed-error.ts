import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A migration failed (or the migrations could not be loaded). `migrationName` names the failing migration;
 * `cause` holds the underlying error. On MySQL and MariaDB DDL is not transactional: statements of the failing
 * migration that ran before the failure stay applied (`leftBehind` lists them, and the message says so), and
 * migrations before it stay applied (`completed`).
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
  /**
   * What the failing migration changed before it failed, and which stays so (MySQL and MariaDB commit each DDL
   * statement at once), e.g. `created table notes`, `created column users.nickname`; empty when it changed no
   * table, column or index, or when unknown.
   */
  readonly leftBehind: readonly string[]

  constructor(
    migrationName: string | undefined,
    completed: readonly string[],
    cause: unknown,
    leftBehind: readonly string[] = [],
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super('MIGRATION_FAILED', messageOf(migrationName, reason, leftBehind), { cause })
    this.migrationName = migrationName
    this.completed = Object.freeze([...completed])
    this.leftBehind = Object.freeze([...leftBehind])
  }

  /** Whether `value` is a {@link MigrationFailedError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<MigrationFailedError>('MIGRATION_FAILED')
}

function messageOf(migrationName: string | undefined, reason: string, leftBehind: readonly string[]): string {
  if (migrationName === undefined) return `Migrations could not be run: ${reason}`
  if (leftBehind.length === 0) return `Migration ${migrationName} failed: ${reason}`
  return (
    `Migration ${migrationName} failed: ${reason}. It is not recorded as applied, but what it did before failing ` +
    `stays (DDL is not transactional in MySQL and MariaDB): ${leftBehind.join(', ')}. Undo that, or make the ` +
    'migration skip what exists, before running it again'
  )
}
