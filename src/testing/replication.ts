import { randomBytes } from 'node:crypto'
import type { Connection } from 'mysql2/promise'
import { InvalidOptionsError } from '../error/invalid-options-error.js'
import { ReplicaSyncTimeoutError } from '../error/replica-sync-timeout-error.js'
import { ServerStartFailedError } from '../error/server-start-failed-error.js'
import { connectAsRoot, type PrivateServer, startPrivateServer } from './private-server.js'
import { compareVersions, findServerBinary, inspectServerBinary, type ServerBinary } from './server-binary.js'

/**
 * Options of {@link startReplicatedServers}. Every field is optional.
 *
 * @example
 * ```ts
 * import { startReplicatedServers } from 'kysely-toolkit/testing'
 *
 * const servers = await startReplicatedServers({ replicas: 2, args: ['--max-connections=500'] })
 * ```
 */
export interface ReplicatedServersOptions {
  /** How many replicas follow the primary. Defaults to `1`. */
  readonly replicas?: 1 | 2
  /**
   * The server binary, as in `PrivateServerOptions.binary`. Defaults to `KYSELY_TOOLKIT_SERVER_BINARY`, else the
   * installed `mariadbd`/`mysqld`.
   */
  readonly binary?: string
  /** Extra arguments for every server, after the toolkit's own. Defaults to none. */
  readonly args?: readonly string[]
  /** How long each server may take to start, and the replicas to first catch up. Defaults to `30_000` ms. */
  readonly startupTimeoutMs?: number
}

/**
 * The statements that differ between MariaDB, MySQL 8.0.23+ (8.4 and 9.x know only these: the MASTER/SLAVE
 * statements are gone) and older MySQL 8.
 */
interface ReplicationDialect {
  /** Extra arguments for the primary and for every replica. */
  readonly primaryArgs: readonly string[]
  readonly replicaArgs: readonly string[]
  /** `CHANGE ... TO` with four placeholders: host, port, user, password. */
  readonly changeSource: string
  readonly start: string
  readonly startSqlThread: string
  readonly stopSqlThread: string
  readonly status: string
  readonly lagColumn: string
  readonly ioRunningColumn: string
  readonly sqlRunningColumn: string
  /** The primary's GTID position, selected `AS position`. */
  readonly primaryPosition: string
  /** Waits on the replica for a position: placeholders position and timeout (seconds); `AS result`. */
  readonly waitForPosition: string
  readonly waitSucceeded: (result: unknown) => boolean
  readonly timeoutSeconds: (timeoutMs: number) => number
}

const MARIADB: ReplicationDialect = {
  // MariaDB always has GTIDs; the replica follows them with MASTER_USE_GTID.
  primaryArgs: ['--log-bin=binlog', '--binlog-format=ROW'],
  replicaArgs: ['--read-only', '--relay-log=relay-bin', '--binlog-format=ROW'],
  changeSource:
    'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
    'MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1',
  start: 'START SLAVE',
  startSqlThread: 'START SLAVE SQL_THREAD',
  stopSqlThread: 'STOP SLAVE SQL_THREAD',
  status: 'SHOW SLAVE STATUS',
  lagColumn: 'Seconds_Behind_Master',
  ioRunningColumn: 'Slave_IO_Running',
  sqlRunningColumn: 'Slave_SQL_Running',
  primaryPosition: 'SELECT @@GLOBAL.gtid_binlog_pos AS position',
  waitForPosition: 'SELECT MASTER_GTID_WAIT(?, ?) AS result', // 0 when reached, -1 on timeout
  waitSucceeded: (result) => Number(result) === 0,
  timeoutSeconds: (timeoutMs) => timeoutMs / 1_000,
}

/**
 * MySQL needs GTID mode on both sides for SOURCE_AUTO_POSITION (run by the tests on MySQL 9.7). Its binary log is
 * row-based by default (`--binlog-format` is deprecated from 8.0.34).
 */
const MYSQL_GTID_ARGS = ['--gtid-mode=ON', '--enforce-gtid-consistency=ON', '--log-bin=binlog']

const MYSQL_COMMON = {
  primaryArgs: MYSQL_GTID_ARGS,
  replicaArgs: [...MYSQL_GTID_ARGS, '--read-only', '--relay-log=relay-bin'],
  primaryPosition: 'SELECT @@GLOBAL.gtid_executed AS position',
  waitForPosition: 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS result', // 0 when reached, 1 on timeout
  waitSucceeded: (result: unknown) => Number(result) === 0,
  timeoutSeconds: (timeoutMs: number) => Math.max(1, Math.ceil(timeoutMs / 1_000)), // whole seconds only
} as const

/**
 * MySQL 8.0.23+ (the only syntax left in 8.4 and 9.x): CHANGE REPLICATION SOURCE, START REPLICA, SHOW REPLICA
 * STATUS.
 */
const MYSQL: ReplicationDialect = {
  ...MYSQL_COMMON,
  // GET_SOURCE_PUBLIC_KEY: caching_sha2_password over a connection without TLS needs the server's RSA key.
  changeSource:
    'CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = ?, SOURCE_USER = ?, SOURCE_PASSWORD = ?, ' +
    'SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1, SOURCE_CONNECT_RETRY = 1',
  start: 'START REPLICA',
  startSqlThread: 'START REPLICA SQL_THREAD',
  stopSqlThread: 'STOP REPLICA SQL_THREAD',
  status: 'SHOW REPLICA STATUS',
  lagColumn: 'Seconds_Behind_Source',
  ioRunningColumn: 'Replica_IO_Running',
  sqlRunningColumn: 'Replica_SQL_Running',
}

/** MySQL 8.0.0-8.0.22: the older names. */
const MYSQL_BEFORE_8_0_23: ReplicationDialect = {
  ...MYSQL_COMMON,
  changeSource:
    'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
    'MASTER_AUTO_POSITION = 1, GET_MASTER_PUBLIC_KEY = 1, MASTER_CONNECT_RETRY = 1',
  start: 'START SLAVE',
  startSqlThread: 'START SLAVE SQL_THREAD',
  stopSqlThread: 'STOP SLAVE SQL_THREAD',
  status: 'SHOW SLAVE STATUS',
  lagColumn: 'Seconds_Behind_Master',
  ioRunningColumn: 'Slave_IO_Running',
  sqlRunningColumn: 'Slave_SQL_Running',
}

/**
 * A MySQL replica applies with parallel workers (4 by default from 8.0.27) and moves its `SHOW REPLICA STATUS`
 * position at each checkpoint, every 300 ms by default: until then a caught-up replica still reads as one
 * transaction behind, and its lag as `1` when a second turned meanwhile (seen in 1 of 30 reads right after
 * `waitForReplicaSync`). Every 10 ms makes its status as prompt as MariaDB's at no idle cost (measured: the same CPU
 * as 300 ms; every 1 ms costs 2.6% of a core idle). The option was `slave_checkpoint_period` before 8.0.26.
 */
function checkpointArg(version: string): string {
  const name = compareVersions(version, '8.0.26') >= 0 ? 'replica' : 'slave'
  return `--${name}-checkpoint-period=10`
}

function dialectFor(binary: ServerBinary): ReplicationDialect {
  if (binary.flavor === 'mariadb') return MARIADB
  const dialect = compareVersions(binary.version, '8.0.23') >= 0 ? MYSQL : MYSQL_BEFORE_8_0_23
  return { ...dialect, replicaArgs: [...dialect.replicaArgs, checkpointArg(binary.version)] }
}

const REPLICATION_USER = 'replicator'

async function withRoot<T>(server: PrivateServer, task: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await connectAsRoot(server.socketPath)
  try {
    return await task(connection)
  } finally {
    connection.destroy()
  }
}

/** Runs a statement that carries a secret: a failure must not carry the SQL (mysql2 puts it in `error.sql`). */
async function querySecret(
  connection: Connection,
  sql: string,
  values: Array<string | number>,
): Promise<void> {
  try {
    await connection.query(sql, values)
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'sql' in error) {
      ;(error as { sql?: string }).sql = sql // the statement with placeholders, not the password
    }
    throw error
  }
}

/**
 * A primary with a binary log and one or two read-only replicas following it with GTIDs, all private servers
 * (see `PrivateServer`) on ports of their own. Made by {@link startReplicatedServers}; use the helpers below to
 * wait for replication, or to create lag on purpose.
 *
 * @example
 * ```ts
 * import { createConnection } from 'mysql2/promise'
 * import { startReplicatedServers } from 'kysely-toolkit/testing'
 *
 * await using servers = await startReplicatedServers({ replicas: 1 })
 * const [replica] = servers.replicas
 * const primary = await createConnection(servers.primary.url)
 * await primary.query('CREATE DATABASE shop')
 * await servers.waitForReplicaSync(replica!)
 * // `shop` now exists on the replica too
 * await primary.end()
 * ```
 */
export class ReplicatedServers implements AsyncDisposable {
  /** The primary: binary log on, `--server-id=1`. */
  readonly primary: PrivateServer
  /** The replicas, `--read-only`, server ids 2 and 3. */
  readonly replicas: readonly PrivateServer[]
  readonly #dialect: ReplicationDialect

  /** @internal Use {@link startReplicatedServers}. */
  constructor(primary: PrivateServer, replicas: readonly PrivateServer[], dialect: ReplicationDialect) {
    this.primary = primary
    this.replicas = Object.freeze([...replicas])
    this.#dialect = dialect
  }

  /**
   * Waits until `replica` has applied everything the primary had committed when this was called (compares GTID
   * positions: `MASTER_GTID_WAIT` on MariaDB, `WAIT_FOR_EXECUTED_GTID_SET` on MySQL).
   *
   * @param timeoutMs Defaults to `10_000`. MySQL waits in whole seconds (rounded up).
   * @throws {@link ReplicaSyncTimeoutError} when the replica is not there in time (e.g. while paused).
   *
   * @example
   * ```ts
   * await primary.query("INSERT INTO shop.users (email) VALUES ('ada@example.com')")
   * await servers.waitForReplicaSync(servers.replicas[0]!)
   * ```
   */
  async waitForReplicaSync(replica: PrivateServer, timeoutMs = 10_000): Promise<void> {
    this.#assertReplica(replica)
    const dialect = this.#dialect
    const position = await withRoot(this.primary, async (connection) => {
      const [rows] = await connection.query(dialect.primaryPosition)
      return String((rows as Array<{ position: unknown }>)[0]?.position ?? '')
    })
    const reached = await withRoot(replica, async (connection) => {
      const [rows] = await connection.query(dialect.waitForPosition, [
        position,
        dialect.timeoutSeconds(timeoutMs),
      ])
      return dialect.waitSucceeded((rows as Array<{ result: unknown }>)[0]?.result)
    })
    if (!reached) throw new ReplicaSyncTimeoutError(`${replica.host}:${replica.port}`, timeoutMs, position)
  }

  /**
   * Stops the replica's SQL thread: it keeps receiving the primary's changes but applies none, so reads on it
   * fall behind until {@link ReplicatedServers.resumeReplication}. (`Seconds_Behind_Master` reads `NULL` while
   * paused.)
   *
   * @example
   * ```ts
   * await servers.pauseReplication(replica)
   * await primary.query('INSERT INTO shop.orders ...') // not visible on the replica
   * await servers.resumeReplication(replica)
   * ```
   */
  async pauseReplication(replica: PrivateServer): Promise<void> {
    this.#assertReplica(replica)
    await withRoot(replica, (connection) => connection.query(this.#dialect.stopSqlThread))
  }

  /**
   * Starts the replica's SQL thread again after {@link ReplicatedServers.pauseReplication}; it catches up on its
   * own (use {@link ReplicatedServers.waitForReplicaSync} to wait for that).
   *
   * @example
   * ```ts
   * await servers.resumeReplication(replica)
   * await servers.waitForReplicaSync(replica)
   * ```
   */
  async resumeReplication(replica: PrivateServer): Promise<void> {
    this.#assertReplica(replica)
    await withRoot(replica, (connection) => connection.query(this.#dialect.startSqlThread))
  }

  /**
   * The replica's lag as it reports it (`Seconds_Behind_Master`, or `Seconds_Behind_Source` on MySQL 8.0.22+):
   * a number of seconds, or `null` when it is not replicating (a thread stopped or paused, or not connected).
   *
   * @example
   * ```ts
   * const lag = await servers.replicationLagSeconds(replica) // 0 when caught up
   * ```
   */
  async replicationLagSeconds(replica: PrivateServer): Promise<number | null> {
    this.#assertReplica(replica)
    const status = await readReplicaStatus(replica, this.#dialect)
    const lag = status?.[this.#dialect.lagColumn]
    return lag === null || lag === undefined ? null : Number(lag)
  }

  /**
   * Destroys every server (see `PrivateServer.destroy`). Safe to call twice.
   *
   * @example
   * ```ts
   * await servers.destroy()
   * ```
   */
  async destroy(): Promise<void> {
    await Promise.all([this.primary, ...this.replicas].map((server) => server.destroy()))
  }

  /** Same as {@link ReplicatedServers.destroy}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy()
  }

  #assertReplica(replica: PrivateServer): void {
    if (!this.replicas.includes(replica)) {
      throw new InvalidOptionsError('replica', [
        {
          path: 'replica',
          message: `replica must be one of these servers' replicas (got the server on port ${replica.port})`,
        },
      ])
    }
  }
}

/** The replica's status row, or `undefined` when it is not configured as a replica. */
async function readReplicaStatus(
  replica: PrivateServer,
  dialect: ReplicationDialect,
): Promise<Record<string, unknown> | undefined> {
  return await withRoot(replica, async (connection) => {
    const [rows] = await connection.query(dialect.status)
    return (rows as Array<Record<string, unknown>>)[0]
  })
}

/** Waits for the replicas' first catch-up; on failure, says what their status reports. */
async function waitForFirstSync(
  servers: ReplicatedServers,
  dialect: ReplicationDialect,
  timeoutMs: number,
): Promise<void> {
  for (const replica of servers.replicas) {
    try {
      await servers.waitForReplicaSync(replica, timeoutMs)
    } catch (error) {
      if (!ReplicaSyncTimeoutError.is(error)) throw error
      const status = await readReplicaStatus(replica, dialect)
      const show = (column: string): string => `${column}: ${String(status?.[column] ?? '')}`
      throw new ServerStartFailedError(
        replica.binary,
        `the replica on port ${replica.port} did not catch up`,
        {
          logTail: [
            show(dialect.ioRunningColumn),
            show('Last_IO_Error'),
            show(dialect.sqlRunningColumn),
            show('Last_SQL_Error'),
          ].join('\n'),
          cause: error,
        },
      )
    }
  }
}

/**
 * Starts a primary and `replicas` replicas from the installed `mariadbd` (or Oracle MySQL `mysqld`), each a private
 * server of its own, and sets up GTID replication: the primary gets a row-based binary log (`--log-bin`, and
 * `--binlog-format=ROW` on MariaDB; on MySQL, where ROW is the default, `--gtid-mode=ON
 * --enforce-gtid-consistency=ON`) and a replication user with a random password that is
 * never logged; each replica runs `--read-only` and follows it (`MASTER_USE_GTID=slave_pos` on MariaDB,
 * `SOURCE_AUTO_POSITION=1` on MySQL). Resolves once every replica has caught up.
 *
 * Private servers only: replication between MySQL containers is not implemented (yet).
 *
 * @throws {@link ServerStartFailedError} when a server does not start or a replica does not catch up.
 *
 * @example
 * ```ts
 * import { startReplicatedServers } from 'kysely-toolkit/testing'
 *
 * const servers = await startReplicatedServers({ replicas: 2 })
 * try {
 *   console.log(servers.primary.url, servers.replicas.map((replica) => replica.url))
 * } finally {
 *   await servers.destroy()
 * }
 * ```
 */
export async function startReplicatedServers(
  options: ReplicatedServersOptions = {},
): Promise<ReplicatedServers> {
  const count = options.replicas ?? 1
  if (count !== 1 && count !== 2) {
    throw new InvalidOptionsError('replicated servers options', [
      { path: 'replicas', message: `replicas must be 1 or 2 (got ${JSON.stringify(count)})` },
    ])
  }
  const path = options.binary ?? (await findServerBinary())
  if (path === undefined) {
    throw new ServerStartFailedError(
      'mariadbd',
      'no mariadbd or mysqld binary was found on PATH or in the usual sbin directories',
    )
  }
  const dialect = dialectFor(await inspectServerBinary(path))
  const startupTimeoutMs = options.startupTimeoutMs ?? 30_000
  const extra = options.args ?? []

  const starting = [
    startPrivateServer({
      binary: path,
      serverId: 1,
      startupTimeoutMs,
      args: [...dialect.primaryArgs, ...extra],
    }),
    ...Array.from({ length: count }, (_, index) =>
      startPrivateServer({
        binary: path,
        serverId: index + 2,
        startupTimeoutMs,
        args: [...dialect.replicaArgs, ...extra],
      }),
    ),
  ]
  const settled = await Promise.allSettled(starting)
  const started = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failure = settled.find((result) => result.status === 'rejected')
  if (failure !== undefined) {
    await Promise.all(started.map((server) => server.destroy()))
    throw failure.reason
  }
  const [primary, ...replicas] = started as [PrivateServer, ...PrivateServer[]]
  const servers = new ReplicatedServers(primary, replicas, dialect)
  try {
    const password = randomBytes(24).toString('base64url')
    await withRoot(primary, async (connection) => {
      await querySecret(connection, `CREATE USER '${REPLICATION_USER}'@'%' IDENTIFIED BY ?`, [password])
      await connection.query(`GRANT REPLICATION SLAVE ON *.* TO '${REPLICATION_USER}'@'%'`)
    })
    await Promise.all(
      replicas.map((replica) =>
        withRoot(replica, async (connection) => {
          await querySecret(connection, dialect.changeSource, [
            primary.host,
            primary.port,
            REPLICATION_USER,
            password,
          ])
          await connection.query(dialect.start)
        }),
      ),
    )
    await waitForFirstSync(servers, dialect, startupTimeoutMs)
    return servers
  } catch (error) {
    await servers.destroy()
    throw error
  }
}
