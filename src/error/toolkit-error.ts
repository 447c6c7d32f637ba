/**
 * Every error code the toolkit throws. Each code belongs to exactly one error class.
 */
export const TOOLKIT_ERROR_CODES = [
  'INVALID_OPTIONS',
  'POOL_TIMEOUT',
  'DATABASE_CLOSED',
  'UNSAFE_PARAMETER',
  'MIGRATION_FAILED',
  'NO_TEST_SERVER',
  'SERVER_START_FAILED',
  'REPLICA_SYNC_TIMEOUT',
  'DECRYPTION_FAILED',
  'UNSUPPORTED_ENCRYPTED_OPERATION',
  'ENCRYPTION_SETUP_INVALID',
  'DATABASE_UNREACHABLE',
  'UNIQUE_VIOLATION',
  'FOREIGN_KEY_VIOLATION',
  'NOT_NULL_VIOLATION',
  'DATA_TOO_LONG',
  'DEADLOCK',
  'LOCK_TIMEOUT',
  'NOT_FOUND',
  'TRANSACTION_RETRIES_EXHAUSTED',
  'COMMIT_OUTCOME_UNKNOWN',
  'TRANSACTION_TIMEOUT',
  'TRANSACTION_ABORTED',
  'BACKUP_FAILED',
  'ARCHIVE_CORRUPT',
  'RESTORE_FAILED',
  'RESTORE_TARGET_EXISTS',
  'CROSS_DATABASE_STATEMENT',
  'INVALID_SORT',
  'INVALID_FILTER',
  'INVALID_CURSOR',
  'INVALID_PAGE',
  'VALIDATION_FAILED',
  'DATABASE_UNREACHABLE',
] as const

/** A code from {@link TOOLKIT_ERROR_CODES}. */
export type ToolkitErrorCode = (typeof TOOLKIT_ERROR_CODES)[number]

const TOOLKIT_ERROR_BRAND = Symbol.for('kysely-toolkit.error')

/** Options shared by every toolkit error. */
export interface ToolkitErrorOptions {
  /** The error this one was raised for (a driver error, a zod error, ...). */
  readonly cause?: unknown
}

/**
 * The base class of every error the toolkit throws.
 *
 * Check with {@link ToolkitError.is} (or a subclass's `is`) rather than `instanceof`: the guard also works when
 * both the ESM and the CJS build of the toolkit are loaded in one process.
 *
 * @example
 * ```ts
 * import { ToolkitError } from 'kysely-toolkit'
 *
 * try {
 *   await db.selectFrom('users').selectAll().execute()
 * } catch (error) {
 *   if (ToolkitError.is(error) && error.code === 'POOL_TIMEOUT') {
 *     // the pool was exhausted: shed load
 *   }
 *   throw error
 * }
 * ```
 */
export class ToolkitError extends Error {
  override readonly name: string = 'ToolkitError'
  /** A stable, machine-readable code. */
  readonly code: ToolkitErrorCode

  constructor(code: ToolkitErrorCode, message: string, options: ToolkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    Object.defineProperty(this, TOOLKIT_ERROR_BRAND, { value: true })
  }

  /**
   * Whether `value` is an error thrown by the toolkit (from any loaded copy of it).
   *
   * @example
   * ```ts
   * if (ToolkitError.is(error)) console.error(error.code)
   * ```
   */
  static is(value: unknown): value is ToolkitError {
    return typeof value === 'object' && value !== null && TOOLKIT_ERROR_BRAND in value
  }
}

/**
 * Makes a static `is()` guard for a subclass: true for a toolkit error with that code (from any loaded copy).
 *
 * @internal
 */
export function createErrorGuard<E extends ToolkitError>(code: E['code']): (value: unknown) => value is E {
  return (value: unknown): value is E => ToolkitError.is(value) && value.code === code
}
