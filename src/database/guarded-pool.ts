import type { MysqlPool, MysqlPoolConnection } from 'kysely'
import type { Pool as Mysql2Pool, PoolConnection as Mysql2PoolConnection, TypeCast } from 'mysql2'
import { isRefusedOnClosedConnection, markCommitNotSent } from '../error/commit-not-sent.js'
import { DatabaseClosedError } from '../error/database-closed-error.js'
import { DeadlockError } from '../error/deadlock-error.js'
import {
  isConnectionLostError,
  isMysqlServerError,
  MYSQL_ERRORS,
  parseDuplicateEntry,
  translateMysqlError,
} from '../error/mysql-errors.js'
import { PoolTimeoutError } from '../error/pool-timeout-error.js'
import { UnsafeParameterError } from '../error/unsafe-parameter-error.js'
import { REDACTED, type SensitiveColumns } from '../plugin/logging/redaction.js'
import { allValuesSecret, findStatementSecrets, redactDriverError } from './redact-driver-error.js'
import type { ResultColumn } from './type-cast.js'

/** Connection counts of one pool, as reported by `poolStats()` and `health()`. */
export interface PoolStats {
  /** Open connections, idle or in use. */
  readonly total: number
  /** Open connections waiting in the pool. */
  readonly idle: number
  /** Connections handed out and not yet released. */
  readonly inUse: number
  /** Callers waiting for a connection. */
  readonly waiting: number
  /** The most connections the pool opens (`pool.max`). */
  readonly max: number
}

/** @internal */
export interface GuardedPoolSettings {
  readonly max: number
  readonly acquireTimeoutMs: number
  readonly validateAfterIdleMs: number
  /**
   * The session `time_zone` set on every new connection (an offset like `+00:00`), matching the zone mysql2 uses
   * to turn `Date`s into DATETIME/TIMESTAMP text, so TIMESTAMP columns and NOW() agree with the values bound.
   * `undefined` leaves the server's default.
   */
  readonly sessionTimeZone?: string | undefined
  /**
   * A typeCast applied only to the result sets that need it: when a result set's columns arrive, `needed` decides
   * from them whether mysql2 reads its rows through `typeCast` or on its own (see `createCastFilter`). The pool
   * itself is made without a typeCast. `undefined`: results are read as the mysql2 pool is configured.
   */
  readonly cast?:
    | { readonly typeCast: TypeCast; readonly needed: (columns: readonly ResultColumn[]) => boolean }
    | undefined
  /**
   * The rules by which a failed statement's values are scrubbed from its error (`sql`, `message`, `sqlMessage`,
   * the typed error's `value`) before anyone sees it. `undefined`: errors are left as the driver made them.
   */
  readonly redactErrors?: SensitiveColumns | undefined
}

/** The part of a running mysql2 query the cast listener sets: its options, read when its rows are. */
interface CastingQuery {
  options?: { typeCast?: unknown }
}

/** The parts of a mysql2 pool connection this module reads beyond its public type. */
interface PooledConnection extends Mysql2PoolConnection {
  lastActiveTime?: number
}

/** The parts of a mysql2 pool this module reads beyond its public type (guarded: absent fields read as 0). */
interface PoolInternals {
  readonly _allConnections?: { readonly length: number }
  readonly _freeConnections?: { readonly length: number }
}

type AcquireCallback = (error: unknown, connection: MysqlPoolConnection) => void
type TransactionControl = 'begin' | 'commit' | 'rollback'
const TRANSACTION_CONTROL = /^\s*(begin|start\s+transaction|commit|rollback)\b(?!\s+to\b)/i

/** Whether `sql` starts, commits or rolls back a transaction (`ROLLBACK TO SAVEPOINT` does neither). */
function transactionControlOf(sql: string): TransactionControl | undefined {
  const keyword = TRANSACTION_CONTROL.exec(sql)?.[1]?.toLowerCase()
  if (keyword === undefined) return undefined
  return keyword === 'commit' || keyword === 'rollback' ? keyword : 'begin'
}

type QueryCallback = (error: unknown, result: never, fields?: unknown) => void

/**
 * A mysql2 pool as Kysely's `MysqlDialect` sees it, with what mysql2 lacks:
 * - waiting for a connection is bounded by `acquireTimeoutMs` (a {@link PoolTimeoutError});
 * - a connection idle for longer than `validateAfterIdleMs` is pinged before it is handed out and replaced when
 *   the ping fails, so connections cut while idle never fail a query;
 * - every bound value must be a scalar ({@link UnsafeParameterError}): mysql2's client-side formatting would
 *   expand objects and arrays into SQL;
 * - known server errors become typed toolkit errors ({@link translateMysqlError}); the columns of a violated
 *   unique index are looked up once in information_schema and cached;
 * - after a deadlock rolled an open transaction back on the server, every statement (COMMIT included) is refused
 *   with a {@link DeadlockError} until ROLLBACK or BEGIN, so code that swallowed the deadlock cannot write half a
 *   transaction;
 * - a connection whose ROLLBACK failed is closed rather than pooled (its next BEGIN would commit what is left);
 * - a ROLLBACK refused on a closed connection after a COMMIT refused the same way is marked (`isCommitNotSent`):
 *   Kysely throws ROLLBACK's error, and `transaction()` needs to know that COMMIT never left;
 * - `close()` refuses new work ({@link DatabaseClosedError}), lets connections in use finish up to a deadline,
 *   then ends the pool.
 *
 * @internal
 */
export class GuardedPool implements MysqlPool {
  readonly #pool: Mysql2Pool
  readonly #settings: GuardedPoolSettings
  readonly #inUse = new Set<PooledConnection>()
  readonly #wrappers = new WeakMap<PooledConnection, MysqlPoolConnection>()
  /** Columns of unique indexes, keyed `schema \0 table \0 index`, filled on the first violation of each. */
  readonly #uniqueIndexColumns = new Map<string, readonly string[] | undefined>()
  /** The `fields` listener of {@link GuardedPool.#castWhenNeeded}: one function for every query of the pool. */
  readonly #castListener: ((this: CastingQuery, columns: ResultColumn[]) => void) | undefined
  readonly #redactErrors: SensitiveColumns | undefined
  #waiting = 0
  #closing = false
  #poolEnded = false
  #ended: Promise<void> | undefined
  #onIdle: (() => void) | undefined

  constructor(pool: Mysql2Pool, settings: GuardedPoolSettings) {
    this.#pool = pool
    this.#settings = settings
    this.#redactErrors = settings.redactErrors
    const { cast } = settings
    this.#castListener =
      cast === undefined
        ? undefined
        : function castWhenNeeded(this: CastingQuery, columns: ResultColumn[]): void {
            // `options` is mysql2's per-query copy of the connection's settings, made when the query starts.
            if (this.options !== undefined && columns !== undefined) {
              this.options.typeCast = cast.needed(columns) ? cast.typeCast : true
            }
          }
    if (settings.sessionTimeZone !== undefined) {
      const statement = `SET SESSION time_zone = '${settings.sessionTimeZone}'`
      // mysql2 runs a connection's commands in order, so this runs before the first query of a new connection.
      pool.on('connection', (connection) => {
        connection.query(statement, (error) => {
          if (error) connection.destroy()
        })
      })
    }
  }

  /** The mysql2 pool underneath, for code that needs it directly (e.g. streaming backups). */
  get pool(): Mysql2Pool {
    return this.#pool
  }

  get closing(): boolean {
    return this.#closing
  }

  getConnection(callback: AcquireCallback): void {
    if (this.#closing) {
      process.nextTick(callback, new DatabaseClosedError())
      return
    }
    this.#waiting++
    const deadline = Date.now() + this.#settings.acquireTimeoutMs
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const settle = (error: unknown, connection?: PooledConnection): void => {
      if (settled) {
        // The wait timed out before this connection came: give it back untouched.
        connection?.release()
        return
      }
      settled = true
      this.#waiting--
      if (timer !== undefined) clearTimeout(timer)
      if (connection === undefined) {
        callback(error, undefined as never)
        return
      }
      this.#inUse.add(connection)
      callback(null, this.#wrap(connection))
    }
    /** Starts the acquire timeout, once: only an acquire that can wait (no idle connection, or a ping) needs it. */
    const arm = (): void => {
      if (timer !== undefined || settled) return
      timer = setTimeout(
        () => {
          settle(new PoolTimeoutError(this.#settings.acquireTimeoutMs, this.#inUse.size, this.#waiting - 1))
        },
        Math.max(1, deadline - Date.now()),
      )
      timer.unref?.()
    }
    // mysql2 hands out an idle connection without waiting (it pops one synchronously, delivered next tick).
    if (!this.#hasIdleConnection()) arm()
    this.#acquireValid(deadline, settle, arm)
  }

  /** Whether the mysql2 pool holds an idle connection now (when its internals cannot be read: no). */
  #hasIdleConnection(): boolean {
    const free = (this.#pool as unknown as PoolInternals)._freeConnections
    return free !== undefined && free.length > 0
  }

  #acquireValid(
    deadline: number,
    settle: (error: unknown, connection?: PooledConnection) => void,
    arm: () => void,
  ): void {
    this.#pool.getConnection((error, connection) => {
      if (error) {
        settle(error)
        return
      }
      const pooled = connection as PooledConnection
      const idleFor = Date.now() - (pooled.lastActiveTime ?? Date.now())
      if (idleFor < this.#settings.validateAfterIdleMs) {
        settle(null, pooled)
        return
      }
      // The ping, and the wait for another connection if it fails, count against the acquire timeout.
      arm()
      const remaining = Math.max(1, deadline - Date.now())
      pingWithin(pooled, Math.min(remaining, 2_000)).then(
        () => settle(null, pooled),
        () => {
          // The connection was cut while idle: drop it and take (or open) another.
          pooled.destroy()
          if (Date.now() < deadline) this.#acquireValid(deadline, settle, arm)
        },
      )
    })
  }

  #wrap(connection: PooledConnection): MysqlPoolConnection {
    let wrapper = this.#wrappers.get(connection)
    if (wrapper) return wrapper
    /** Whether a BEGIN was sent and no COMMIT or ROLLBACK since (transactions started with SQL). */
    let inTransaction = false
    /**
     * Set when a deadlock made the server roll back this connection's open transaction. The server then leaves the
     * transaction (MariaDB runs the next statements in autocommit mode; MySQL in a new transaction that COMMIT
     * would commit), so code that swallowed the deadlock would write half a transaction. Until ROLLBACK or BEGIN,
     * every statement is refused with the deadlock, as PostgreSQL refuses statements in an aborted transaction.
     */
    let rolledBackBy: DeadlockError | undefined
    /**
     * Set when ROLLBACK failed on a live connection: pooled, its still-open transaction would be committed by the
     * next user's BEGIN, so it is closed instead of released.
     */
    let poisoned = false
    /** Set when mysql2 refused COMMIT on a closed connection: it never left, so nothing was committed. */
    let commitRefused = false
    const fail = (control: TransactionControl | undefined, translated: unknown): void => {
      if (DeadlockError.is(translated)) {
        if (inTransaction) rolledBackBy = translated
      } else if (control === 'rollback' && !isConnectionLostError(translated)) {
        poisoned = true
      }
      if (control !== undefined && isRefusedOnClosedConnection(translated)) {
        if (control === 'commit') commitRefused = true
        else if (control === 'rollback' && commitRefused) markCommitNotSent(translated as Error)
      }
    }
    const release = (): void => {
      if (poisoned) {
        destroy()
        return
      }
      inTransaction = false
      rolledBackBy = undefined
      commitRefused = false
      this.#inUse.delete(connection)
      connection.release()
      if (this.#inUse.size === 0) this.#onIdle?.()
    }
    const destroy = (): void => {
      this.#inUse.delete(connection)
      connection.destroy()
      if (this.#inUse.size === 0) this.#onIdle?.()
    }
    wrapper = {
      get config() {
        return connection.config
      },
      get threadId() {
        return connection.threadId
      },
      connect: (cb) => connection.connect(cb ?? (() => {})),
      destroy,
      release,
      query: (sql: string, parameters: unknown, cb?: QueryCallback) => {
        const unsafe = findUnsafeParameter(parameters)
        if (unsafe) {
          if (cb) process.nextTick(cb, unsafe, undefined as never)
          return { stream: () => failingStream(unsafe) }
        }
        const control = sql.length < 64 ? transactionControlOf(sql) : undefined
        if (control !== undefined) {
          inTransaction = control === 'begin'
          if (control !== 'commit') rolledBackBy = undefined
          if (control === 'begin') commitRefused = false
        }
        if (rolledBackBy !== undefined) {
          const refusal = new DeadlockError({ cause: rolledBackBy.cause })
          if (cb) process.nextTick(cb, refusal, undefined as never)
          return { stream: () => failingStream(refusal) }
        }
        if (cb === undefined) {
          const query = this.#castWhenNeeded(connection.query(sql, parameters as never[]))
          // A streamed query's error reaches its stream untranslated; it is still scrubbed, before any listener.
          const redact = this.#redactErrors
          if (redact !== undefined) {
            query.on('error', (error: unknown) => {
              const values = Array.isArray(parameters) ? (parameters as unknown[]) : []
              redactDriverError(error, findStatementSecrets(sql, values, redact))
            })
          }
          return query as never
        }
        // Success passes straight through; only a failure pays for the translation.
        return this.#castWhenNeeded(
          connection.query(sql, parameters as never[], (error, result, fields) => {
            if (error) {
              this.#fail(connection, sql, parameters, error, (translated) => {
                fail(control, translated)
                cb(translated, undefined as never)
              })
            } else {
              cb(null, result as never, fields)
            }
          }),
        ) as never
      },
    }
    this.#wrappers.set(connection, wrapper)
    return wrapper
  }

  /**
   * Sets the typeCast of each result set of `query` when its columns arrive: mysql2 emits `fields` and then builds
   * the result set's row reader from the query's options, so the choice made here is the one the rows are read
   * with. Without `cast` in the settings the query is left as it is.
   */
  #castWhenNeeded<Q extends { on(event: 'fields', listener: (columns: ResultColumn[]) => void): unknown }>(
    query: Q,
  ): Q {
    if (this.#castListener !== undefined) query.on('fields', this.#castListener)
    return query
  }

  /**
   * Hands `error` to `cb` as a typed toolkit error when it is a known server error, scrubbed first of the
   * statement's sensitive values (see `redactErrors`).
   */
  #fail(
    connection: PooledConnection,
    sql: string,
    parameters: unknown,
    error: unknown,
    cb: (translated: unknown) => void,
  ): void {
    const redact = this.#redactErrors
    const values = Array.isArray(parameters) ? (parameters as unknown[]) : []
    if (redact !== undefined) redactDriverError(error, findStatementSecrets(sql, values, redact))
    if (!isMysqlServerError(error) || error.errno !== MYSQL_ERRORS.DUP_ENTRY) {
      cb(translateMysqlError(error, { sql }))
      return
    }
    const entry = parseDuplicateEntry(error.sqlMessage, sql)
    const schema = connection.config.database ?? ''
    const key = entry === undefined ? '' : `${schema}\0${entry.table ?? ''}\0${entry.index}`
    const translate = (): void => {
      const columns = this.#uniqueIndexColumns.get(key)
      // A unique index over a sensitive column: its duplicate value is a secret even where the text did not say.
      if (
        redact !== undefined &&
        entry !== undefined &&
        entry.value !== REDACTED &&
        columns?.some((column) => redact.isSensitive(column, entry.table)) === true
      ) {
        redactDriverError(error, allValuesSecret(sql, values, entry.value))
      }
      cb(translateMysqlError(error, { sql, uniqueIndexColumns: () => columns }))
    }
    if (entry === undefined || this.#uniqueIndexColumns.has(key)) {
      translate()
      return
    }
    // Looked up on the failing connection (its transaction, if any, is still open and unaffected by a read of
    // information_schema); using another connection could wait on an exhausted pool.
    lookUpUniqueIndexColumns(connection, entry.table, entry.index).then((columns) => {
      if (columns !== undefined) this.#uniqueIndexColumns.set(key, columns)
      translate()
    })
  }

  /** Current connection counts. */
  stats(): PoolStats {
    const internals = this.#pool as unknown as PoolInternals
    const open = !this.#poolEnded
    return {
      total: open ? (internals._allConnections?.length ?? 0) : 0,
      idle: open ? (internals._freeConnections?.length ?? 0) : 0,
      inUse: this.#inUse.size,
      waiting: this.#waiting,
      max: this.#settings.max,
    }
  }

  /**
   * Refuses new connections, waits up to `timeoutMs` for connections in use to be released, destroys any still
   * in use after that, and ends the pool. Safe to call more than once.
   */
  close(timeoutMs: number): Promise<void> {
    this.#closing = true
    this.#ended ??= this.#drain(timeoutMs).then(
      () =>
        new Promise<void>((resolve) => {
          this.#pool.end(() => {
            this.#poolEnded = true
            resolve()
          })
        }),
    )
    return this.#ended
  }

  async #drain(timeoutMs: number): Promise<void> {
    if (this.#inUse.size === 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      this.#onIdle = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.#onIdle = undefined
    for (const connection of this.#inUse) cut(connection)
    this.#inUse.clear()
  }

  /** Kysely's `db.destroy()` ends the pool through here: drains like {@link close}. */
  end(callback: (error: unknown) => void): void {
    this.close(this.#shutdownTimeoutMs).then(
      () => callback(null),
      (error: unknown) => callback(error),
    )
  }

  #shutdownTimeoutMs = 10_000

  /** @internal */
  setShutdownTimeout(timeoutMs: number): void {
    this.#shutdownTimeoutMs = timeoutMs
  }
}

/**
 * Cuts a connection now: its socket is destroyed, so the query running on it fails at once with a
 * connection-lost error (mysql2's own `destroy()` only half-closes and waits for the server's answer). The server
 * rolls back the connection's open transaction when it notices.
 */
function cut(connection: PooledConnection): void {
  const reason = Object.assign(new Error('The connection was cut: close() reached its deadline'), {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
  })
  ;(connection as unknown as { stream?: { destroy(error: Error): void } }).stream?.destroy(reason)
}

/** The columns of a unique index, in index order; `undefined` when they cannot be told. Never rejects. */
function lookUpUniqueIndexColumns(
  connection: PooledConnection,
  table: string | undefined,
  index: string,
): Promise<readonly string[] | undefined> {
  const sql =
    'select table_name as t, column_name as c from information_schema.statistics ' +
    'where table_schema = database() and index_name = ? and non_unique = 0' +
    (table === undefined ? '' : ' and table_name = ?') +
    ' order by table_name, seq_in_index'
  return new Promise((resolve) => {
    connection.query(sql, table === undefined ? [index] : [index, table], (error, rows) => {
      if (error || !Array.isArray(rows)) {
        resolve(undefined)
        return
      }
      const found = rows as { t: string; c: string }[]
      // Without the table, an index name shared by several tables is ambiguous.
      if (found.length === 0 || found.some((row) => row.t !== found[0]!.t)) resolve(undefined)
      else resolve(Object.freeze(found.map((row) => row.c)))
    })
  })
}

function pingWithin(connection: PooledConnection, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs)
    connection.ping((error) => {
      clearTimeout(timer)
      if (error) reject(error)
      else resolve()
    })
  })
}

/**
 * The first bound value that is not a scalar, as an error; `undefined` when all are safe.
 *
 * @internal
 */
export function findUnsafeParameter(parameters: unknown): UnsafeParameterError | undefined {
  if (!Array.isArray(parameters)) return undefined
  for (let index = 0; index < parameters.length; index++) {
    const kind = unsafeKind(parameters[index])
    if (kind !== undefined) return new UnsafeParameterError(index + 1, kind)
  }
  return undefined
}

function unsafeKind(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
      return undefined
    case 'function':
    case 'symbol':
      return typeof value
    default:
      if (value === null || value instanceof Date || ArrayBuffer.isView(value)) return undefined
      return Array.isArray(value) ? 'array' : 'object'
  }
}

async function* failingStream(error: Error): AsyncGenerator<never> {
  yield* []
  throw error
}
