import type { QueryKind } from '../query-info/query-kind.js'

/**
 * Why a query failed, as logged (never the driver error itself: mysql2 errors carry the SQL with values in).
 *
 * @example
 * ```ts
 * const error: QueryLogError = { code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000', message: "Duplicate entry '[REDACTED]' for key 'users.email'" }
 * ```
 */
export interface QueryLogError {
  /** The driver's code (`ER_DUP_ENTRY`), a toolkit code (`POOL_TIMEOUT`), else the errno, else the error name. */
  readonly code: string
  /** MySQL's error number, e.g. 1062. */
  readonly errno?: number
  /** The SQLSTATE, e.g. `23000`. */
  readonly sqlState?: string
  /** The server's message, with sensitive values replaced by `[REDACTED]`. */
  readonly message: string
}

/**
 * One executed query, as written to the logger. Holds no field named `level`, `msg` or `time`, so loggers that
 * merge the object into their own record (pino, bunyan) keep theirs.
 *
 * @example
 * ```ts
 * import type { QueryLogEvent } from 'kysely-toolkit'
 *
 * const event: QueryLogEvent = {
 *   kind: 'update',
 *   table: 'users',
 *   sql: 'update `users` set `password_hash` = ? where `id` = ?',
 *   parameters: ['[REDACTED]', 42],
 *   durationMs: 0.912,
 *   rowCount: 0,
 *   affectedRows: 1,
 * }
 * ```
 */
export interface QueryLogEvent {
  readonly kind: QueryKind
  /** The main table; absent for raw SQL and queries without one. */
  readonly table?: string
  /** The SQL with whitespace collapsed and sensitive inline literals redacted, cut at `maxSqlLength`. */
  readonly sql: string
  /**
   * The bound values, sensitive ones as `[REDACTED]`, in JSON-safe form: bigints and dates as strings, buffers
   * as `[Buffer: n bytes]`, long strings cut. Absent when `logParameters` is off.
   */
  readonly parameters?: readonly unknown[]
  /** Time from sending the query to its result (or error), in milliseconds, to the microsecond. */
  readonly durationMs: number
  /** Rows returned; present when the logger's plugin is installed and the query succeeded (not for streams). */
  readonly rowCount?: number
  /** Rows changed by an insert, update or delete, when the driver reports it and the plugin is installed. */
  readonly affectedRows?: number
  /** Set when the query took at least `slowQueryMs`. */
  readonly slow?: true
  /** Set for a query run with `.stream()`. */
  readonly stream?: true
  /** Set when the query failed. */
  readonly error?: QueryLogError
}
