import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * `transaction()` ran its callback `attempts` times and every attempt failed with a transient error (deadlock,
 * lock wait timeout, serialization failure, lost connection); it gave up. Every attempt was rolled back: nothing
 * was written. `cause` is the last attempt's error.
 *
 * @example
 * ```ts
 * import { TransactionRetriesExhaustedError, transaction } from 'kysely-toolkit'
 *
 * try {
 *   await transaction(db, (trx) => transfer(trx, 1, 2, '10.00'), { maxAttempts: 3 })
 * } catch (error) {
 *   if (TransactionRetriesExhaustedError.is(error)) {
 *     console.error(`gave up after ${error.attempts} attempts (${error.reason})`)
 *   }
 * }
 * ```
 */
export class TransactionRetriesExhaustedError extends ToolkitError {
  override readonly name = 'TransactionRetriesExhaustedError' as const
  override readonly code = 'TRANSACTION_RETRIES_EXHAUSTED' as const
  /** How many times the callback ran. */
  readonly attempts: number
  /** Why the last attempt failed: `deadlock`, `lock-timeout`, `serialization` or `connection-lost`. */
  readonly reason: string

  constructor(attempts: number, reason: string, cause: unknown) {
    const detail = cause instanceof Error ? ` (${cause.message})` : ''
    super(
      'TRANSACTION_RETRIES_EXHAUSTED',
      `Transaction gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ` +
        `the last failed with ${reason === 'lock-timeout' ? 'a lock wait timeout' : `a ${reason}`}${detail}; ` +
        'every attempt was rolled back',
      { cause },
    )
    this.attempts = attempts
    this.reason = reason
  }

  /** Whether `value` is a {@link TransactionRetriesExhaustedError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<TransactionRetriesExhaustedError>('TRANSACTION_RETRIES_EXHAUSTED')
}
