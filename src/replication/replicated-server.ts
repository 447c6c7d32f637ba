import type { MysqlPoolConnection } from 'kysely'
import type { GuardedPool } from '../database/guarded-pool.js'
import type { ReplicaLoad } from './replica-selector.js'

/**
 * One server of a replicated database: its guarded pool and the count of leases holding a connection of it.
 *
 * @internal
 */
export class ReplicatedServer implements ReplicaLoad {
  /** `primary`, or `replica 1`, `replica 2`, ... */
  readonly name: string
  readonly role: 'primary' | 'replica'
  /** `host:port` or the socket path, for reports. */
  readonly address: string
  readonly pool: GuardedPool
  inFlight = 0

  constructor(name: string, role: 'primary' | 'replica', address: string, pool: GuardedPool) {
    this.name = name
    this.role = role
    this.address = address
    this.pool = pool
  }

  /** A connection of this server's pool. */
  acquire(): Promise<MysqlPoolConnection> {
    return new Promise((resolve, reject) => {
      this.pool.getConnection((error, connection) => {
        if (error) reject(error)
        else resolve(connection)
      })
    })
  }
}
