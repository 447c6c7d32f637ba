import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * The connection was lost while COMMIT was in flight: the server may have committed the transaction or not, and
 * there is no way to ask it on that connection. `transaction()` does not retry (a retry could apply the work
 * twice) and runs neither `afterCommit` nor `afterRollback` hooks. Check whether the writes are there (an
 * idempotency key or a unique request id in the written rows makes this easy) before doing the work again.
 * `cause` is the driver error.
 *
 * @example
 * ```ts
 * import { CommitOutcomeUnknownError, transaction } from 'kysely-toolkit'
 *
 * try {
 *   await transaction(db, (trx) => recordPayment(trx, requestId, amount))
 * } catch (error) {
 *   if (CommitOutcomeUnknownError.is(error)) {
 *     const applied = await db.selectFrom('payments').select('id').where('request_id', '=', requestId).executeTakeFirst()
 *     if (applied === undefined) await transaction(db, (trx) => recordPayment(trx, requestId, amount))
 *   }
 * }
 * ```
 */
export class CommitOutcomeUnknownError extends ToolkitError {
  override readonly name = 'CommitOutcomeUnknownError' as const
  override readonly code = 'COMMIT_OUTCOME_UNKNOWN' as const
  /** How many times the callback ran (the last one reached COMMIT). */
  readonly attempts: number

  constructor(attempts: number, cause: unknown) {
    super(
      'COMMIT_OUTCOME_UNKNOWN',
      `The connection was lost while COMMIT was in flight (attempt ${attempts}): the transaction may or may not ` +
        'have committed. It was not retried; check whether its writes are there before running it again',
      { cause },
    )
    this.attempts = attempts
  }

  /** Whether `value` is a {@link CommitOutcomeUnknownError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<CommitOutcomeUnknownError>('COMMIT_OUTCOME_UNKNOWN')
}
