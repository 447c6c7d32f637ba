import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/** One problem found in an options object. */
export interface OptionsProblem {
  /** The dotted path of the offending field, e.g. `pool.max`. */
  readonly path: string
  /** The full sentence, e.g. `pool.max must be a positive integer (got -1)`. */
  readonly message: string
}

/**
 * Options given to the toolkit (database options, a config file, plugin options) are invalid.
 * `problems` lists every problem, each naming the field, what was expected and what was given.
 *
 * @example
 * ```ts
 * import { InvalidOptionsError, createDatabase } from 'kysely-toolkit'
 *
 * try {
 *   createDatabase({ url: 'mysql://root@127.0.0.1/app', pool: { max: -1 } })
 * } catch (error) {
 *   if (InvalidOptionsError.is(error)) console.error(error.problems[0]?.message)
 *   // "pool.max must be a positive integer (got -1)"
 * }
 * ```
 */
export class InvalidOptionsError extends ToolkitError {
  override readonly name = 'InvalidOptionsError' as const
  override readonly code = 'INVALID_OPTIONS' as const
  /** Every problem found, in the order the fields were checked. */
  readonly problems: readonly OptionsProblem[]

  constructor(subject: string, problems: readonly OptionsProblem[], options: { cause?: unknown } = {}) {
    super(
      'INVALID_OPTIONS',
      `Invalid ${subject}: ${problems.map((problem) => problem.message).join('; ')}`,
      options,
    )
    this.problems = Object.freeze([...problems])
  }

  /** Whether `value` is an {@link InvalidOptionsError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<InvalidOptionsError>('INVALID_OPTIONS')
}
