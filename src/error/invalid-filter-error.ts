import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/** What {@link InvalidFilterError} knows about the refused filter. */
export interface InvalidFilter {
  /** Why the filter was refused, e.g. `status cannot be filtered with "like"`. */
  readonly reason: string
  /** The offending field name as given (cut to 100 characters), when one field was at fault. */
  readonly field?: string | undefined
  /** The offending operator as given (cut to 100 characters), when one operator was at fault. */
  readonly operator?: string | undefined
  /** Every field that may be filtered, with the operators it accepts. */
  readonly allowed: Readonly<Record<string, readonly string[]>>
  /** The value's problems as the field's schema reported them, when the value was at fault. */
  readonly problems?: readonly string[] | undefined
}

/**
 * A filter from untrusted input (an HTTP query) was refused by `parseFilter`: an unknown field, an operator the
 * field does not accept, a value its schema rejects, or an `in` list that is empty or too long. Nothing was sent
 * to the database. Answer 400 with the message: it names the field and what it accepts.
 *
 * @example
 * ```ts
 * import { InvalidFilterError, parseFilter } from 'kysely-toolkit'
 * import { z } from 'zod'
 *
 * try {
 *   parseFilter({ status: { like: 'a%' } }, { allowed: { status: ['eq', 'in'] }, schemas: { status: z.string() } })
 * } catch (error) {
 *   if (InvalidFilterError.is(error)) console.error(error.field, error.operator, error.allowed)
 *   // status like { status: [ 'eq', 'in' ] }
 * }
 * ```
 */
export class InvalidFilterError extends ToolkitError implements InvalidFilter {
  override readonly name = 'InvalidFilterError' as const
  override readonly code = 'INVALID_FILTER' as const
  readonly reason: string
  readonly field: string | undefined
  readonly operator: string | undefined
  readonly allowed: Readonly<Record<string, readonly string[]>>
  readonly problems: readonly string[] | undefined

  constructor(filter: InvalidFilter, options: { cause?: unknown } = {}) {
    super('INVALID_FILTER', `Invalid filter: ${filter.reason}; ${describeAllowed(filter)}`, options)
    this.reason = filter.reason
    this.field = filter.field
    this.operator = filter.operator
    this.allowed = filter.allowed
    this.problems = filter.problems === undefined ? undefined : Object.freeze([...filter.problems])
  }

  /** Whether `value` is an {@link InvalidFilterError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<InvalidFilterError>('INVALID_FILTER')
}

function describeAllowed(filter: InvalidFilter): string {
  const known = filter.field !== undefined && Object.hasOwn(filter.allowed, filter.field)
  if (known) {
    return `${filter.field} accepts ${filter.allowed[filter.field!]!.join(', ')}`
  }
  const fields = Object.entries(filter.allowed).map(
    ([field, operators]) => `${field} (${operators.join(', ')})`,
  )
  return `allowed filters are ${fields.join(', ') || '(none)'}`
}
