import { reasonOf } from './backup-failed-error.js'
import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A restore failed. The target database is as it was before the restore: rows are loaded into a temporary
 * database, which is dropped on failure, and moved into the target only when complete (see docs/backup.md).
 *
 * @example
 * ```ts
 * import { RestoreFailedError, restoreBackup } from 'kysely-toolkit/backup'
 *
 * try {
 *   await restoreBackup(database, { manifest, target: 'shop_copy' })
 * } catch (error) {
 *   if (RestoreFailedError.is(error)) console.error(error.target, error.cause)
 * }
 * ```
 */
export class RestoreFailedError extends ToolkitError {
  override readonly name = 'RestoreFailedError' as const
  override readonly code = 'RESTORE_FAILED' as const
  /** The database the backup was being restored into. */
  readonly target: string

  constructor(target: string, cause: unknown) {
    super(
      'RESTORE_FAILED',
      `Restore into database ${target} failed; ${target} was left as it was: ${reasonOf(cause)}`,
      {
        cause,
      },
    )
    this.target = target
  }

  /** Whether `value` is a {@link RestoreFailedError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<RestoreFailedError>('RESTORE_FAILED')
}
