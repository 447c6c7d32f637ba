import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * The database could not be reached or refused the connection (server down, wrong host or port, bad credentials,
 * unknown database). Nothing was read or written. Thrown by commands that need a connection before doing work,
 * such as `kysely-toolkit codegen`.
 *
 * @example
 * ```ts
 * import { DatabaseUnreachableError } from 'kysely-toolkit'
 * import { runCodegen } from 'kysely-toolkit/codegen'
 *
 * try {
 *   await runCodegen({ database: { url: process.env.DATABASE_URL! } })
 * } catch (error) {
 *   if (DatabaseUnreachableError.is(error)) console.error(error.message) // names the server, never the password
 * }
 * ```
 */
export class DatabaseUnreachableError extends ToolkitError {
  override readonly name = 'DatabaseUnreachableError' as const
  override readonly code = 'DATABASE_UNREACHABLE' as const
  /** The server and database tried, as `user@host:port/database` (no password). */
  readonly target: string
  /** The driver's error code, e.g. `ECONNREFUSED`, `ER_ACCESS_DENIED_ERROR`, `ER_BAD_DB_ERROR`. */
  readonly reason: string

  constructor(target: string, reason: string, detail: string) {
    super('DATABASE_UNREACHABLE', `Cannot connect to the database ${target}: ${reason} (${detail})`)
    this.target = target
    this.reason = reason
  }

  /** Whether `value` is a {@link DatabaseUnreachableError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<DatabaseUnreachableError>('DATABASE_UNREACHABLE')
}
