import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A statement waited longer than `innodb_lock_wait_timeout` for a row lock (MySQL error 1205,
 * `ER_LOCK_WAIT_TIMEOUT`). InnoDB rolled back only that statement (unless `innodb_rollback_on_timeout` is on):
 * the transaction is still open with its earlier writes and locks, so roll it back before trying again;
 * `transaction()` does both. `cause` is the driver error.
 *
 * @example
 * ```ts
 * import { LockTimeoutError } from 'kysely-toolkit'
 *
 * try {
 *   await db.updateTable('accounts').set({ balance: '0.00' }).where('id', '=', 1).execute()
 * } catch (error) {
 *   if (LockTimeoutError.is(error)) {
 *     // another transaction held the row for too long
 *   }
 * }
 * ```
 */
export class LockTimeoutError extends ToolkitError {
  override readonly name = 'LockTimeoutError' as const
  override readonly code = 'LOCK_TIMEOUT' as const

  constructor(options: { cause?: unknown } = {}) {
    super(
      'LOCK_TIMEOUT',
      'Lock wait timeout exceeded: only the statement was rolled back; roll the transaction back before retrying it',
      options,
    )
  }

  /** Whether `value` is a {@link LockTimeoutError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<LockTimeoutError>('LOCK_TIMEOUT')
}
