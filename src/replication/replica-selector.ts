/** What a {@link ReplicaSelector} knows about each replica it may choose. */
export interface ReplicaLoad {
  /** `replica 1`, `replica 2`, ... in the order of the `replicas` option. */
  readonly name: string
  /** Queries (and held connections, e.g. `db.connection()` blocks) on it from this process right now. */
  readonly inFlight: number
}

/**
 * Chooses the replica for a read among the available ones (never empty; down and lagging replicas are left out
 * before it is called) and returns its index in `replicas`. Called once per read: keep it cheap.
 *
 * @example
 * ```ts
 * import type { ReplicaSelector } from 'kysely-toolkit'
 *
 * // always the first available replica (a preferred one listed first, the others as fallbacks)
 * const firstAvailable: ReplicaSelector = () => 0
 * ```
 */
export type ReplicaSelector = (replicas: readonly ReplicaLoad[]) => number

/**
 * The default selector: the replica with the fewest queries in flight from this process; ties are broken in
 * turn (round-robin), so equally loaded replicas share the reads evenly.
 *
 * Why least-busy rather than plain round-robin: a replica that answers slowly (a busy disk, a long report
 * running on it, a smaller machine) keeps more queries in flight, so it gets fewer new ones; round-robin would
 * keep sending it an equal share and queue reads behind the slow ones. With equal replicas both spread reads
 * evenly. The cost is one pass over the replicas per read.
 *
 * @example
 * ```ts
 * import { createReplicatedDatabase, leastBusy } from 'kysely-toolkit'
 *
 * const database = createReplicatedDatabase<DB>({
 *   primary: { url: process.env.PRIMARY_URL! },
 *   replicas: [{ url: process.env.REPLICA_URL! }],
 *   replication: { selectReplica: leastBusy() },
 * })
 * ```
 */
export function leastBusy(): ReplicaSelector {
  let turn = 0
  return (replicas) => {
    const count = replicas.length
    if (count === 1) return 0
    let fewest = Number.POSITIVE_INFINITY
    let ties = 0
    for (const replica of replicas) {
      if (replica.inFlight < fewest) {
        fewest = replica.inFlight
        ties = 1
      } else if (replica.inFlight === fewest) {
        ties++
      }
    }
    let pick = turn++ % ties
    for (let index = 0; index < count; index++) {
      if (replicas[index]!.inFlight === fewest && pick-- === 0) return index
    }
    return 0
  }
}

/**
 * Each available replica in turn, whatever its load.
 *
 * @example
 * ```ts
 * import { createReplicatedDatabase, roundRobin } from 'kysely-toolkit'
 *
 * const database = createReplicatedDatabase<DB>({
 *   primary: { url: process.env.PRIMARY_URL! },
 *   replicas: [{ url: process.env.REPLICA_1_URL! }, { url: process.env.REPLICA_2_URL! }],
 *   replication: { selectReplica: roundRobin() },
 * })
 * ```
 */
export function roundRobin(): ReplicaSelector {
  let turn = 0
  return (replicas) => turn++ % replicas.length
}
