import type { GuardedPool, PoolStats } from './guarded-pool.js'

/** `healthy` when a round trip to the server succeeded within the time allowed. */
export const HEALTH_STATUSES = ['healthy', 'unhealthy'] as const
/** A value of {@link HEALTH_STATUSES}. */
export type HealthStatus = (typeof HEALTH_STATUSES)[number]

/** What `health()` reports. It never throws: failures are reported in `error`. */
export interface HealthReport {
  readonly status: HealthStatus
  /** Round-trip time of the check query in milliseconds (time to acquire a connection not included). */
  readonly latencyMs: number | undefined
  /** The server's `VERSION()`, e.g. `10.11.6-MariaDB` or `8.4.3`. */
  readonly serverVersion: string | undefined
  readonly pool: PoolStats
  /** Why the check failed: the driver's error code (or the toolkit's) and message. Never holds a password. */
  readonly error: { readonly code: string; readonly message: string } | undefined
  /** When the check finished. */
  readonly checkedAt: Date
}

/** Options of `health()`. */
export interface HealthOptions {
  /** How long the whole check may take before it answers `unhealthy`. Defaults to `2_000`. */
  readonly timeoutMs?: number
}

/**
 * Runs `SELECT VERSION()` on a pooled connection, bounded by `timeoutMs`.
 *
 * @internal
 */
export async function checkHealth(pool: GuardedPool, options: HealthOptions = {}): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? 2_000
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<HealthReport>((resolve) => {
    timer = setTimeout(() => {
      resolve(unhealthy(pool, 'HEALTH_TIMEOUT', `The server did not answer within ${timeoutMs} ms`))
    }, timeoutMs)
    timer.unref?.()
  })
  try {
    return await Promise.race([probe(pool), timedOut])
  } finally {
    clearTimeout(timer)
  }
}

function probe(pool: GuardedPool): Promise<HealthReport> {
  return new Promise((resolve) => {
    pool.getConnection((error, connection) => {
      if (error) {
        resolve(unhealthy(pool, errorCode(error), errorMessage(error)))
        return
      }
      const started = performance.now()
      connection.query('SELECT VERSION() AS version', [], (queryError: unknown, rows: unknown) => {
        const latencyMs = performance.now() - started
        connection.release()
        if (queryError) {
          resolve(unhealthy(pool, errorCode(queryError), errorMessage(queryError)))
          return
        }
        const version = Array.isArray(rows)
          ? (rows[0] as { version?: unknown } | undefined)?.version
          : undefined
        resolve({
          status: 'healthy',
          latencyMs: Math.round(latencyMs * 1000) / 1000,
          serverVersion: typeof version === 'string' ? version : undefined,
          pool: pool.stats(),
          error: undefined,
          checkedAt: new Date(),
        })
      })
    })
  })
}

function unhealthy(pool: GuardedPool, code: string, message: string): HealthReport {
  return {
    status: 'unhealthy',
    latencyMs: undefined,
    serverVersion: undefined,
    pool: pool.stats(),
    error: { code, message },
    checkedAt: new Date(),
  }
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code
  }
  return 'UNKNOWN'
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
