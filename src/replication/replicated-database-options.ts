import { z } from 'zod'
import {
  type DatabaseOptions,
  type ResolvedDatabaseOptions,
  resolveDatabaseOptions,
} from '../database/database-options.js'
import { InvalidOptionsError, type OptionsProblem } from '../error/invalid-options-error.js'
import { parseOptions } from '../util/parse-options.js'
import { leastBusy, type ReplicaSelector } from './replica-selector.js'

/** The options that name one server: given per server, never shared. */
const CONNECTION_FIELDS = ['url', 'host', 'port', 'user', 'password', 'database', 'socketPath'] as const
type ConnectionField = (typeof CONNECTION_FIELDS)[number]

/**
 * One server of a replicated database: its connection (a `url`, or `host`, `port`, `user`, `password`,
 * `database`, `socketPath`), and optionally `ssl` and `pool` settings that override the shared ones for it
 * (field by field for `pool`).
 *
 * @example
 * ```ts
 * import type { ServerOptions } from 'kysely-toolkit'
 *
 * const replica: ServerOptions = { url: 'mysql://app:secret@replica-1:3306/shop', pool: { max: 30 } }
 * ```
 */
export type ServerOptions = Pick<DatabaseOptions, ConnectionField | 'ssl' | 'pool'>

/**
 * How reads are routed, spread, kept consistent and failed over. Every field is optional.
 *
 * @example
 * ```ts
 * import type { ReplicationOptions } from 'kysely-toolkit'
 *
 * const replication: ReplicationOptions = { readYourWritesMs: 5_000, maxLagSeconds: 10 }
 * ```
 */
export interface ReplicationOptions {
  /**
   * After a write inside a consistency scope (`withConsistencyScope`), that scope's reads go to the primary for
   * this long, so they see the write. Set it above your replicas' usual lag. `0` turns read-your-writes off.
   * Defaults to `2_000` (the same window as Rails' automatic role switching).
   */
  readonly readYourWritesMs?: number
  /**
   * A replica reporting more lag than this (`Seconds_Behind_Master` / `Seconds_Behind_Source`), or none at all
   * (replication stopped or broken), gets no reads until it catches up. Checked every `checkIntervalMs`; needs
   * the `SLAVE MONITOR` privilege on MariaDB 10.5+ (`REPLICATION CLIENT` on MySQL and older MariaDB).
   * Defaults to `undefined`: lag is not checked.
   */
  readonly maxLagSeconds?: number
  /** How often the background check runs (probing failed replicas whose backoff ended, reading lag). Defaults to `1_000`. */
  readonly checkIntervalMs?: number
  /** How long a replica that failed stays out before it is first probed again. Defaults to `1_000`. */
  readonly initialBackoffMs?: number
  /** The longest wait between probes of a replica that keeps failing (the wait doubles after each failed probe). Defaults to `30_000`. */
  readonly maxBackoffMs?: number
  /** How long one probe (or lag reading) may take before it counts as failed. Defaults to `2_000`. */
  readonly probeTimeoutMs?: number
  /** Chooses a replica for each read. Defaults to {@link leastBusy}`()`; {@link roundRobin}`()` is the other strategy given. */
  readonly selectReplica?: ReplicaSelector
}

/**
 * Options of `createReplicatedDatabase`: a `primary`, its `replicas`, the options every server shares (as in
 * `DatabaseOptions`: `pool`, `ssl`, `timezone`, `charset`, `connectTimeoutMs`, `shutdown`, `log`, `plugins`),
 * and `replication`.
 *
 * @example
 * ```ts
 * import type { ReplicatedDatabaseOptions } from 'kysely-toolkit'
 *
 * const options: ReplicatedDatabaseOptions = {
 *   primary: { url: process.env.PRIMARY_URL! },
 *   replicas: [{ url: process.env.REPLICA_1_URL! }, { url: process.env.REPLICA_2_URL! }],
 *   pool: { max: 20 },
 *   replication: { maxLagSeconds: 10 },
 * }
 * ```
 */
export type ReplicatedDatabaseOptions = Omit<DatabaseOptions, ConnectionField> & {
  /** The server that takes writes, transactions, DDL and every read that must be current. */
  readonly primary: ServerOptions
  /** The read-only servers that follow it. May be empty: then everything goes to the primary. */
  readonly replicas: readonly ServerOptions[]
  readonly replication?: ReplicationOptions
}

/** {@link ReplicationOptions} after validation and defaults; frozen. */
export interface ResolvedReplicationOptions {
  readonly readYourWritesMs: number
  readonly maxLagSeconds: number | undefined
  readonly checkIntervalMs: number
  readonly initialBackoffMs: number
  readonly maxBackoffMs: number
  readonly probeTimeoutMs: number
  readonly selectReplica: ReplicaSelector
}

/**
 * Replicated database options after validation and defaults; frozen. The fields of `ResolvedDatabaseOptions`
 * are the primary's, so it can stand where single-server options are expected.
 */
export interface ResolvedReplicatedDatabaseOptions extends ResolvedDatabaseOptions {
  /** Each replica's options, in the order given. */
  readonly replicas: readonly ResolvedDatabaseOptions[]
  readonly replication: ResolvedReplicationOptions
}

const POSITIVE_INTEGER = 'must be a positive integer'
const NON_NEGATIVE_INTEGER = 'must be a whole number, zero or more'
const positiveInteger = () =>
  z.number({ error: POSITIVE_INTEGER }).int({ error: POSITIVE_INTEGER }).positive({ error: POSITIVE_INTEGER })

const ReplicationSchema = z
  .strictObject({
    readYourWritesMs: z
      .number({ error: NON_NEGATIVE_INTEGER })
      .int({ error: NON_NEGATIVE_INTEGER })
      .nonnegative({ error: NON_NEGATIVE_INTEGER })
      .default(2_000),
    maxLagSeconds: z
      .number({ error: 'must be a number of seconds, zero or more' })
      .nonnegative({ error: 'must be a number of seconds, zero or more' })
      .optional(),
    checkIntervalMs: positiveInteger().default(1_000),
    initialBackoffMs: positiveInteger().default(1_000),
    maxBackoffMs: positiveInteger().default(30_000),
    probeTimeoutMs: positiveInteger().default(2_000),
    selectReplica: z
      .custom<ReplicaSelector>((value) => typeof value === 'function', {
        error: 'must be a function (replicas) => index, such as leastBusy() or roundRobin()',
      })
      .optional(),
  })
  .superRefine((options, context) => {
    if (options.maxBackoffMs < options.initialBackoffMs) {
      context.addIssue({
        code: 'custom',
        path: ['maxBackoffMs'],
        message: `must not be less than initialBackoffMs (${options.initialBackoffMs})`,
        input: options.maxBackoffMs,
      })
    }
  })

const SERVER = 'must be an object with the connection: url, or host, port, user, password, database'
const isObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const TopSchema = z.looseObject({
  primary: z.custom<ServerOptions>(isObject, { error: SERVER }),
  replicas: z.array(z.custom<ServerOptions>(isObject, { error: SERVER }), {
    error: 'must be an array of server options (it may be empty)',
  }),
  replication: ReplicationSchema.default(() => ReplicationSchema.parse({})),
})

/**
 * Validates replicated database options and fills in the defaults. Every bad field is reported at once, with its
 * full path (`replicas.1.url must start with mysql:// or mariadb:// (got "http://...")`); passwords are never
 * echoed.
 *
 * @throws {InvalidOptionsError} when any option is invalid.
 *
 * @example
 * ```ts
 * import { resolveReplicatedDatabaseOptions } from 'kysely-toolkit'
 *
 * const options = resolveReplicatedDatabaseOptions({
 *   primary: { url: 'mysql://app:secret@primary:3306/shop' },
 *   replicas: [{ url: 'mysql://app:secret@replica-1:3306/shop', pool: { max: 30 } }],
 *   pool: { max: 20 },
 * })
 * options.replicas[0]?.pool.max // 30
 * options.replication.readYourWritesMs // 2000
 * ```
 */
export function resolveReplicatedDatabaseOptions(
  options: ReplicatedDatabaseOptions,
): ResolvedReplicatedDatabaseOptions {
  const problems: OptionsProblem[] = []
  let top: z.output<typeof TopSchema> | undefined
  try {
    top = parseOptions(TopSchema, options, 'replicated database options')
  } catch (error) {
    if (!InvalidOptionsError.is(error)) throw error
    problems.push(...error.problems)
  }
  const input = (isObject(options) ? options : {}) as Record<string, unknown>
  const { primary: _primary, replicas: _replicas, replication: _replication, ...shared } = input
  for (const field of CONNECTION_FIELDS) {
    if (shared[field] !== undefined) {
      problems.push({
        path: field,
        message: `${field} cannot be shared: give it in primary and in each of replicas`,
      })
      delete shared[field]
    }
  }
  // The shared options are checked once, with a stand-in connection, so that their problems are not repeated
  // for every server.
  const sharedProblems = problemsOf(() => resolveDatabaseOptions({ ...shared, host: 'localhost' }))
  problems.push(...sharedProblems)

  const resolveServer = (server: unknown, path: string): ResolvedDatabaseOptions | undefined => {
    if (!isObject(server)) return undefined
    const own = server as Record<string, unknown>
    const merged: Record<string, unknown> = { ...shared, ...own }
    if (isObject(shared.pool) && isObject(own.pool)) merged.pool = { ...shared.pool, ...own.pool }
    let resolved: ResolvedDatabaseOptions | undefined
    const serverProblems = problemsOf(() => {
      resolved = resolveDatabaseOptions(merged as DatabaseOptions)
    })
    if (sharedProblems.length === 0) {
      for (const problem of serverProblems) {
        problems.push({ path: `${path}.${problem.path}`, message: `${path}.${problem.message}` })
      }
    }
    return resolved
  }
  const primary = resolveServer(input.primary, 'primary')
  const replicas = Array.isArray(input.replicas)
    ? input.replicas.map((replica, index) => resolveServer(replica, `replicas.${index}`))
    : []

  if (problems.length > 0 || top === undefined || primary === undefined) {
    throw new InvalidOptionsError('replicated database options', problems)
  }
  const replication = top.replication
  return Object.freeze({
    ...primary,
    replicas: Object.freeze(replicas as ResolvedDatabaseOptions[]),
    replication: Object.freeze({
      readYourWritesMs: replication.readYourWritesMs,
      maxLagSeconds: replication.maxLagSeconds,
      checkIntervalMs: replication.checkIntervalMs,
      initialBackoffMs: replication.initialBackoffMs,
      maxBackoffMs: replication.maxBackoffMs,
      probeTimeoutMs: replication.probeTimeoutMs,
      selectReplica: replication.selectReplica ?? leastBusy(),
    }),
  })
}

function problemsOf(task: () => void): readonly OptionsProblem[] {
  try {
    task()
    return []
  } catch (error) {
    if (InvalidOptionsError.is(error)) return error.problems
    throw error
  }
}
