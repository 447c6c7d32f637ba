import type {
  AbortableOperationOptions,
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  LogEvent,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely'

/**
 * A Kysely `LogEvent`, and for a successful query that was not streamed, its result: what {@link QueryLogDialect}
 * passes to its `log` function. The query logger reads `result` for its row counts, so it needs no plugin.
 * `result` is a getter, not an own property: `JSON.stringify(event)` and `{ ...event }` leave the rows out.
 *
 * @example
 * ```ts
 * import type { ResultLogEvent } from 'kysely-toolkit'
 *
 * const log = (event: ResultLogEvent) => {
 *   if (event.level === 'query') console.log(event.query.sql, event.result?.rows.length)
 * }
 * ```
 */
export type ResultLogEvent = LogEvent & { readonly result?: QueryResult<unknown> }

/**
 * Options of {@link QueryLogDialect}.
 *
 * @example
 * ```ts
 * const options: QueryLogDialectOptions = {
 *   dialect: new MysqlDialect({ pool: createPool({ uri: process.env.DATABASE_URL }) }),
 *   log: combineLogs(queryLogger.log, metrics.log),
 * }
 * ```
 */
export interface QueryLogDialectOptions {
  /** The dialect whose queries are timed, e.g. a `MysqlDialect`. Required. */
  readonly dialect: Dialect
  /**
   * Called once per query, as Kysely calls its `log` function: the query logger's, the metrics' or the tracing's
   * `log`, or several combined with `combineLogs`. When it returns a promise, the query's result waits for it,
   * as with Kysely's `log`. Required.
   */
  readonly log: (event: ResultLogEvent) => void | Promise<void>
}

/**
 * A dialect that times every query of another dialect and passes it to a `log` function, in place of Kysely's `log`
 * option: the same events, one timing for logging, metrics and tracing, plus the result, so the query logger gets
 * row counts without its plugin.
 *
 * Why a dialect: Kysely's `log` option wraps every query in three async functions (its own timing, then the log
 * call, each awaited), and the row counts need a plugin, whose `transformResult` Kysely awaits once more per query.
 * This dialect times each query with one promise callback and hands the result over in the same call. Measured on
 * Kysely's whole query path without I/O, the query logger and metrics add about 0.6–1.2 µs of CPU per query
 * through it, 1.2–1.4 µs through Kysely's `log` option, and 1.2–1.5 µs with the row-count plugin
 * (`bench/observability.ts`, `docs/metrics.md#cost`). Use Kysely's `log` option where the dialect is not yours to
 * wrap; both give the same events.
 *
 * @example
 * ```ts
 * import { Kysely, MysqlDialect } from 'kysely'
 * import { createPool } from 'mysql2'
 * import { combineLogs, createQueryLogger, createQueryMetrics, logConsoleStyle, QueryLogDialect } from 'kysely-toolkit'
 *
 * const queryLogger = createQueryLogger({ logger: logConsoleStyle(console) })
 * const metrics = createQueryMetrics()
 * const db = new Kysely<DB>({
 *   dialect: new QueryLogDialect({
 *     dialect: new MysqlDialect({ pool: createPool({ uri: process.env.DATABASE_URL }) }),
 *     log: combineLogs(queryLogger.log, metrics.log),
 *   }),
 * })
 * await db.selectFrom('users').selectAll().execute() // logged with its row count, and counted
 * ```
 *
 * Caveats: do not also give the same functions to Kysely's `log` option (each query would be logged twice). The
 * `result` is the driver's, before plugins transform it; `log` must not change it. Unlike Kysely's `log`, a log
 * function that throws or rejects does not fail the query (the statement has run; an INSERT is stored): the query's
 * result or the driver's error stands, and the failure is reported once as a process warning
 * (`KYSELY_TOOLKIT_LOG_FAILED`). What the log function returns is awaited only when it is a promise.
 */
export class QueryLogDialect implements Dialect {
  readonly #dialect: Dialect
  readonly #log: QueryLogDialectOptions['log']

  constructor(options: QueryLogDialectOptions) {
    if (typeof options?.log !== 'function') {
      throw new TypeError(
        'QueryLogDialect: log must be a function, e.g. combineLogs(queryLogger.log, metrics.log)',
      )
    }
    this.#dialect = options.dialect
    this.#log = options.log
  }

  createDriver(): Driver {
    return new QueryLogDriver(this.#dialect.createDriver(), this.#log)
  }

  createQueryCompiler(): QueryCompiler {
    return this.#dialect.createQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return this.#dialect.createAdapter()
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own Dialect signature.
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return this.#dialect.createIntrospector(db)
  }
}

type Log = QueryLogDialectOptions['log']
type CompileQuery = QueryCompiler['compileQuery']

/** Kysely's own message when a driver lacks a savepoint method. */
const unsupported = (method: string) => new Error(`The \`${method}\` method is not supported by this driver`)

/** Delegates to a driver, and times the queries of each connection it hands out (patched once, as Kysely does). */
class QueryLogDriver implements Driver {
  readonly #driver: Driver
  readonly #log: Log
  readonly #timed = new WeakSet<DatabaseConnection>()
  readonly #onLogFailure = warnOnce()

  constructor(driver: Driver, log: Log) {
    this.#driver = driver
    this.#log = log
  }

  init(options?: AbortableOperationOptions): Promise<void> {
    return this.#driver.init(options)
  }

  acquireConnection(options?: AbortableOperationOptions): Promise<DatabaseConnection> {
    return this.#driver.acquireConnection(options).then(this.#timeOnce)
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#driver.beginTransaction(connection, settings)
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#driver.commitTransaction(connection)
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#driver.rollbackTransaction(connection)
  }

  savepoint(connection: DatabaseConnection, name: string, compile: CompileQuery): Promise<void> {
    if (this.#driver.savepoint === undefined) throw unsupported('savepoint')
    return this.#driver.savepoint(connection, name, compile)
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: CompileQuery): Promise<void> {
    if (this.#driver.rollbackToSavepoint === undefined) throw unsupported('rollbackToSavepoint')
    return this.#driver.rollbackToSavepoint(connection, name, compile)
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: CompileQuery): Promise<void> {
    if (this.#driver.releaseSavepoint === undefined) throw unsupported('releaseSavepoint')
    return this.#driver.releaseSavepoint(connection, name, compile)
  }

  releaseConnection(connection: DatabaseConnection, options?: AbortableOperationOptions): Promise<void> {
    return this.#driver.releaseConnection(connection, options)
  }

  destroy(options?: AbortableOperationOptions): Promise<void> {
    return this.#driver.destroy(options)
  }

  readonly #timeOnce = (connection: DatabaseConnection): DatabaseConnection => {
    if (!this.#timed.has(connection)) {
      this.#timed.add(connection)
      timeQueries(connection, this.#log, this.#onLogFailure)
    }
    return connection
  }
}

/**
 * Kysely's query `LogEvent` with the result behind a getter: readable as `event.result`, but not an own property,
 * so a log function that writes the whole event (`JSON.stringify(event)`, `{ ...event }`, `console.log(event)`)
 * writes what it wrote with Kysely's `log`, not the rows.
 */
class QueryEventWithResult {
  readonly level = 'query'
  readonly isStream = false
  readonly query: CompiledQuery
  readonly queryDurationMillis: number
  readonly #result: QueryResult<unknown>

  constructor(query: CompiledQuery, queryDurationMillis: number, result: QueryResult<unknown>) {
    this.query = query
    this.queryDurationMillis = queryDurationMillis
    this.#result = result
  }

  get result(): QueryResult<unknown> {
    return this.#result
  }
}

/**
 * Calls `log` and gives back a promise only when it returned one (a thenable), so that a log function that returns
 * nothing, or any other value, costs no promise. A log that throws or rejects never changes the query's outcome:
 * the statement has already run (an autocommitted write is stored), so its result, or the driver's error, is what the
 * caller gets; the log's failure is reported as a process warning, once per dialect.
 */
function callLog(
  log: Log,
  event: Parameters<Log>[0],
  onLogFailure: (error: unknown) => void,
): Promise<void> | undefined {
  let logged: unknown
  try {
    logged = log(event)
  } catch (error) {
    onLogFailure(error)
    return undefined
  }
  if (!isThenable(logged)) return undefined
  return Promise.resolve(logged).then(ignore, onLogFailure)
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

function ignore(): void {}

/** Reports a failing log function once, as a process warning without the event (which may hold values). */
function warnOnce(): (error: unknown) => void {
  let warned = false
  return (error) => {
    if (warned) return
    warned = true
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : typeof error
    process.emitWarning(
      `QueryLogDialect: the log function failed (${reason}); queries go on, their outcome unchanged`,
      {
        code: 'KYSELY_TOOLKIT_LOG_FAILED',
      },
    )
  }
}

/**
 * Replaces the connection's `executeQuery` and `streamQuery` with timed ones, in place (its other methods, such as
 * `cancelQuery`, stay as they are). A failure is logged and rethrown. The log's own failures never change a query's
 * outcome (see {@link callLog}).
 */
function timeQueries(connection: DatabaseConnection, log: Log, onLogFailure: (error: unknown) => void): void {
  const executeQuery = connection.executeQuery
  const streamQuery = connection.streamQuery
  connection.executeQuery = function timedExecuteQuery<R>(
    query: CompiledQuery,
    options?: AbortableOperationOptions,
  ): Promise<QueryResult<R>> {
    const started = performance.now()
    let executed: Promise<QueryResult<R>>
    try {
      executed = executeQuery.call(connection, query, options) as Promise<QueryResult<R>>
    } catch (error) {
      // A driver that throws instead of rejecting: logged as a failure all the same.
      executed = Promise.reject(error)
    }
    return executed.then(
      (result) => {
        const event = new QueryEventWithResult(query, performance.now() - started, result)
        const logged = callLog(log, event, onLogFailure)
        return logged === undefined ? result : logged.then(() => result)
      },
      (error: unknown) => {
        const event = {
          level: 'error' as const,
          error,
          query,
          queryDurationMillis: performance.now() - started,
        }
        const logged = callLog(log, event, onLogFailure)
        if (logged === undefined) throw error
        return logged.then(() => {
          throw error
        })
      },
    )
  }
  connection.streamQuery = async function* timedStreamQuery<R>(
    query: CompiledQuery,
    chunkSize: number,
    options?: AbortableOperationOptions,
  ): AsyncIterableIterator<QueryResult<R>> {
    const started = performance.now()
    let failed = false
    try {
      yield* streamQuery.call(connection, query, chunkSize, options) as AsyncIterableIterator<QueryResult<R>>
    } catch (error) {
      failed = true
      await callLog(
        log,
        { level: 'error', error, query, queryDurationMillis: performance.now() - started },
        onLogFailure,
      )
      throw error
    } finally {
      if (!failed) {
        await callLog(
          log,
          { level: 'query', isStream: true, query, queryDurationMillis: performance.now() - started },
          onLogFailure,
        )
      }
    }
  }
}
