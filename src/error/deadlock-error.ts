import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * The server found a deadlock and chose this transaction as the victim (MySQL error 1213,
 * `ER_LOCK_DEADLOCK`): the whole transaction has been rolled back. Run it again from the start;
 * `transaction()` does that for you. `cause` is the driver error.
 *
 * @example
 * ```ts
 * import { DeadlockError } from 'kysely-toolkit'
 *
 * try {
 *   await db.transaction().execute(async (trx) => transfer(trx, 1, 2, '10.00'))
 * } catch (error) {
 *   if (DeadlockError.is(error)) {
 *     // nothing was written: safe to run the whole transaction again
 *   }
 * }
 * ```
 */
export class DeadlockError extends ToolkitError {
  override readonly name = 'DeadlockError' as const
  override readonly code = 'DEADLOCK' as const

  constructor(options: { cause?: unknown } = {}) {
    super(
      'DEADLOCK',
      'Deadlock found: the server rolled the whole transaction back; run it again from the start',
      options,
    )
  }

  /** Whether `value` is a {@link DeadlockError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<DeadlockError>('DEADLOCK')
}
