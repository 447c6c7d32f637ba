// #region status-of
import {
  DeadlockError,
  ForeignKeyViolationError,
  InvalidCursorError,
  InvalidFilterError,
  InvalidPageError,
  InvalidSortError,
  LockTimeoutError,
  NotFoundError,
  PoolTimeoutError,
  UniqueViolationError,
  ValidationError,
} from 'kysely-toolkit'

/**
 * The HTTP status for an error from a repository call: the typed errors say what went wrong without parsing
 * messages. `is()` guards work across copies of the toolkit (ESM and CJS both loaded).
 */
export function statusOf(error: unknown): number {
  if (
    ValidationError.is(error) ||
    InvalidSortError.is(error) ||
    InvalidFilterError.is(error) ||
    InvalidCursorError.is(error) ||
    InvalidPageError.is(error)
  ) {
    return 400 // the client's input: the message says what is allowed
  }
  if (NotFoundError.is(error)) return 404
  if (UniqueViolationError.is(error)) return 409 // error.columns names the taken key, e.g. ['email']
  if (ForeignKeyViolationError.is(error)) return error.kind === 'missing-parent' ? 422 : 409
  if (DeadlockError.is(error) || LockTimeoutError.is(error) || PoolTimeoutError.is(error)) return 503 // retry later
  return 500
}
// #endregion status-of
