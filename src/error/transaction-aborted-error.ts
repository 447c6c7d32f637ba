import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * The `signal` given to `transaction()` was aborted before COMMIT was sent: the transaction was rolled back (its
 * connection killed when a statement was still running) and nothing was written. `cause` is the signal's reason.
 *
 * @example
 * ```ts
 * import { TransactionAbortedError, transaction } from 'kysely-toolkit'
 *
 * request.on('close', () => controller.abort())
 * try {
 *   await transaction(db, (trx) => placeOrder(trx, cart), { signal: controller.signal })
 * } catch (error) {
 *   if (TransactionAbortedError.is(error)) return // the client went away; nothing was written
 *   throw error
 * }
 * ```
 */
export class TransactionAbortedError extends ToolkitError {
  override readonly name = 'TransactionAbortedError' as const
  override readonly code = 'TRANSACTION_ABORTED' as const
  /** How many times the callback had been started. */
  readonly attempts: number

  constructor(attempts: number, reason: unknown) {
    const detail = reason instanceof Error ? `: ${reason.message}` : ''
    super(
      'TRANSACTION_ABORTED',
      `Transaction aborted by its signal${detail} (${attempts} attempt${attempts === 1 ? '' : 's'} started): ` +
        'it was rolled back and nothing was written',
      { cause: reason },
    )
    this.attempts = attempts
  }

  /** Whether `value` is a {@link TransactionAbortedError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<TransactionAbortedError>('TRANSACTION_ABORTED')
}
