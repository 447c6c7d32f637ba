import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/** One problem in the input of a write. */
export interface ValidationIssue {
  /** Where the problem is, e.g. `['email']` or `[2, 'email']` for the third row of a batch. */
  readonly path: readonly (string | number)[]
  /** What is wrong, e.g. `must be at most 255 characters`. */
  readonly message: string
}

/**
 * The input of a repository write (`create`, `createMany`, `update`, `upsert`...) failed validation against the
 * table's generated zod schema and the refinements given to the repository. `issues` lists every problem with
 * its path. Nothing was sent to the database. Values are never echoed in the message.
 *
 * @example
 * ```ts
 * import { ValidationError } from 'kysely-toolkit'
 *
 * try {
 *   await users.create({ email: 'not-an-email', first_name: '', last_name: 'Lovelace' })
 * } catch (error) {
 *   if (ValidationError.is(error)) console.error(error.issues)
 *   // [ { path: ['email'], message: 'must be an email address' }, ... ]
 * }
 * ```
 */
export class ValidationError extends ToolkitError {
  override readonly name = 'ValidationError' as const
  override readonly code = 'VALIDATION_FAILED' as const
  /** The table written to. */
  readonly table: string
  /** Every problem found. */
  readonly issues: readonly ValidationIssue[]

  constructor(table: string, issues: readonly ValidationIssue[], options: { cause?: unknown } = {}) {
    super(
      'VALIDATION_FAILED',
      `Invalid ${table} input: ${issues.map((issue) => `${issue.path.join('.') || '(row)'} ${issue.message}`).join('; ')}`,
      options,
    )
    this.table = table
    this.issues = Object.freeze(
      issues.map((issue) => Object.freeze({ ...issue, path: Object.freeze([...issue.path]) })),
    )
  }

  /** Whether `value` is a {@link ValidationError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<ValidationError>('VALIDATION_FAILED')
}
