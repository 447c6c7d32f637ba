/** What is logged and counted about a failed query: never the driver error itself (mysql2 errors carry `sql`
 * with the parameters formatted in). @internal */
export interface ErrorDetails {
  /** The driver's code (`ER_DUP_ENTRY`), a toolkit code (`POOL_TIMEOUT`), else the errno, else the error's name. */
  readonly code: string
  readonly errno?: number
  readonly sqlState?: string
  readonly message: string
}

interface ErrorLike {
  readonly code?: unknown
  readonly errno?: unknown
  readonly sqlState?: unknown
  readonly sqlMessage?: unknown
  readonly message?: unknown
  readonly name?: unknown
}

const MAX_MESSAGE_LENGTH = 1_000

/**
 * The code a failure is counted under: a string `code` (mysql2's `ER_*`, Node's `ECONNREFUSED`, a toolkit
 * code), else the numeric `errno`, else the error's `name`, else `UNKNOWN`.
 *
 * @internal
 */
export function errorCodeOf(thrown: unknown): string {
  const error = driverErrorOf(thrown)
  if (typeof error !== 'object' || error === null) return 'UNKNOWN'
  const like = error as ErrorLike
  if (typeof like.code === 'string' && like.code.length > 0) return like.code
  if (typeof like.errno === 'number') return String(like.errno)
  if (typeof like.name === 'string' && like.name.length > 0) return like.name
  return 'UNKNOWN'
}

/**
 * The driver error behind a toolkit error that translated it (createDatabase's pool turns ER_DUP_ENTRY into a
 * `UniqueViolationError` with the driver error as `cause`), so that logs and metrics name the same driver code
 * whether or not the query ran on a toolkit pool; else the error itself.
 */
function driverErrorOf(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error
  const cause = (error as { cause?: unknown }).cause
  if (typeof cause === 'object' && cause !== null && typeof (cause as ErrorLike).errno === 'number')
    return cause
  return error
}

/** @internal */
export function describeError(thrown: unknown): ErrorDetails {
  const error = driverErrorOf(thrown)
  const code = errorCodeOf(error)
  if (typeof error !== 'object' || error === null) {
    return { code, message: truncate(String(error)) }
  }
  const like = error as ErrorLike
  const message =
    typeof like.sqlMessage === 'string'
      ? like.sqlMessage
      : typeof like.message === 'string'
        ? like.message
        : String(error)
  return {
    code,
    ...(typeof like.errno === 'number' ? { errno: like.errno } : {}),
    ...(typeof like.sqlState === 'string' ? { sqlState: like.sqlState } : {}),
    message: truncate(message),
  }
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text
}
