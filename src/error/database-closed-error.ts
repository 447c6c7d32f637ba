import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A query was started after `close()` began: the database no longer accepts new work.
 * Queries already running when `close()` was called are allowed to finish.
 *
 * @example
 * ```ts
 * import { DatabaseClosedError } from 'kysely-toolkit'
 *
 * await database.close()
 * await database.db.selectFrom('users').selectAll().execute().catch((error) => {
 *   console.log(DatabaseClosedError.is(error)) // true
 * })
 * ```
 */
export class DatabaseClosedError extends ToolkitError {
  override readonly name = 'DatabaseClosedError' as const
  override readonly code = 'DATABASE_CLOSED' as const

  constructor() {
    super('DATABASE_CLOSED', 'The database is closed (or closing) and accepts no new queries')
  }

  /** Whether `value` is a {@link DatabaseClosedError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<DatabaseClosedError>('DATABASE_CLOSED')
}
