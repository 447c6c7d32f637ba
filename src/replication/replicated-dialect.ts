import {
  type AbortableOperationOptions,
  type CompiledQuery,
  type ControlConnectionProvider,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  MysqlAdapter,
  MysqlDriver,
  MysqlIntrospector,
  type MysqlPoolConnection,
  type MysqlQueryResult,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import { isConnectionFailure } from './connection-failure.js'
import { currentScope, recordWrite } from './consistency-scope.js'
import type { ReplicaMonitor } from './replica-monitor.js'
import type { ResolvedReplicationOptions } from './replicated-database-options.js'
import type { ReplicatedServer } from './replicated-server.js'
import { routeHintOf } from './route-hint-plugin.js'
import { decideRoute, type RouteReason, startsReadYourWrites } from './routing.js'
import { RoutingQueryCompiler, statementKindOf } from './routing-query-compiler.js'

/** @internal */
export interface ReplicatedDialectConfig {
  readonly primary: ReplicatedServer
  readonly replicas: readonly ReplicatedServer[]
  readonly monitor: ReplicaMonitor
  readonly replication: ResolvedReplicationOptions
  /** How long `destroy()` lets running queries finish before their connections are cut. */
  readonly shutdownTimeoutMs: number
}

/**
 * A MySQL/MariaDB Kysely dialect over a primary and its replicas: the same SQL, adapter and introspector as
 * Kysely's `MysqlDialect`, with a driver that routes each statement (see `routing.ts`) and a compiler that notes
 * which SELECTs need the primary as it compiles them.
 *
 * @internal Made by `createReplicatedDatabase`.
 */
export class ReplicatedDialect implements Dialect {
  readonly #config: ReplicatedDialectConfig

  constructor(config: ReplicatedDialectConfig) {
    this.#config = config
  }

  createDriver(): Driver {
    return new ReplicatedDriver(this.#config)
  }

  createQueryCompiler(): QueryCompiler {
    return new RoutingQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new MysqlAdapter()
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new MysqlIntrospector(db)
  }
}

/** Leases kept for reuse (Kysely acquires one per query; this keeps that allocation-free). */
const MAX_FREE_LEASES = 256

/**
 * Kysely asks a driver for a connection before it knows the query, so `acquireConnection` hands out a lease
 * ({@link RoutedConnection}) that takes a real connection only when it sees the first statement.
 *
 * @internal
 */
export class ReplicatedDriver implements Driver {
  readonly #config: ReplicatedDialectConfig
  readonly #free: RoutedConnection[] = []

  constructor(config: ReplicatedDialectConfig) {
    this.#config = config
  }

  get config(): ReplicatedDialectConfig {
    return this.#config
  }

  async init(): Promise<void> {
    this.#config.monitor.start()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#free.pop() ?? new RoutedConnection(this)
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const lease = leaseOf(connection)
    const writes = settings.accessMode !== 'read only'
    await lease.startTransaction(writes)
    if (writes) recordWrite(this, performance.now())
    // Kysely's MySQL statements (`set transaction ...`, `begin`), run through the lease so that they are logged.
    await STATEMENTS.beginTransaction(lease, settings)
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = leaseOf(connection)
    try {
      await STATEMENTS.commitTransaction(lease)
    } finally {
      // The read-your-writes window starts when the data becomes visible, at commit.
      if (lease.endTransaction()) recordWrite(this, performance.now())
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = leaseOf(connection)
    try {
      await STATEMENTS.rollbackTransaction(lease)
    } finally {
      lease.endTransaction()
    }
  }

  async savepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await STATEMENTS.savepoint(connection, savepointName, compileQuery)
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await STATEMENTS.rollbackToSavepoint(connection, savepointName, compileQuery)
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await STATEMENTS.releaseSavepoint(connection, savepointName, compileQuery)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = leaseOf(connection)
    lease.release()
    if (this.#free.length < MAX_FREE_LEASES) this.#free.push(lease)
  }

  async destroy(): Promise<void> {
    const { primary, replicas, monitor, shutdownTimeoutMs } = this.#config
    monitor.stop()
    await Promise.all([primary, ...replicas].map((server) => server.pool.close(shutdownTimeoutMs)))
  }

  /** The server for a read: an available replica (chosen by `selectReplica`), else the primary. */
  readServer(attempt: number): ReplicatedServer {
    const { primary, monitor, replication } = this.#config
    if (attempt >= 2) return primary
    const available = monitor.available
    if (available.length === 0) return primary
    const index = available.length === 1 ? 0 : replication.selectReplica(available)
    return available[index] ?? available[0]!
  }

  reportFailure(server: ReplicatedServer, error: unknown): void {
    this.#config.monitor.reportFailure(server, error)
  }
}

/**
 * Kysely's own MySQL transaction and savepoint statements (`set transaction ...`, `begin`, `commit`, `rollback`,
 * `savepoint ...`): its `MysqlDriver` runs them through the connection it is given, here the lease, so they are
 * routed and logged like any other statement. This instance never opens a pool.
 */
const STATEMENTS = new MysqlDriver({
  pool: () => Promise.reject(new Error('unused: only the transaction statements of this driver are used')),
})

function leaseOf(connection: DatabaseConnection): RoutedConnection {
  if (!(connection instanceof RoutedConnection)) {
    throw new TypeError('The replicated driver was given a connection it did not make')
  }
  return connection
}

/**
 * A connection lease. It takes a connection from the server its first statement is routed to and keeps it until
 * Kysely releases the lease: for a single query that is one statement; inside `db.connection()` or a transaction
 * it is every statement of the block. A lease on a replica moves to the primary (for good) when a statement needs
 * the primary; a lease on the primary never moves back.
 *
 * A read that fails on a replica because the connection failed is retried: on another available replica, else
 * on the primary; a second failure on a replica sends it to the primary.
 *
 * It talks to the guarded pool's connections directly (taking a connection and running the statement in one
 * step), as Kysely's `MysqlConnection` does, so that routing adds no layer per query.
 *
 * @internal
 */
class RoutedConnection implements DatabaseConnection {
  readonly #driver: ReplicatedDriver
  #server: ReplicatedServer | undefined
  #connection: MysqlPoolConnection | undefined
  /** The query running now, so that a late cancel never kills the next one. */
  #running: CompiledQuery['queryId'] | undefined
  #inTransaction = false
  #transactionWrites = false
  /** Counts unbinds, so a connection that arrives after its lease moved on is given back, not kept. */
  #binding = 0

  constructor(driver: ReplicatedDriver) {
    this.#driver = driver
  }

  executeQuery<R>(
    compiledQuery: CompiledQuery,
    options?: AbortableOperationOptions,
  ): Promise<QueryResult<R>> {
    const reason = this.#route(compiledQuery)
    if (reason === 'read' || reason === 'replica-hint') return this.#read(compiledQuery, options)
    return this.#onPrimary(compiledQuery)
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    _chunkSize: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    const reason = this.#route(compiledQuery)
    const connection =
      reason === 'read' || reason === 'replica-hint'
        ? await this.#readConnection()
        : await this.#primaryConnection()
    this.#running = compiledQuery.queryId
    const stream = connection.query(compiledQuery.sql, compiledQuery.parameters).stream({ objectMode: true })
    try {
      for await (const row of stream) yield { rows: [row as R] }
    } catch (error) {
      // mysql2 ends a stream that the consumer stopped reading early this way: not an error.
      if ((error as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE') return
      throw error
    } finally {
      this.#running = undefined
    }
  }

  async cancelQuery(_controlConnectionProvider: ControlConnectionProvider): Promise<void> {
    await this.#control('kill query')
  }

  async killSession(_controlConnectionProvider: ControlConnectionProvider): Promise<void> {
    const connection = this.#connection
    if (connection === undefined) return
    const threadId = connection.threadId
    // Out of the pool first, so that it is never handed out again.
    this.#connection = undefined
    connection.destroy()
    await this.#control('kill connection', threadId)
  }

  /** Runs `kill ...` for this lease's connection on a control connection of the same server. */
  async #control(
    kill: 'kill query' | 'kill connection',
    threadId = this.#connection?.threadId,
  ): Promise<void> {
    const server = this.#server
    const running = this.#running
    if (server === undefined || threadId === undefined || running === undefined) return
    const control = await server.acquire()
    try {
      // By now the query may have ended and another begun: kill only the one that was asked for.
      if (this.#running === running) await query(control, `${kill} ${Number(threadId)}`, [])
    } finally {
      control.release()
    }
  }

  async startTransaction(writes: boolean): Promise<void> {
    await this.#primaryConnection()
    this.#inTransaction = true
    this.#transactionWrites = writes
  }

  /** Ends the transaction; `true` when it was one that may have written. */
  endTransaction(): boolean {
    const wrote = this.#inTransaction && this.#transactionWrites
    this.#inTransaction = false
    this.#transactionWrites = false
    return wrote
  }

  release(): void {
    this.#inTransaction = false
    this.#transactionWrites = false
    this.#unbind()
  }

  #route(compiledQuery: CompiledQuery): RouteReason {
    const kind = statementKindOf(compiledQuery)
    const scope = currentScope()
    let sinceLastWriteMs: number | undefined
    if (scope !== undefined) {
      const now = performance.now()
      const lastWrite = scope.writes.get(this.#driver)
      if (lastWrite !== undefined) sinceLastWriteMs = now - lastWrite
      if (!this.#inTransaction && startsReadYourWrites(kind)) scope.writes.set(this.#driver, now)
    }
    return decideRoute(kind, {
      onPrimary: this.#inTransaction || this.#server?.role === 'primary',
      hint: routeHintOf(compiledQuery.query),
      withPrimary: scope?.forcePrimary === true,
      sinceLastWriteMs,
      readYourWritesMs: this.#driver.config.replication.readYourWritesMs,
    })
  }

  async #read<R>(compiledQuery: CompiledQuery, options?: AbortableOperationOptions): Promise<QueryResult<R>> {
    for (let attempt = 0; ; attempt++) {
      const server = this.#server ?? this.#bind(this.#driver.readServer(attempt))
      try {
        return await this.#run<R>(server, compiledQuery)
      } catch (error) {
        if (!this.#mayRetry(server, error, attempt, options)) throw withCallerStack(error)
        this.#driver.reportFailure(server, error)
        this.#unbind()
      }
    }
  }

  async #onPrimary<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#server?.role === 'replica') this.#unbind()
    const server = this.#server ?? this.#bind(this.#driver.config.primary)
    try {
      return await this.#run<R>(server, compiledQuery)
    } catch (error) {
      throw withCallerStack(error)
    }
  }

  /** Runs the statement on this lease's connection, taking one from `server` first if it has none. */
  #run<R>(server: ReplicatedServer, compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return new Promise((resolve, reject) => {
      const execute = (connection: MysqlPoolConnection): void => {
        this.#running = compiledQuery.queryId
        connection.query(compiledQuery.sql, compiledQuery.parameters, (error, result) => {
          this.#running = undefined
          if (error) reject(error)
          else resolve(toQueryResult<R>(result))
        })
      }
      if (this.#connection !== undefined) {
        execute(this.#connection)
        return
      }
      const binding = this.#binding
      server.pool.getConnection((error, connection) => {
        if (error) {
          reject(error)
        } else if (this.#binding !== binding) {
          // The lease was released meanwhile (an aborted query): give the connection back.
          connection.release()
          reject(new Error('The connection lease was released before its connection arrived'))
        } else {
          this.#connection = connection
          execute(connection)
        }
      })
    })
  }

  /** A connection for a streamed read; only taking the connection is retried (rows may already be out after). */
  async #readConnection(): Promise<MysqlPoolConnection> {
    for (let attempt = 0; ; attempt++) {
      const server = this.#server ?? this.#bind(this.#driver.readServer(attempt))
      try {
        this.#connection ??= await server.acquire()
        return this.#connection
      } catch (error) {
        if (!this.#mayRetry(server, error, attempt, undefined)) throw error
        this.#driver.reportFailure(server, error)
        this.#unbind()
      }
    }
  }

  async #primaryConnection(): Promise<MysqlPoolConnection> {
    if (this.#server?.role === 'replica') this.#unbind()
    const server = this.#server ?? this.#bind(this.#driver.config.primary)
    this.#connection ??= await server.acquire()
    return this.#connection
  }

  #mayRetry(
    server: ReplicatedServer,
    error: unknown,
    attempt: number,
    options: AbortableOperationOptions | undefined,
  ): boolean {
    return (
      server.role === 'replica' &&
      attempt < 2 &&
      !this.#inTransaction &&
      options?.signal?.aborted !== true &&
      isConnectionFailure(error)
    )
  }

  #bind(server: ReplicatedServer): ReplicatedServer {
    this.#server = server
    server.inFlight++
    return server
  }

  #unbind(): void {
    const server = this.#server
    if (server === undefined) return
    const connection = this.#connection
    this.#server = undefined
    this.#connection = undefined
    this.#running = undefined
    this.#binding++
    server.inFlight--
    connection?.release()
  }
}

/** A mysql2 result as Kysely's `QueryResult`, exactly as Kysely's `MysqlConnection` shapes it. */
function toQueryResult<R>(result: MysqlQueryResult): QueryResult<R> {
  if (Array.isArray(result)) return { rows: result as R[] }
  if (typeof result !== 'object' || result === null || !('affectedRows' in result)) return { rows: [] }
  const { insertId, affectedRows, changedRows } = result
  const shaped: { -readonly [K in keyof QueryResult<R>]: QueryResult<R>[K] } = { rows: [] }
  if (insertId != null && insertId.toString() !== '0') shaped.insertId = BigInt(insertId)
  if (affectedRows != null) shaped.numAffectedRows = BigInt(affectedRows)
  if (changedRows != null) shaped.numChangedRows = BigInt(changedRows)
  return shaped
}

function query(
  connection: MysqlPoolConnection,
  sql: string,
  parameters: readonly unknown[],
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    connection.query(sql, parameters, (error, result) => {
      if (error) reject(error)
      else resolve(result)
    })
  })
}

/**
 * Adds the caller's stack to a driver error (whose own stack starts in mysql2's socket reader), as Kysely's
 * `MysqlConnection` does.
 */
function withCallerStack(error: unknown): unknown {
  if (error instanceof Error && error.stack !== undefined) {
    const caller = new Error().stack?.split('\n').slice(1).join('\n')
    if (caller) error.stack += `\n${caller}`
  }
  return error
}
