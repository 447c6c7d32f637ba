import { Kysely } from 'kysely'
import { type CloseOptions, createGuardedPool, type Database } from '../database/create-database.js'
import type { ResolvedDatabaseOptions } from '../database/database-options.js'
import type { PoolStats } from '../database/guarded-pool.js'
import { checkHealth, type HealthOptions, type HealthReport } from '../database/health.js'
import { QueryLogDialect } from '../plugin/query-log-dialect.js'
import { ReplicaMonitor, type ReplicaStatus } from './replica-monitor.js'
import {
  type ReplicatedDatabaseOptions,
  type ResolvedReplicatedDatabaseOptions,
  resolveReplicatedDatabaseOptions,
} from './replicated-database-options.js'
import { ReplicatedDialect } from './replicated-dialect.js'
import { ReplicatedServer } from './replicated-server.js'

/** One pool's counts, with the server it belongs to. */
export interface ServerPoolStats extends PoolStats {
  /** `primary`, `replica 1`, `replica 2`, ... */
  readonly name: string
  /** `host:port`, or the socket path. */
  readonly address: string
}

/**
 * Pool counts of a replicated database: the top-level fields are the sums over every pool (so it reads like a
 * single pool's {@link PoolStats}), `primary` and `replicas` give each pool's own.
 */
export interface ReplicatedPoolStats extends PoolStats {
  readonly primary: ServerPoolStats
  readonly replicas: readonly ServerPoolStats[]
}

/** One replica's health check, with where it stands for routing. */
export interface ReplicaHealthReport extends HealthReport, ReplicaStatus {
  readonly pool: ServerPoolStats
}

/**
 * What `health()` of a replicated database reports. The top-level fields are the primary's (its status,
 * latency, version, error), except `pool`, which sums every pool: the database is `healthy` when the primary
 * answers, since reads fall back to it. Read `replicas` for the read capacity: each replica's own check and its
 * routing state (`available`, `down`, `lagging`).
 */
export interface ReplicatedHealthReport extends HealthReport {
  readonly pool: ReplicatedPoolStats
  readonly primary: HealthReport & { readonly pool: ServerPoolStats }
  readonly replicas: readonly ReplicaHealthReport[]
}

/**
 * A `Kysely<DB>` over a primary and its replicas, with health, pool statistics and graceful shutdown. It extends
 * {@link Database}, so it can be passed wherever one is expected (`closeOnSignals`, the CLI's health check).
 * Every function is bound, so it can be destructured.
 */
export interface ReplicatedDatabase<DB> extends Database<DB> {
  /** The validated options, frozen: the top-level fields are the primary's (never log this object). */
  readonly options: ResolvedReplicatedDatabaseOptions
  /** Checks every server with one round trip each, in parallel; never throws (see {@link ReplicatedHealthReport}). */
  readonly health: (options?: HealthOptions) => Promise<ReplicatedHealthReport>
  /** Current connection counts, summed and per pool. */
  readonly poolStats: () => ReplicatedPoolStats
  /** Where each replica stands for routing now, from what queries and the background check have seen. */
  readonly replicaStatus: () => readonly ReplicaStatus[]
  /**
   * Runs the background check now on every replica (down ones included, whatever their backoff: a replica that
   * answers is back at once) and returns where they stand.
   */
  readonly checkReplicas: () => Promise<readonly ReplicaStatus[]>
}

/**
 * Creates a `Kysely<DB>` over a primary and its replicas whose statements are routed under the hood, so every
 * query builder call, repository and transaction works unchanged:
 * - plain reads (SELECT, `WITH ... SELECT`) outside a transaction go to a replica, the least busy one
 *   ({@link leastBusy});
 * - everything else goes to the primary: writes, DDL, transactions (with every statement in them), locking reads
 *   (`FOR UPDATE`, `FOR SHARE`, `LOCK IN SHARE MODE`), SELECTs using session state (`GET_LOCK`,
 *   `LAST_INSERT_ID`, `@variables`, ...) and raw `sql` unless marked with {@link routeToReplica};
 * - {@link withPrimary} or {@link routeToPrimary} send reads to the primary for a scope or a query;
 * - read-your-writes: inside {@link withConsistencyScope}, reads after a write go to the primary for
 *   `replication.readYourWritesMs`;
 * - a replica whose connection fails is taken out and probed again with exponential backoff; reads fall back to
 *   the other replicas, then to the primary, and a read cut by such a failure is retried on another server;
 * - with `replication.maxLagSeconds`, a replica further behind is skipped until it catches up.
 *
 * Each server gets a guarded pool set up as `createDatabase` sets up its own (see `PoolOptions`).
 *
 * Why a function of its own rather than more options of `createDatabase`: what it returns reports per server
 * (health, pool statistics, replica states), and keeping the two apart leaves `createDatabase`'s options, types
 * and errors exactly as they are. Its result still satisfies `Database<DB>`.
 *
 * @throws {InvalidOptionsError} when an option is invalid; nothing is connected then.
 *
 * @example
 * ```ts
 * import { createReplicatedDatabase, withConsistencyScope } from 'kysely-toolkit'
 * import type { DB } from './generated/db.js'
 *
 * const database = createReplicatedDatabase<DB>({
 *   primary: { url: process.env.PRIMARY_URL! },
 *   replicas: [{ url: process.env.REPLICA_1_URL! }, { url: process.env.REPLICA_2_URL! }],
 *   pool: { max: 20 },
 *   replication: { readYourWritesMs: 2_000, maxLagSeconds: 10 },
 * })
 * const { db } = database
 *
 * const users = await db.selectFrom('users').select(['id', 'email']).execute() // a replica
 * await withConsistencyScope(async () => {
 *   await db.updateTable('users').set({ status: 'inactive' }).where('id', '=', 1).execute() // the primary
 *   await db.selectFrom('users').selectAll().where('id', '=', 1).execute() // the primary: sees the update
 * })
 * await database.close()
 * ```
 */
export function createReplicatedDatabase<DB>(options: ReplicatedDatabaseOptions): ReplicatedDatabase<DB> {
  const resolved = resolveReplicatedDatabaseOptions(options)
  const primary = new ReplicatedServer('primary', 'primary', addressOf(resolved), createGuardedPool(resolved))
  const replicas = resolved.replicas.map(
    (replica, index) =>
      new ReplicatedServer(`replica ${index + 1}`, 'replica', addressOf(replica), createGuardedPool(replica)),
  )
  const servers = [primary, ...replicas]
  const monitor = new ReplicaMonitor(replicas, resolved.replication)
  // At once rather than at the first query: with maxLagSeconds, replicas take reads only once their lag is known.
  monitor.start()
  const dialect = new ReplicatedDialect({
    primary,
    replicas,
    monitor,
    replication: resolved.replication,
    shutdownTimeoutMs: resolved.shutdown.timeoutMs,
  })
  const { log } = resolved
  const db = new Kysely<DB>({
    // As createDatabase: a log function is called through QueryLogDialect (one timing per query, row counts for
    // the query logger without its plugin); Kysely's log levels array keeps Kysely's own logging.
    dialect: typeof log === 'function' ? new QueryLogDialect({ dialect, log }) : dialect,
    ...(log === undefined || typeof log === 'function' ? {} : { log }),
    plugins: [...resolved.plugins],
  })

  const poolStats = (): ReplicatedPoolStats => {
    const [primaryStats, ...replicaStats] = servers.map(serverStats) as [
      ServerPoolStats,
      ...ServerPoolStats[],
    ]
    const sum = (field: keyof PoolStats): number =>
      primaryStats[field] + replicaStats.reduce((total, stats) => total + stats[field], 0)
    return Object.freeze({
      total: sum('total'),
      idle: sum('idle'),
      inUse: sum('inUse'),
      waiting: sum('waiting'),
      max: sum('max'),
      primary: primaryStats,
      replicas: Object.freeze(replicaStats),
    })
  }

  const health = async (healthOptions?: HealthOptions): Promise<ReplicatedHealthReport> => {
    const [primaryReport, ...replicaReports] = await Promise.all(
      servers.map(async (server) => {
        const report = await checkHealth(server.pool, healthOptions)
        return Object.freeze({ ...report, pool: serverStats(server) })
      }),
    )
    const statuses = monitor.status()
    return Object.freeze({
      ...primaryReport!,
      pool: poolStats(),
      primary: primaryReport!,
      replicas: Object.freeze(
        replicaReports.map((report, index) => Object.freeze({ ...report, ...statuses[index]! })),
      ),
    })
  }

  const close = async (closeOptions: CloseOptions = {}): Promise<void> => {
    monitor.stop()
    const timeoutMs = closeOptions.timeoutMs ?? resolved.shutdown.timeoutMs
    await Promise.all(servers.map((server) => server.pool.close(timeoutMs)))
  }

  return Object.freeze({
    db,
    options: resolved,
    health,
    poolStats,
    replicaStatus: () => monitor.status(),
    checkReplicas: async () => {
      await monitor.checkNow()
      return monitor.status()
    },
    close,
    [Symbol.asyncDispose]: () => close(),
  })
}

function serverStats(server: ReplicatedServer): ServerPoolStats {
  return Object.freeze({ ...server.pool.stats(), name: server.name, address: server.address })
}

function addressOf(options: ResolvedDatabaseOptions): string {
  const { socketPath, host, port } = options.connection
  return socketPath ?? `${host}:${port}`
}
