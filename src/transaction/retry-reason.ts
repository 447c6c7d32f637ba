import { DeadlockError } from '../error/deadlock-error.js'
import { LockTimeoutError } from '../error/lock-timeout-error.js'
import { isConnectionLostError, MYSQL_ERRORS, mysqlErrnoOf } from '../error/mysql-errors.js'

/**
 * Why `transaction()` retries:
 * - `deadlock`: 1213, the server rolled the whole transaction back;
 * - `lock-timeout`: 1205, the statement was rolled back (the toolkit rolls back the rest before retrying);
 * - `serialization`: 1020 on MariaDB 11.6+ with `innodb_snapshot_isolation`, a row changed since the snapshot;
 * - `connection-lost`: the connection died before COMMIT was sent, so the server rolled the transaction back.
 *
 * @example
 * ```ts
 * import { RETRY_REASONS } from 'kysely-toolkit'
 *
 * for (const reason of RETRY_REASONS) retries.labels({ reason }).inc(0) // pre-create the series
 * ```
 */
export const RETRY_REASONS = ['deadlock', 'lock-timeout', 'serialization', 'connection-lost'] as const

/**
 * A reason from {@link RETRY_REASONS}.
 *
 * @example
 * ```ts
 * const reason: RetryReason | undefined = retryReasonOf(error)
 * ```
 */
export type RetryReason = (typeof RETRY_REASONS)[number]

/**
 * Why `error` makes a transaction worth running again, or `undefined` when it does not (a duplicate key, a
 * syntax error, a pool timeout... are never retried).
 *
 * @example
 * ```ts
 * import { retryReasonOf } from 'kysely-toolkit'
 *
 * retryReasonOf(new DeadlockError()) // 'deadlock'
 * ```
 */
export function retryReasonOf(error: unknown): RetryReason | undefined {
  const errno = mysqlErrnoOf(error)
  if (errno === MYSQL_ERRORS.LOCK_DEADLOCK || DeadlockError.is(error)) return 'deadlock'
  if (errno === MYSQL_ERRORS.LOCK_WAIT_TIMEOUT || LockTimeoutError.is(error)) return 'lock-timeout'
  if (errno === MYSQL_ERRORS.CHECKREAD) return 'serialization'
  if (isConnectionLostError(error)) return 'connection-lost'
  return undefined
}
