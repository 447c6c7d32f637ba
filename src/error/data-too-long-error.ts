import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A value is longer than its column allows (MySQL error 1406, strict mode). The statement was not applied.
 * `cause` is the driver error.
 *
 * @example
 * ```ts
 * import { DataTooLongError } from 'kysely-toolkit'
 *
 * try {
 *   await db.updateTable('users').set({ first_name: 'x'.repeat(500) }).where('id', '=', 1).execute()
 * } catch (error) {
 *   if (DataTooLongError.is(error)) console.error(`${error.column} is too long`)
 * }
 * ```
 */
export class DataTooLongError extends ToolkitError {
  override readonly name = 'DataTooLongError' as const
  override readonly code = 'DATA_TOO_LONG' as const
  /** The table written to, when known (from the statement). */
  readonly table: string | undefined
  /** The column whose value is too long. */
  readonly column: string
  /** The 1-based row of the statement that held the value. */
  readonly row: number | undefined

  constructor(
    problem: {
      readonly table: string | undefined
      readonly column: string
      readonly row: number | undefined
    },
    options: { cause?: unknown } = {},
  ) {
    const column = problem.table === undefined ? problem.column : `${problem.table}.${problem.column}`
    const row = problem.row === undefined ? '' : ` (row ${problem.row})`
    super('DATA_TOO_LONG', `Value too long for column ${column}${row}`, options)
    this.table = problem.table
    this.column = problem.column
    this.row = problem.row
  }

  /** Whether `value` is a {@link DataTooLongError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<DataTooLongError>('DATA_TOO_LONG')
}
