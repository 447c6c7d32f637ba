import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/** What {@link InvalidSortError} knows about the refused sort. */
export interface InvalidSort {
  /** Why the sort was refused, e.g. `cannot sort by "password"`. */
  readonly reason: string
  /** The public field names that may be sorted by. */
  readonly allowed: readonly string[]
  /** The offending field name as given (cut to 100 characters), when one field was at fault. */
  readonly field?: string | undefined
}

/**
 * A sort from untrusted input (an HTTP query) was refused by `parseSort`: an unknown field, a direction other
 * than `asc`/`desc`, a field given twice, too many keys, or a value of the wrong shape. Nothing was sent to the
 * database. Answer 400 with the message: it lists the fields that may be sorted by.
 *
 * @example
 * ```ts
 * import { InvalidSortError, parseSort } from 'kysely-toolkit'
 *
 * try {
 *   parseSort('-password', { allowed: ['email', 'created_at'], primaryKey: 'id' })
 * } catch (error) {
 *   if (InvalidSortError.is(error)) console.error(error.message, error.allowed)
 *   // Invalid sort: cannot sort by "password"; allowed fields are email, created_at  [ 'email', 'created_at' ]
 * }
 * ```
 */
export class InvalidSortError extends ToolkitError implements InvalidSort {
  override readonly name = 'InvalidSortError' as const
  override readonly code = 'INVALID_SORT' as const
  readonly reason: string
  readonly allowed: readonly string[]
  readonly field: string | undefined

  constructor(sort: InvalidSort, options: { cause?: unknown } = {}) {
    super(
      'INVALID_SORT',
      `Invalid sort: ${sort.reason}; allowed fields are ${sort.allowed.join(', ') || '(none)'}`,
      options,
    )
    this.reason = sort.reason
    this.allowed = Object.freeze([...sort.allowed])
    this.field = sort.field
  }

  /** Whether `value` is an {@link InvalidSortError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<InvalidSortError>('INVALID_SORT')
}
