import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * The restore target already exists and `replace` was not set. Nothing was written.
 *
 * @example
 * ```ts
 * import { RestoreTargetExistsError, restoreBackup } from 'kysely-toolkit/backup'
 *
 * try {
 *   await restoreBackup(database, { manifest, target: 'shop' })
 * } catch (error) {
 *   if (RestoreTargetExistsError.is(error)) await restoreBackup(database, { manifest, target: 'shop', replace: true })
 * }
 * ```
 */
export class RestoreTargetExistsError extends ToolkitError {
  override readonly name = 'RestoreTargetExistsError' as const
  override readonly code = 'RESTORE_TARGET_EXISTS' as const
  /** The existing database. */
  readonly target: string

  constructor(target: string) {
    super(
      'RESTORE_TARGET_EXISTS',
      `Database ${target} already exists; restore into a new database, or pass replace: true (--replace) to replace it`,
    )
    this.target = target
  }

  /** Whether `value` is a {@link RestoreTargetExistsError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<RestoreTargetExistsError>('RESTORE_TARGET_EXISTS')
}
