import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * `transaction()` ran past its `timeoutMs` (retries and waits between them included) before COMMIT was sent:
 * the transaction was rolled back (its connection killed when a statement was still running, so its locks went
 * at once) and nothing was written. `cause` is the last transient error when the time ran out between retries.
 *
 * @example
 * ```ts
 * import { TransactionTimeoutError, transaction } from 'kysely-toolkit'
 *
 * try {
 *   await transaction(db, (trx) => buildReport(trx), { timeoutMs: 2_000 })
 * } catch (error) {
 *   if (TransactionTimeoutError.is(error)) {
 *     // answer 503: nothing was written
 *   }
 * }
 * ```
 */
export class TransactionTimeoutError extends ToolkitError {
  override readonly name = 'TransactionTimeoutError' as const
  override readonly code = 'TRANSACTION_TIMEOUT' as const
  /** The time allowed, in milliseconds. */
  readonly timeoutMs: number
  /** How many times the callback had been started. */
  readonly attempts: number

  constructor(timeoutMs: number, attempts: number, options: { cause?: unknown } = {}) {
    super(
      'TRANSACTION_TIMEOUT',
      `Transaction timed out after ${timeoutMs} ms (${attempts} attempt${attempts === 1 ? '' : 's'} started): ` +
        'it was rolled back and nothing was written',
      options,
    )
    this.timeoutMs = timeoutMs
    this.attempts = attempts
  }

  /** Whether `value` is a {@link TransactionTimeoutError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<TransactionTimeoutError>('TRANSACTION_TIMEOUT')
}
