import { TransactionRetriesExhaustedError } from '../error/transaction-retries-exhausted-error.js'
import { RETRY_REASONS, type RetryReason } from './retry-reason.js'
import type {
  TransactionOptions,
  TransactionOutcome,
  TransactionRetryEvent,
  TransactionSettledEvent,
} from './transaction.js'

/**
 * Counts since {@link createTransactionCounters} was called.
 *
 * @example
 * ```ts
 * const { retries, settled }: TransactionCountsSnapshot = counters.snapshot()
 * ```
 */
export interface TransactionCountsSnapshot {
  /** Outermost transactions that ended, by outcome. */
  readonly settled: Readonly<Record<TransactionOutcome, number>>
  /** Retries made, by reason (a transaction retried twice counts two). */
  readonly retries: Readonly<Record<RetryReason, number>>
  /** Transactions that gave up after their last attempt (`TransactionRetriesExhaustedError`). */
  readonly exhausted: number
}

/**
 * Counters fed by {@link transaction}'s `onRetry` and `onSettled` options: the small interface a metrics exporter
 * reads. Pass `hooks` (or spread them into your options) on every transaction to count.
 *
 * @example
 * ```ts
 * const counters: TransactionCounters = createTransactionCounters()
 * await transaction(db, work, counters.hooks)
 * ```
 */
export interface TransactionCounters {
  /** The `onRetry` and `onSettled` options that feed the counters. */
  readonly hooks: Readonly<Required<Pick<TransactionOptions, 'onRetry' | 'onSettled'>>>
  /** The counts so far, as a new frozen object. */
  snapshot(): TransactionCountsSnapshot
}

/**
 * Makes counters of retries (by reason) and of settled transactions (by outcome).
 *
 * @example
 * ```ts
 * import { createTransactionCounters, transaction } from 'kysely-toolkit'
 *
 * const counters = createTransactionCounters()
 * await transaction(db, (trx) => transfer(trx, 1, 2, '5.00'), { ...counters.hooks, timeoutMs: 5_000 })
 * console.log(counters.snapshot().retries.deadlock)
 * ```
 */
export function createTransactionCounters(): TransactionCounters {
  const settled: Record<TransactionOutcome, number> = { committed: 0, 'rolled-back': 0, 'commit-unknown': 0 }
  const retries = Object.fromEntries(RETRY_REASONS.map((reason) => [reason, 0])) as Record<
    RetryReason,
    number
  >
  let exhausted = 0
  return Object.freeze({
    hooks: Object.freeze({
      onRetry: (event: TransactionRetryEvent) => {
        retries[event.reason]++
      },
      onSettled: (event: TransactionSettledEvent) => {
        settled[event.outcome]++
        if (TransactionRetriesExhaustedError.is(event.error)) exhausted++
      },
    }),
    snapshot: () =>
      Object.freeze({
        settled: Object.freeze({ ...settled }),
        retries: Object.freeze({ ...retries }),
        exhausted,
      }),
  })
}
