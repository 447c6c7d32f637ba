import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A NOT NULL column was given `null` (MySQL error 1048) or left out while it has no default (1364, strict mode).
 * The statement was not applied. `cause` is the driver error.
 *
 * @example
 * ```ts
 * import { NotNullViolationError } from 'kysely-toolkit'
 *
 * try {
 *   await db.insertInto('users').values({ email: 'a@example.com', first_name: null as never, last_name: 'B' }).execute()
 * } catch (error) {
 *   if (NotNullViolationError.is(error)) console.error(`${error.column} is required`)
 * }
 * ```
 */
export class NotNullViolationError extends ToolkitError {
  override readonly name = 'NotNullViolationError' as const
  override readonly code = 'NOT_NULL_VIOLATION' as const
  /** The table written to, when known (from the statement). */
  readonly table: string | undefined
  /** The column that needs a value. */
  readonly column: string
  /** `true` when the column was left out (1364), `false` when `null` was given (1048). */
  readonly omitted: boolean

  constructor(
    violation: { readonly table: string | undefined; readonly column: string; readonly omitted: boolean },
    options: { cause?: unknown } = {},
  ) {
    const column = violation.table === undefined ? violation.column : `${violation.table}.${violation.column}`
    super(
      'NOT_NULL_VIOLATION',
      violation.omitted
        ? `Column ${column} needs a value: it is NOT NULL and has no default`
        : `Column ${column} cannot be null`,
      options,
    )
    this.table = violation.table
    this.column = violation.column
    this.omitted = violation.omitted
  }

  /** Whether `value` is a {@link NotNullViolationError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<NotNullViolationError>('NOT_NULL_VIOLATION')
}
