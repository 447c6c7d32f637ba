import { type DatabaseConnection, MysqlDriver } from 'kysely'
import type { GuardedPool } from '../database/guarded-pool.js'
import type { ReplicaLoad } from './replica-selector.js'

/**
 * One server of a replicated database: its guarded pool, a Kysely `MysqlDriver` on that pool (which makes the
 * connections queries run on), and the count of leases holding a connection of it.
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
  readonly driver: MysqlDriver
  inFlight = 0

  constructor(name: string, role: 'primary' | 'replica', address: string, pool: GuardedPool) {
    this.name = name
    this.role = role
    this.address = address
    this.pool = pool
    this.driver = new MysqlDriver({ pool })
  }

  /** A connection of this server's pool (Kysely's MySQL connection: query, stream, cancel, kill). */
  acquire(): Promise<DatabaseConnection> {
    return this.driver.acquireConnection()
  }

  /** Gives back a connection from {@link ReplicatedServer.acquire}. */
  release(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(connection as Parameters<MysqlDriver['releaseConnection']>[0])
  }
}
