import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * No pooled connection became free within `pool.acquireTimeoutMs`. The query was not sent.
 *
 * @example
 * ```ts
 * import { PoolTimeoutError } from 'kysely-toolkit'
 *
 * try {
 *   await db.selectFrom('users').selectAll().execute()
 * } catch (error) {
 *   if (PoolTimeoutError.is(error)) {
 *     // answer 503 and let the client retry later
 *   }
 * }
 * ```
 */
export class PoolTimeoutError extends ToolkitError {
  override readonly name = 'PoolTimeoutError' as const
  override readonly code = 'POOL_TIMEOUT' as const
  /** How long the caller waited, in milliseconds. */
  readonly timeoutMs: number

  constructor(timeoutMs: number, inUse: number, waiting: number) {
    super(
      'POOL_TIMEOUT',
      `No database connection became free within ${timeoutMs} ms (${inUse} in use, ${waiting} waiting); ` +
        'raise pool.max or pool.acquireTimeoutMs, or shorten the work done while holding a connection',
    )
    this.timeoutMs = timeoutMs
  }

  /** Whether `value` is a {@link PoolTimeoutError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<PoolTimeoutError>('POOL_TIMEOUT')
}
