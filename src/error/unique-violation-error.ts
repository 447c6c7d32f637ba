import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * What {@link UniqueViolationError} knows about the violated index.
 *
 * @example
 * ```ts
 * const { table, index, columns, value }: UniqueViolation = error // from a caught UniqueViolationError
 * ```
 */
export interface UniqueViolation {
  /** The table written to, when known (MySQL 8 names it; on MariaDB it comes from the statement). */
  readonly table: string | undefined
  /** The index name, e.g. `users_email_unique` or `PRIMARY`. */
  readonly index: string
  /** The index's columns in index order, when known (looked up once per index and cached). */
  readonly columns: readonly string[] | undefined
  /** The duplicate value as the server printed it (composite keys are joined with `-`; long values cut). */
  readonly value: string
}

/**
 * A row would duplicate the value of a unique index (MySQL error 1062, `ER_DUP_ENTRY`). The statement was not
 * applied; the transaction it ran in is still open. `cause` is the driver error.
 *
 * @example
 * ```ts
 * import { UniqueViolationError } from 'kysely-toolkit'
 *
 * try {
 *   await db.insertInto('users').values({ email: 'ada@example.com', first_name: 'Ada', last_name: 'L' }).execute()
 * } catch (error) {
 *   if (UniqueViolationError.is(error) && error.columns?.includes('email')) {
 *     // answer 409: "this email is already registered"
 *   }
 *   throw error
 * }
 * ```
 */
export class UniqueViolationError extends ToolkitError implements UniqueViolation {
  override readonly name = 'UniqueViolationError' as const
  override readonly code = 'UNIQUE_VIOLATION' as const
  readonly table: string | undefined
  readonly index: string
  readonly columns: readonly string[] | undefined
  readonly value: string

  constructor(violation: UniqueViolation, options: { cause?: unknown } = {}) {
    const on = violation.table === undefined ? '' : ` of ${violation.table}`
    const columns = violation.columns === undefined ? '' : ` (${violation.columns.join(', ')})`
    super(
      'UNIQUE_VIOLATION',
      `Duplicate value '${violation.value}' for unique index ${violation.index}${columns}${on}`,
      options,
    )
    this.table = violation.table
    this.index = violation.index
    this.columns = violation.columns === undefined ? undefined : Object.freeze([...violation.columns])
    this.value = violation.value
  }

  /** Whether `value` is a {@link UniqueViolationError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<UniqueViolationError>('UNIQUE_VIOLATION')
}
