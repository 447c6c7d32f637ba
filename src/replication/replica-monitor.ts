import type { GuardedPool } from '../database/guarded-pool.js'
import { isConnectionFailure } from './connection-failure.js'
import type { ResolvedReplicationOptions } from './replicated-database-options.js'
import type { ReplicatedServer } from './replicated-server.js'
import { lagStatementFor, parseLag } from './replication-lag.js'

/**
 * Where a replica stands for routing: `available` (gets reads), `down` (a connection to it failed; probed again
 * after a backoff), `lagging` (reachable, but behind by more than `maxLagSeconds`, not replicating, or its lag
 * could not be read).
 *
 * @example
 * ```ts
 * import { REPLICA_STATES } from 'kysely-toolkit'
 *
 * REPLICA_STATES // ['available', 'down', 'lagging']
 * ```
 */
export const REPLICA_STATES = ['available', 'down', 'lagging'] as const
/** A value of {@link REPLICA_STATES}. */
export type ReplicaState = (typeof REPLICA_STATES)[number]

/** A problem seen on a replica: a driver (or toolkit) error code and its message. Never holds a password. */
export interface ReplicaProblem {
  readonly code: string
  readonly message: string
  readonly at: Date
}

/** How a replica stands, as `replicaStatus()` and `health()` report it. */
export interface ReplicaStatus {
  /** `replica 1`, `replica 2`, ... in the order of the `replicas` option. */
  readonly name: string
  /** `host:port`, or the socket path. */
  readonly address: string
  readonly state: ReplicaState
  /**
   * The last lag read (`Seconds_Behind_Master`/`Seconds_Behind_Source`) in seconds; `null` when the replica
   * reported none (replication stopped or not connected); `undefined` when not read (no `maxLagSeconds`, or the
   * reading failed: see `lagProblem`). `0` for a server that is not set up as a replica.
   */
  readonly lagSeconds: number | null | undefined
  /** Why the lag could not be read (e.g. a missing privilege), if it could not. */
  readonly lagProblem: ReplicaProblem | undefined
  /** Failed probes in a row since it went down (0 when it is not down). */
  readonly failures: number
  /** When it is probed next, while it is down. */
  readonly retryAt: Date | undefined
  /** The last connection failure seen on it, if any (kept after it recovers). */
  readonly lastFailure: ReplicaProblem | undefined
  /** Connections of it held by queries from this process right now. */
  readonly inFlight: number
}

interface Health {
  down: boolean
  failures: number
  /** `performance.now()` time of the next probe while down. */
  retryAt: number
  probing: Promise<void> | undefined
  lagStatement: string | undefined
  replicating: boolean | undefined
  lagSeconds: number | null | undefined
  lagProblem: ReplicaProblem | undefined
  lastFailure: ReplicaProblem | undefined
}

/**
 * The delay before the `failures`-th probe of a replica that is down: `initialMs`, doubled after each failed
 * probe, at most `maxMs`.
 *
 * @internal
 */
export function backoffDelayMs(failures: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(failures - 1, 30)))
}

/**
 * Keeps the list of replicas that may take reads: takes a replica out when a connection to it fails, probes it
 * again with exponential backoff from an unref'd timer, and (with `maxLagSeconds`) reads every replica's lag on
 * the same timer.
 *
 * @internal
 */
export class ReplicaMonitor {
  readonly #replicas: readonly ReplicatedServer[]
  readonly #settings: ResolvedReplicationOptions
  readonly #health = new Map<ReplicatedServer, Health>()
  #available: readonly ReplicatedServer[]
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor(replicas: readonly ReplicatedServer[], settings: ResolvedReplicationOptions) {
    this.#replicas = replicas
    this.#settings = settings
    for (const replica of replicas) {
      this.#health.set(replica, {
        down: false,
        failures: 0,
        retryAt: 0,
        probing: undefined,
        lagStatement: undefined,
        replicating: undefined,
        lagSeconds: undefined,
        lagProblem: undefined,
        lastFailure: undefined,
      })
    }
    this.#available = settings.maxLagSeconds === undefined ? replicas : []
  }

  /** The replicas that may take reads now (a new array whenever it changes; never mutated). */
  get available(): readonly ReplicatedServer[] {
    return this.#available
  }

  /** Starts the background check (and runs it once now when lag is checked). Idempotent. */
  start(): void {
    if (this.#timer !== undefined || this.#stopped || this.#replicas.length === 0) return
    this.#timer = setInterval(() => void this.#tick(false), this.#settings.checkIntervalMs)
    this.#timer.unref()
    if (this.#settings.maxLagSeconds !== undefined) void this.#tick(false)
  }

  /** Stops the background check for good. */
  stop(): void {
    this.#stopped = true
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Runs the check now on every replica, down ones included whatever their backoff, and waits for it. */
  async checkNow(): Promise<void> {
    await this.#tick(true)
  }

  /** A connection to `replica` failed: take it out (if it is not out already). */
  reportFailure(replica: ReplicatedServer, error: unknown): void {
    const health = this.#health.get(replica)
    if (health === undefined) return
    health.lastFailure = problemOf(error)
    if (health.down) return
    health.down = true
    health.failures = 1
    health.retryAt = performance.now() + this.#settings.initialBackoffMs
    this.#recompute()
  }

  status(): readonly ReplicaStatus[] {
    const now = performance.now()
    return this.#replicas.map((replica) => {
      const health = this.#health.get(replica)!
      return Object.freeze({
        name: replica.name,
        address: replica.address,
        state: this.#stateOf(health),
        lagSeconds: health.lagSeconds,
        lagProblem: health.lagProblem,
        failures: health.down ? health.failures : 0,
        retryAt: health.down ? new Date(Date.now() + Math.max(0, health.retryAt - now)) : undefined,
        lastFailure: health.lastFailure,
        inFlight: replica.inFlight,
      })
    })
  }

  #stateOf(health: Health): ReplicaState {
    if (health.down) return 'down'
    const max = this.#settings.maxLagSeconds
    if (max === undefined || health.replicating === false) return 'available'
    return typeof health.lagSeconds === 'number' && health.lagSeconds <= max ? 'available' : 'lagging'
  }

  #recompute(): void {
    const available = this.#replicas.filter(
      (replica) => this.#stateOf(this.#health.get(replica)!) === 'available',
    )
    const current = this.#available
    if (
      available.length !== current.length ||
      available.some((replica, index) => replica !== current[index])
    ) {
      this.#available = available
    }
  }

  #tick(everything: boolean): Promise<unknown> {
    const now = performance.now()
    const probes: Promise<void>[] = []
    for (const replica of this.#replicas) {
      const health = this.#health.get(replica)!
      if (health.probing !== undefined) {
        probes.push(health.probing)
        continue
      }
      const due = health.down
        ? everything || now >= health.retryAt
        : this.#settings.maxLagSeconds !== undefined
      if (!due && !everything) continue
      health.probing = this.#probe(replica, health).finally(() => {
        health.probing = undefined
      })
      probes.push(health.probing)
    }
    return Promise.all(probes)
  }

  async #probe(replica: ReplicatedServer, health: Health): Promise<void> {
    const timeoutMs = this.#settings.probeTimeoutMs
    const readLag = this.#settings.maxLagSeconds !== undefined
    try {
      if (readLag) {
        if (health.lagStatement === undefined) {
          const [row] = await queryWithin(replica.pool, 'SELECT VERSION() AS version', timeoutMs)
          health.lagStatement = lagStatementFor(String(row?.version ?? ''))
        }
        try {
          const reading = parseLag(await queryWithin(replica.pool, health.lagStatement, timeoutMs))
          health.replicating = reading.replicating
          health.lagSeconds = reading.lagSeconds
          health.lagProblem = undefined
        } catch (error) {
          if (isConnectionFailure(error)) throw error
          // Reachable, but the lag cannot be read (e.g. no SLAVE MONITOR privilege): treated as lagging.
          health.replicating = undefined
          health.lagSeconds = undefined
          health.lagProblem = problemOf(error)
        }
      } else {
        await queryWithin(replica.pool, 'SELECT 1', timeoutMs)
      }
      if (health.down) {
        health.down = false
        health.failures = 0
      }
    } catch (error) {
      if (this.#stopped) return
      health.lastFailure = problemOf(error)
      if (!health.down) {
        health.down = true
        health.failures = 1
      } else {
        health.failures++
      }
      const { initialBackoffMs, maxBackoffMs } = this.#settings
      health.retryAt = performance.now() + backoffDelayMs(health.failures, initialBackoffMs, maxBackoffMs)
    } finally {
      this.#recompute()
    }
  }
}

/** Runs one statement on a pooled connection; a probe that takes longer than `timeoutMs` fails (PROBE_TIMEOUT). */
function queryWithin(
  pool: GuardedPool,
  sql: string,
  timeoutMs: number,
): Promise<readonly Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        Object.assign(new Error(`The replica did not answer within ${timeoutMs} ms`), {
          code: 'PROBE_TIMEOUT',
          fatal: true,
        }),
      )
    }, timeoutMs)
    timer.unref()
    pool.getConnection((error, connection) => {
      if (error) {
        clearTimeout(timer)
        reject(error)
        return
      }
      connection.query(sql, [], (queryError: unknown, rows: unknown) => {
        clearTimeout(timer)
        connection.release()
        if (queryError) reject(queryError)
        else resolve(Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [])
      })
    })
  })
}

function problemOf(error: unknown): ReplicaProblem {
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : 'UNKNOWN'
  return Object.freeze({
    code,
    message: error instanceof Error ? error.message : String(error),
    at: new Date(),
  })
}
