import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A value bound to a query is not a scalar. mysql2's client-side formatting would expand a plain object into
 * `key = value` pairs and an array into a list, changing the shape of the SQL (the mysqljs object-injection
 * class of bug, where `{ password: true }` matches every row). The query was not sent.
 *
 * Bind strings, numbers, bigints, booleans, `null`, `Date`s or `Buffer`s/`Uint8Array`s; serialize JSON yourself
 * with `JSON.stringify`.
 *
 * @example
 * ```ts
 * import { UnsafeParameterError } from 'kysely-toolkit'
 *
 * const password: unknown = JSON.parse('{"password": true}').password // untrusted input
 * await db.selectFrom('users').selectAll().where('email', '=', { $ne: 1 } as never).execute()
 * // throws UnsafeParameterError: Parameter 1 is an object ...
 * ```
 */
export class UnsafeParameterError extends ToolkitError {
  override readonly name = 'UnsafeParameterError' as const
  override readonly code = 'UNSAFE_PARAMETER' as const
  /** The 1-based position of the parameter in the query. */
  readonly position: number
  /** What was bound: `object`, `array`, `function`, `symbol` or `undefined`. */
  readonly kind: string

  constructor(position: number, kind: string) {
    super(
      'UNSAFE_PARAMETER',
      `Parameter ${position} is ${kind === 'array' || kind === 'object' ? 'an' : 'a'} ${kind}, ` +
        'not a scalar (string, number, bigint, boolean, null, Date or Buffer); the query was not sent. ' +
        'Serialize JSON values with JSON.stringify.',
    )
    this.position = position
    this.kind = kind
  }

  /** Whether `value` is an {@link UnsafeParameterError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<UnsafeParameterError>('UNSAFE_PARAMETER')
}
