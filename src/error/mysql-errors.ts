import { DataTooLongError } from './data-too-long-error.js'
import { DeadlockError } from './deadlock-error.js'
import { ForeignKeyViolationError, type ForeignKeyViolationKind } from './foreign-key-violation-error.js'
import { LockTimeoutError } from './lock-timeout-error.js'
import { NotNullViolationError } from './not-null-violation-error.js'
import { ToolkitError } from './toolkit-error.js'
import { UniqueViolationError } from './unique-violation-error.js'

/**
 * The fields of an error answered by a MySQL or MariaDB server, as mysql2 gives them. Described structurally so
 * the check works whatever copy of mysql2 made the error.
 *
 * @example
 * ```ts
 * if (isMysqlServerError(error)) console.error(`${error.code} (${error.errno}, ${error.sqlState}): ${error.sqlMessage}`)
 * ```
 */
export interface MysqlServerError extends Error {
  /** The server's error number, e.g. `1062`. */
  readonly errno: number
  /** The symbolic name, e.g. `ER_DUP_ENTRY`. */
  readonly code: string
  /** The SQLSTATE, e.g. `23000`. */
  readonly sqlState: string
  /** The server's message, e.g. `Duplicate entry 'a@b.c' for key 'email'`. */
  readonly sqlMessage: string
  /** The statement, when mysql2 attached it. */
  readonly sql?: string
}

/**
 * Server error numbers the toolkit recognises.
 *
 * @example
 * ```ts
 * import { MYSQL_ERRORS, isMysqlServerError } from 'kysely-toolkit'
 *
 * if (isMysqlServerError(error) && error.errno === MYSQL_ERRORS.LOCK_DEADLOCK) {
 *   // retry
 * }
 * ```
 */
export const MYSQL_ERRORS = Object.freeze({
  DUP_ENTRY: 1062,
  ROW_IS_REFERENCED: 1217,
  ROW_IS_REFERENCED_2: 1451,
  NO_REFERENCED_ROW: 1216,
  NO_REFERENCED_ROW_2: 1452,
  BAD_NULL_ERROR: 1048,
  NO_DEFAULT_FOR_FIELD: 1364,
  DATA_TOO_LONG: 1406,
  LOCK_DEADLOCK: 1213,
  LOCK_WAIT_TIMEOUT: 1205,
  /** MariaDB 11.6+ with `innodb_snapshot_isolation`: a row changed after this transaction's snapshot. */
  CHECKREAD: 1020,
  SERVER_SHUTDOWN: 1053,
  /** MariaDB: the connection was killed (`KILL`) while a statement ran. */
  CONNECTION_KILLED: 1927,
  /** MySQL 8: the server closed an idle connection (`wait_timeout`). */
  CLIENT_INTERACTION_TIMEOUT: 4031,
  SERVER_GONE: 2006,
  SERVER_LOST: 2013,
} as const)

/** Network error codes that mean the connection is gone. */
const CONNECTION_LOST_CODES: ReadonlySet<string> = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ENOTCONN',
])

/** Server error numbers sent just before the server closes the connection. */
const CONNECTION_LOST_ERRNOS: ReadonlySet<number> = new Set([
  MYSQL_ERRORS.SERVER_SHUTDOWN,
  MYSQL_ERRORS.CONNECTION_KILLED,
  MYSQL_ERRORS.CLIENT_INTERACTION_TIMEOUT,
  MYSQL_ERRORS.SERVER_GONE,
  MYSQL_ERRORS.SERVER_LOST,
])

/**
 * Whether `value` is an error answered by a MySQL or MariaDB server (it has `errno`, `code`, `sqlState` and
 * `sqlMessage`), as mysql2 makes them.
 *
 * @example
 * ```ts
 * import { isMysqlServerError } from 'kysely-toolkit'
 *
 * if (isMysqlServerError(error)) console.error(error.errno, error.sqlMessage)
 * ```
 */
export function isMysqlServerError(value: unknown): value is MysqlServerError {
  if (!(value instanceof Error)) return false
  const fields = value as Partial<Record<keyof MysqlServerError, unknown>>
  return (
    typeof fields.errno === 'number' &&
    typeof fields.code === 'string' &&
    typeof fields.sqlState === 'string' &&
    typeof fields.sqlMessage === 'string'
  )
}

/**
 * The server error number of `error`, looking through `cause` (so a toolkit error made from a driver error
 * answers too); `undefined` for errors that did not come from a server.
 *
 * @example
 * ```ts
 * import { mysqlErrnoOf } from 'kysely-toolkit'
 *
 * if (mysqlErrnoOf(error) === 1062) console.error('duplicate')
 * ```
 */
export function mysqlErrnoOf(error: unknown): number | undefined {
  let current = error
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    if (isMysqlServerError(current)) return current.errno
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * Whether `error` means the connection to the server is gone: a network failure, a connection mysql2 has closed
 * after a fatal error, or a server error sent just before it closed the connection (`KILL`, shutdown, idle
 * timeout). Looks through `cause`. The server rolls back the open transaction of a lost connection.
 *
 * @example
 * ```ts
 * import { isConnectionLostError } from 'kysely-toolkit'
 *
 * if (isConnectionLostError(error)) {
 *   // the pool drops the connection; the next query opens a new one
 * }
 * ```
 */
export function isConnectionLostError(error: unknown): boolean {
  let current = error
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const fields = current as { errno?: unknown; code?: unknown; fatal?: unknown; cause?: unknown }
    if (typeof fields.errno === 'number' && CONNECTION_LOST_ERRNOS.has(fields.errno)) return true
    if (typeof fields.code === 'string' && CONNECTION_LOST_CODES.has(fields.code)) return true
    // mysql2 marks network and protocol failures (and commands refused on a closed connection) as fatal; a
    // fatal error with a server errno is a refused handshake (bad password...), which is not a lost connection.
    if (fields.fatal === true && typeof fields.errno !== 'number') return true
    current = fields.cause
  }
  return false
}

/**
 * What {@link translateMysqlError} may use besides the error.
 *
 * @example
 * ```ts
 * const context: MysqlErrorContext = {
 *   uniqueIndexColumns: (table, index) => (table === 'users' && index === 'email' ? ['email'] : undefined),
 * }
 * translateMysqlError(error, context)
 * ```
 */
export interface MysqlErrorContext {
  /**
   * The failing statement. It names the table when the server's message does not (MariaDB's duplicate-key and
   * not-null messages). Defaults to the `sql` mysql2 attached to the error.
   */
  readonly sql?: string | undefined
  /**
   * The columns of a unique index, from codegen metadata or a lookup; `table` is `undefined` when it could not be
   * told. Return `undefined` when unknown: the error's `columns` is then `undefined`.
   */
  readonly uniqueIndexColumns?:
    | ((table: string | undefined, index: string) => readonly string[] | undefined)
    | undefined
}

/**
 * Turns a known MySQL/MariaDB server error into a typed toolkit error that keeps the driver error as `cause`;
 * returns anything else unchanged (including errors already translated):
 *
 * | errno | becomes |
 * | --- | --- |
 * | 1062 | {@link UniqueViolationError} (table when knowable, index, columns when given, duplicate value) |
 * | 1451, 1452, 1216, 1217 | {@link ForeignKeyViolationError} (constraint, tables and columns parsed from the message) |
 * | 1048, 1364 | {@link NotNullViolationError} (column) |
 * | 1406 | {@link DataTooLongError} (column) |
 * | 1213 | {@link DeadlockError} |
 * | 1205 | {@link LockTimeoutError} |
 *
 * Databases made by `createDatabase` do this for every query already (and look up the columns of a violated
 * unique index); call it yourself for errors from other pools.
 *
 * @example
 * ```ts
 * import { translateMysqlError, UniqueViolationError } from 'kysely-toolkit'
 *
 * try {
 *   await connection.query('insert into users (email) values (?)', ['ada@example.com'])
 * } catch (error) {
 *   const typed = translateMysqlError(error)
 *   if (UniqueViolationError.is(typed)) console.error(typed.index, typed.value)
 *   throw typed
 * }
 * ```
 */
export function translateMysqlError(error: unknown, context: MysqlErrorContext = {}): unknown {
  if (!isMysqlServerError(error) || ToolkitError.is(error)) return error
  const cause = { cause: error }
  const message = error.sqlMessage
  switch (error.errno) {
    case MYSQL_ERRORS.DUP_ENTRY: {
      const entry = parseDuplicateEntry(message, context.sql ?? error.sql)
      if (entry === undefined) return error
      const columns = context.uniqueIndexColumns?.(entry.table, entry.index)
      return new UniqueViolationError({ ...entry, columns }, cause)
    }
    case MYSQL_ERRORS.NO_REFERENCED_ROW_2:
    case MYSQL_ERRORS.NO_REFERENCED_ROW:
      return new ForeignKeyViolationError(parseForeignKey('missing-parent', message), cause)
    case MYSQL_ERRORS.ROW_IS_REFERENCED_2:
    case MYSQL_ERRORS.ROW_IS_REFERENCED:
      return new ForeignKeyViolationError(parseForeignKey('parent-referenced', message), cause)
    case MYSQL_ERRORS.BAD_NULL_ERROR:
    case MYSQL_ERRORS.NO_DEFAULT_FOR_FIELD: {
      const column = /^(?:Column|Field) '(.+)' (?:cannot be null|doesn't have a default value)$/s.exec(
        message,
      )?.[1]
      if (column === undefined) return error
      const table = targetTableOf(context.sql ?? error.sql)
      return new NotNullViolationError(
        { table, column, omitted: error.errno === MYSQL_ERRORS.NO_DEFAULT_FOR_FIELD },
        cause,
      )
    }
    case MYSQL_ERRORS.DATA_TOO_LONG: {
      const match = /^Data too long for column '(.+)' at row (\d+)$/s.exec(message)
      if (match === null) return error
      const table = targetTableOf(context.sql ?? error.sql)
      return new DataTooLongError({ table, column: match[1]!, row: Number(match[2]) }, cause)
    }
    case MYSQL_ERRORS.LOCK_DEADLOCK:
      return new DeadlockError(cause)
    case MYSQL_ERRORS.LOCK_WAIT_TIMEOUT:
      return new LockTimeoutError(cause)
    default:
      return error
  }
}

/** The parts of a duplicate-key message: MySQL 8 says `for key 'users.users_email_unique'`, MariaDB `for key 'email'`. */
export interface DuplicateEntry {
  readonly table: string | undefined
  readonly index: string
  readonly value: string
}

/**
 * Parses `Duplicate entry '<value>' for key '<index>'`; the table comes from the message (MySQL 8) or the
 * statement (MariaDB).
 *
 * @internal
 */
export function parseDuplicateEntry(message: string, sql: string | undefined): DuplicateEntry | undefined {
  const match = /^Duplicate entry '(.*)' for key '(.+)'$/s.exec(message)
  if (match === null) return undefined
  const value = match[1]!
  const key = match[2]!
  const statementTable = targetTableOf(sql)
  const dot = key.indexOf('.')
  // MySQL 8.0.19+ prefixes the table; an index name may itself hold a dot, so trust the prefix only when it
  // matches the statement's table or the statement's table is unknown.
  if (dot > 0 && (statementTable === undefined || key.slice(0, dot) === statementTable)) {
    return { table: key.slice(0, dot), index: key.slice(dot + 1), value }
  }
  return { table: statementTable, index: key, value }
}

const QUOTED = '`((?:[^`]|``)+)`'
const COLUMN_LIST = '\\(((?:`(?:[^`]|``)+`(?:,\\s*)?)+)\\)'
const FOREIGN_KEY_DETAIL = new RegExp(
  `\\(${QUOTED}\\.${QUOTED}, CONSTRAINT ${QUOTED} FOREIGN KEY ${COLUMN_LIST} REFERENCES ${QUOTED} ${COLUMN_LIST}`,
  's',
)

function parseForeignKey(
  kind: ForeignKeyViolationKind,
  message: string,
): ConstructorParameters<typeof ForeignKeyViolationError>[0] {
  const match = FOREIGN_KEY_DETAIL.exec(message)
  if (match === null) {
    return {
      kind,
      constraint: undefined,
      table: undefined,
      columns: undefined,
      referencedTable: undefined,
      referencedColumns: undefined,
    }
  }
  return {
    kind,
    table: unquote(match[2]!),
    constraint: unquote(match[3]!),
    columns: splitColumns(match[4]!),
    referencedTable: unquote(match[5]!),
    referencedColumns: splitColumns(match[6]!),
  }
}

function splitColumns(list: string): string[] {
  return [...list.matchAll(/`((?:[^`]|``)+)`/g)].map((column) => unquote(column[1]!))
}

function unquote(identifier: string): string {
  return identifier.replaceAll('``', '`')
}

const IDENTIFIER = '(?:`((?:[^`]|``)+)`|([A-Za-z0-9_$]+))'
const TARGET_TABLE = new RegExp(
  '^\\s*(?:insert|replace)\\s+(?:(?:low_priority|delayed|high_priority|ignore)\\s+)*(?:into\\s+)?' +
    `${IDENTIFIER}(?:\\s*\\.\\s*${IDENTIFIER})?` +
    `|^\\s*update\\s+(?:(?:low_priority|ignore)\\s+)*${IDENTIFIER}(?:\\s*\\.\\s*${IDENTIFIER})?`,
  'i',
)

/**
 * The table an INSERT, REPLACE or UPDATE statement writes to (the first one of a multi-table UPDATE), without its
 * schema; `undefined` for other statements.
 *
 * @internal
 */
export function targetTableOf(sql: string | undefined): string | undefined {
  if (sql === undefined) return undefined
  const match = TARGET_TABLE.exec(sql)
  if (match === null) return undefined
  // Groups: insert first (quoted, bare), insert second, update first, update second.
  const insertFirst = match[1] ?? match[2]
  const insertSecond = match[3] ?? match[4]
  const updateFirst = match[5] ?? match[6]
  const updateSecond = match[7] ?? match[8]
  const name = insertSecond ?? insertFirst ?? updateSecond ?? updateFirst
  return name === undefined ? undefined : unquote(name)
}
