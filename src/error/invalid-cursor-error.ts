import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * Why a cursor was refused:
 * - `malformed`: not a cursor this toolkit made (bad encoding, wrong version, wrong shape);
 * - `forged`: its signature does not match (it was altered, or signed with another secret);
 * - `stale`: it was made for another sort (or another table) than the one requested.
 */
export type InvalidCursorReason = 'malformed' | 'forged' | 'stale'

/**
 * A keyset-pagination cursor given back by a client was refused. Cursors are signed (HMAC-SHA256), so a cursor
 * that was altered, forged, or made for another sort is caught before any SQL is built. Answer 400 and let the
 * client restart from the first page.
 *
 * @example
 * ```ts
 * import { InvalidCursorError } from 'kysely-toolkit'
 *
 * try {
 *   await users.paginate({ sort: '-created_at', after: request.query.after, limit: 20 })
 * } catch (error) {
 *   if (InvalidCursorError.is(error)) {
 *     // error.reason is 'malformed', 'forged' or 'stale'
 *   }
 * }
 * ```
 */
export class InvalidCursorError extends ToolkitError {
  override readonly name = 'InvalidCursorError' as const
  override readonly code = 'INVALID_CURSOR' as const
  /** Why the cursor was refused. */
  readonly reason: InvalidCursorReason

  constructor(reason: InvalidCursorReason, detail: string, options: { cause?: unknown } = {}) {
    super('INVALID_CURSOR', `Invalid cursor (${reason}): ${detail}; start again from the first page`, options)
    this.reason = reason
  }

  /** Whether `value` is an {@link InvalidCursorError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<InvalidCursorError>('INVALID_CURSOR')
}
