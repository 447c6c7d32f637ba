import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A query uses an encrypted column in a way the database cannot evaluate on ciphertext (a comparison,
 * `LIKE`, `ORDER BY`, `GROUP BY`, a function), or writes a value the plugin cannot encrypt (an SQL expression,
 * a function). The query was not sent: without this error it would silently match nothing, sort by noise,
 * or write plaintext.
 *
 * Equality lookups work on columns with a blind index (`blindIndex` in the plugin's column options).
 *
 * @example
 * ```ts
 * import { UnsupportedEncryptedOperationError } from 'kysely-toolkit/encryption'
 *
 * try {
 *   await db.selectFrom('users').selectAll().orderBy('ssn').execute()
 * } catch (error) {
 *   if (UnsupportedEncryptedOperationError.is(error)) console.error(error.operation) // "ORDER BY"
 * }
 * ```
 */
export class UnsupportedEncryptedOperationError extends ToolkitError {
  override readonly name = 'UnsupportedEncryptedOperationError' as const
  override readonly code = 'UNSUPPORTED_ENCRYPTED_OPERATION' as const
  /** The table of the encrypted column. */
  readonly table: string
  /** The encrypted column. */
  readonly column: string
  /** What was attempted, e.g. `ORDER BY`, `comparison with 'like'`, `write of an SQL expression`. */
  readonly operation: string

  constructor(table: string, column: string, operation: string, hint: string) {
    super(
      'UNSUPPORTED_ENCRYPTED_OPERATION',
      `${table}.${column} is encrypted: ${operation} is not supported. ${hint}`,
    )
    this.table = table
    this.column = column
    this.operation = operation
  }

  /** Whether `value` is an {@link UnsupportedEncryptedOperationError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<UnsupportedEncryptedOperationError>('UNSUPPORTED_ENCRYPTED_OPERATION')
}
