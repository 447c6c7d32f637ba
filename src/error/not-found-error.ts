import { inspect } from 'node:util'
import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A method that promises a row found none (e.g. a repository's `findByIdOrThrow`, or a debit of an account
 * that does not exist).
 *
 * @example
 * ```ts
 * import { NotFoundError } from 'kysely-toolkit'
 *
 * const account = await trx.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst()
 * if (account === undefined) throw new NotFoundError('accounts', { id })
 * ```
 */
export class NotFoundError extends ToolkitError {
  override readonly name = 'NotFoundError' as const
  override readonly code = 'NOT_FOUND' as const
  /** The table searched. */
  readonly table: string
  /** What was looked for: a primary key value or an object of column values. */
  readonly key: unknown

  constructor(table: string, key: unknown, options: { cause?: unknown } = {}) {
    super('NOT_FOUND', `No ${table} row found for ${describeKey(key)}`, options)
    this.table = table
    this.key = key
  }

  /** Whether `value` is a {@link NotFoundError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<NotFoundError>('NOT_FOUND')
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key)
  if (typeof key === 'number' || typeof key === 'bigint') return String(key)
  return inspect(key, { depth: 2, breakLength: Number.POSITIVE_INFINITY, maxStringLength: 80 })
}
