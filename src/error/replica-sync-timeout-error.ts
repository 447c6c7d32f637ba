import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * A replica did not catch up with its primary within the time allowed (see
 * `ReplicatedServers.waitForReplicaSync` in `kysely-toolkit/testing`).
 *
 * @example
 * ```ts
 * import { ReplicaSyncTimeoutError } from 'kysely-toolkit/testing'
 *
 * await servers.pauseReplication(replica)
 * await servers.waitForReplicaSync(replica, 500).catch((error) => {
 *   console.log(ReplicaSyncTimeoutError.is(error)) // true: the SQL thread is paused
 * })
 * ```
 */
export class ReplicaSyncTimeoutError extends ToolkitError {
  override readonly name = 'ReplicaSyncTimeoutError' as const
  override readonly code = 'REPLICA_SYNC_TIMEOUT' as const
  /** The replica's address, `host:port`. */
  readonly replica: string
  /** How long the caller waited, in milliseconds. */
  readonly timeoutMs: number

  constructor(replica: string, timeoutMs: number, position: string) {
    super(
      'REPLICA_SYNC_TIMEOUT',
      `The replica ${replica} did not reach the primary's GTID position ${position === '' ? "''" : position} ` +
        `within ${timeoutMs} ms (is replication paused or broken? see SHOW REPLICA STATUS)`,
    )
    this.replica = replica
    this.timeoutMs = timeoutMs
  }

  /** Whether `value` is a {@link ReplicaSyncTimeoutError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<ReplicaSyncTimeoutError>('REPLICA_SYNC_TIMEOUT')
}
