import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A page number, page size or limit from untrusted input is not a whole number in range (`page` from 1,
 * `pageSize` and `limit` from 1 to the repository's maximum). Nothing was sent to the database.
 *
 * @example
 * ```ts
 * import { InvalidPageError } from 'kysely-toolkit'
 *
 * try {
 *   await users.page({ page: request.query.page, pageSize: request.query.pageSize })
 * } catch (error) {
 *   if (InvalidPageError.is(error)) console.error(error.field, error.max) // 'pageSize' 100
 * }
 * ```
 */
export class InvalidPageError extends ToolkitError {
  override readonly name = 'InvalidPageError' as const
  override readonly code = 'INVALID_PAGE' as const
  /** The offending parameter: `page`, `pageSize`, `limit` or `offset`. */
  readonly field: string
  /** The largest value accepted, when there is one. */
  readonly max: number | undefined

  constructor(field: string, got: string, max: number | undefined) {
    const range = max === undefined ? `from ${field === 'offset' ? 0 : 1}` : `from 1 to ${max}`
    super('INVALID_PAGE', `Invalid ${field}: must be a whole number ${range} (got ${got})`)
    this.field = field
    this.max = max
  }

  /** Whether `value` is an {@link InvalidPageError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<InvalidPageError>('INVALID_PAGE')
}
