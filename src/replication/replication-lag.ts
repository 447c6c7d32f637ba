/**
 * The statement that reports a replica's lag on a server of this `VERSION()`: `SHOW SLAVE STATUS` on MariaDB
 * (every version; `SHOW REPLICA STATUS` only exists from 10.5.1) and on MySQL before 8.0.22, `SHOW REPLICA STATUS`
 * on MySQL 8.0.22 and later (the only form left in 8.4).
 *
 * @internal
 */
export function lagStatementFor(version: string): string {
  if (/mariadb/i.test(version)) return 'SHOW SLAVE STATUS'
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version)
  if (match === null) return 'SHOW SLAVE STATUS'
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const atLeast8022 = major > 8 || (major === 8 && (minor > 0 || patch >= 22))
  return atLeast8022 ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS'
}

/** What a replica's status row says about its lag. */
export interface LagReading {
  /** `false` when the server is not set up as a replica (the status statement returned no row). */
  readonly replicating: boolean
  /**
   * `Seconds_Behind_Source` (MySQL 8.0.22+ `SHOW REPLICA STATUS`) or `Seconds_Behind_Master` (MariaDB, older
   * MySQL): whole seconds, or `null` when the server reports none (a replication thread stopped, or not
   * connected to its primary), and `0` when it is not a replica at all.
   */
  readonly lagSeconds: number | null
}

/**
 * Reads the lag from the rows of `SHOW SLAVE STATUS` / `SHOW REPLICA STATUS` (the first row: the default
 * replication channel on MySQL, the default connection on MariaDB).
 *
 * @internal
 */
export function parseLag(rows: readonly Record<string, unknown>[]): LagReading {
  const row = rows[0]
  if (row === undefined) return { replicating: false, lagSeconds: 0 }
  const value = row.Seconds_Behind_Source ?? row.Seconds_Behind_Master
  if (value === null || value === undefined || value === '') return { replicating: true, lagSeconds: null }
  const seconds = Number(value)
  return { replicating: true, lagSeconds: Number.isFinite(seconds) ? seconds : null }
}
