import { Kysely, MysqlDialect } from 'kysely'
import { createPool, type SslOptions } from 'mysql2'
import { QueryLogDialect } from '../plugin/query-log-dialect.js'
import {
  type DatabaseOptions,
  type ResolvedDatabaseOptions,
  resolveDatabaseOptions,
} from './database-options.js'
import { formatQuery } from './format-query.js'
import { GuardedPool, type PoolStats } from './guarded-pool.js'
import { checkHealth, type HealthOptions, type HealthReport } from './health.js'
import { createCastFilter, createTypeCast } from './type-cast.js'

/** Options of `close()`. */
export interface CloseOptions {
  /** How long running queries may take to finish before their connections are cut. Defaults to `shutdown.timeoutMs`. */
  readonly timeoutMs?: number
}

/**
 * A `Kysely<DB>` on a guarded mysql2 pool, with health, pool statistics and graceful shutdown.
 * Every function is bound, so it can be destructured.
 */
export interface Database<DB> {
  /** The query builder. Pass it (or a transaction made from it) to your data-access functions. */
  readonly db: Kysely<DB>
  /** The validated options, frozen (the password is kept; never log this object). */
  readonly options: ResolvedDatabaseOptions
  /** Checks the server with one round trip; never throws (see {@link HealthReport}). */
  readonly health: (options?: HealthOptions) => Promise<HealthReport>
  /** Current connection counts. */
  readonly poolStats: () => PoolStats
  /**
   * Stops taking new queries (they fail with `DatabaseClosedError`), lets running ones finish up to the deadline,
   * then ends the pool. Safe to call more than once.
   */
  readonly close: (options?: CloseOptions) => Promise<void>
  /** `await using database = createDatabase(...)` closes it at the end of the scope. */
  readonly [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * Creates a `Kysely<DB>` on a mysql2 pool set up for production, with the toolkit's extras.
 *
 * The pool: utf8mb4, UTC session time zone (`timezone: 'Z'`), `multipleStatements` always off, values read as
 * the `types` option says, the same way on MySQL and MariaDB (by default BIGINT, DECIMAL, DATE, JSON and
 * DATETIME(4..6) as strings: no silent precision loss; see `TypeCastOptions`), TCP keep-alive, a bounded wait for a connection
 * (`PoolTimeoutError`), idle connections checked before use, and only scalar values bound to queries
 * (`UnsafeParameterError`). See {@link PoolOptions} for every default.
 *
 * @throws {InvalidOptionsError} when an option is invalid; nothing is connected then.
 *
 * @example
 * ```ts
 * import { createDatabase, databaseOptionsFromEnv } from 'kysely-toolkit'
 * import type { DB } from './generated/db.js'
 *
 * const database = createDatabase<DB>({ ...databaseOptionsFromEnv(), pool: { max: 20 } })
 * const users = await database.db.selectFrom('users').select(['id', 'email']).execute()
 * console.log(await database.health()) // { status: 'healthy', latencyMs: 0.4, serverVersion: '8.4.3', ... }
 * await database.close()
 * ```
 */
export function createDatabase<DB>(options: DatabaseOptions): Database<DB> {
  const resolved = resolveDatabaseOptions(options)
  const pool = createGuardedPool(resolved)
  const dialect = new MysqlDialect({ pool })
  const { log } = resolved
  const db = new Kysely<DB>({
    // A log function is called through QueryLogDialect: one timing per query instead of Kysely's three awaited
    // wrappers, and the result for the query logger's row counts (see QueryLogDialect).
    dialect: typeof log === 'function' ? new QueryLogDialect({ dialect, log }) : dialect,
    ...(log === undefined || typeof log === 'function' ? {} : { log }),
    plugins: [...resolved.plugins],
  })
  const close = (closeOptions: CloseOptions = {}): Promise<void> =>
    pool.close(closeOptions.timeoutMs ?? resolved.shutdown.timeoutMs)
  return Object.freeze({
    db,
    options: resolved,
    health: (healthOptions?: HealthOptions) => checkHealth(pool, healthOptions),
    poolStats: () => pool.stats(),
    close,
    [Symbol.asyncDispose]: () => close(),
  })
}

/**
 * Makes the guarded mysql2 pool that {@link createDatabase} uses.
 *
 * @internal
 */
export function createGuardedPool(resolved: ResolvedDatabaseOptions): GuardedPool {
  const { connection, pool: poolOptions } = resolved
  const mysqlPool = createPool({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    password: connection.password,
    ...(connection.database === undefined ? {} : { database: connection.database }),
    ...(connection.socketPath === undefined ? {} : { socketPath: connection.socketPath }),
    ...(resolved.ssl === undefined || resolved.ssl === false
      ? {}
      : { ssl: resolved.ssl === true ? {} : (withoutUndefined(resolved.ssl) as SslOptions) }),
    charset: resolved.charset,
    timezone: resolved.timezone,
    connectTimeout: resolved.connectTimeoutMs,
    connectionLimit: poolOptions.max,
    maxIdle: poolOptions.maxIdle,
    idleTimeout: poolOptions.idleTimeoutMs,
    queueLimit: poolOptions.queueLimit,
    waitForConnections: true,
    enableKeepAlive: true,
    keepAliveInitialDelay: poolOptions.keepAliveInitialDelayMs,
    multipleStatements: false,
    // Values are bound client-side: format them so NO_BACKSLASH_ESCAPES sessions read them the same.
    queryFormat: formatQuery,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    // No typeCast on the pool: the guarded pool applies it to the result sets that have a column it converts.
  })
  const guarded = new GuardedPool(mysqlPool, {
    max: poolOptions.max,
    acquireTimeoutMs: poolOptions.acquireTimeoutMs,
    validateAfterIdleMs: poolOptions.validateAfterIdleMs,
    sessionTimeZone: sessionTimeZoneOf(resolved.timezone),
    cast: { typeCast: createTypeCast(resolved.types), needed: createCastFilter(resolved.types) },
    redactErrors: resolved.redactErrors,
  })
  guarded.setShutdownTimeout(resolved.shutdown.timeoutMs)
  return guarded
}

function withoutUndefined(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined))
}

/** The session time zone matching mysql2's `timezone` option; `local` cannot be pinned (it moves with DST). */
function sessionTimeZoneOf(timezone: string): string | undefined {
  if (timezone === 'Z') return '+00:00'
  if (/^[+-]\d\d:\d\d$/.test(timezone)) return timezone
  return undefined
}
