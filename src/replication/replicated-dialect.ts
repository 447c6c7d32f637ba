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
  MysqlIntrospector,
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
    const { primary, replicas, monitor } = this.#config
    await Promise.all([primary, ...replicas].map((server) => server.driver.init()))
    monitor.start()
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
    await this.#config.primary.driver.beginTransaction(lease, settings)
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = leaseOf(connection)
    try {
      await this.#config.primary.driver.commitTransaction(lease)
    } finally {
      // The read-your-writes window starts when the data becomes visible, at commit.
      if (lease.endTransaction()) recordWrite(this, performance.now())
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = leaseOf(connection)
    try {
      await this.#config.primary.driver.rollbackTransaction(lease)
    } finally {
      lease.endTransaction()
    }
  }

  async savepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#config.primary.driver.savepoint(connection, savepointName, compileQuery)
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#config.primary.driver.rollbackToSavepoint(connection, savepointName, compileQuery)
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    savepointName: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#config.primary.driver.releaseSavepoint(connection, savepointName, compileQuery)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = leaseOf(connection)
    await lease.release()
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
 * @internal
 */
class RoutedConnection implements DatabaseConnection {
  readonly #driver: ReplicatedDriver
  #server: ReplicatedServer | undefined
  #connection: DatabaseConnection | undefined
  #inTransaction = false
  #transactionWrites = false

  constructor(driver: ReplicatedDriver) {
    this.#driver = driver
  }

  async executeQuery<R>(
    compiledQuery: CompiledQuery,
    options?: AbortableOperationOptions,
  ): Promise<QueryResult<R>> {
    const reason = this.#route(compiledQuery)
    if (reason === 'read' || reason === 'replica-hint') return this.#read(compiledQuery, options)
    const connection = await this.#primaryConnection()
    return connection.executeQuery(compiledQuery, options)
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize: number,
    options?: AbortableOperationOptions,
  ): AsyncIterableIterator<QueryResult<R>> {
    const reason = this.#route(compiledQuery)
    const connection =
      reason === 'read' || reason === 'replica-hint'
        ? await this.#readConnection()
        : await this.#primaryConnection()
    yield* connection.streamQuery<R>(compiledQuery, chunkSize, options)
  }

  /** Kysely collects the session id before a cancellable query; the lease has none until it is bound. */
  async collectSessionInfo(): Promise<void> {}

  async cancelQuery(_controlConnectionProvider: ControlConnectionProvider): Promise<void> {
    const server = this.#server
    const connection = this.#connection
    if (server === undefined || connection?.cancelQuery === undefined) return
    await connection.collectSessionInfo?.()
    await connection.cancelQuery(controlConnectionsOf(server))
  }

  async killSession(_controlConnectionProvider: ControlConnectionProvider): Promise<void> {
    const server = this.#server
    const connection = this.#connection
    if (server === undefined || connection?.killSession === undefined) return
    await connection.collectSessionInfo?.()
    await connection.killSession(controlConnectionsOf(server))
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

  async release(): Promise<void> {
    this.#inTransaction = false
    this.#transactionWrites = false
    await this.#unbind()
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
        this.#connection ??= await server.acquire()
        return await this.#connection.executeQuery<R>(compiledQuery, options)
      } catch (error) {
        if (!this.#mayRetry(server, error, attempt, options)) throw error
        this.#driver.reportFailure(server, error)
        await this.#unbind()
      }
    }
  }

  /** A connection for a streamed read; only taking the connection is retried (rows may already be out after). */
  async #readConnection(): Promise<DatabaseConnection> {
    for (let attempt = 0; ; attempt++) {
      const server = this.#server ?? this.#bind(this.#driver.readServer(attempt))
      try {
        this.#connection ??= await server.acquire()
        return this.#connection
      } catch (error) {
        if (!this.#mayRetry(server, error, attempt, undefined)) throw error
        this.#driver.reportFailure(server, error)
        await this.#unbind()
      }
    }
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

  async #primaryConnection(): Promise<DatabaseConnection> {
    if (this.#server?.role === 'replica') await this.#unbind()
    const server = this.#server ?? this.#bind(this.#driver.config.primary)
    this.#connection ??= await server.acquire()
    return this.#connection
  }

  #bind(server: ReplicatedServer): ReplicatedServer {
    this.#server = server
    server.inFlight++
    return server
  }

  async #unbind(): Promise<void> {
    const server = this.#server
    if (server === undefined) return
    const connection = this.#connection
    this.#server = undefined
    this.#connection = undefined
    server.inFlight--
    if (connection !== undefined) await server.release(connection)
  }
}

/** Control connections (for `kill query`) from the server the query runs on, not from the router. */
function controlConnectionsOf(server: ReplicatedServer): ControlConnectionProvider {
  return async (consumer) => {
    const connection = await server.acquire()
    try {
      await consumer(connection)
    } finally {
      await server.release(connection)
    }
  }
}
