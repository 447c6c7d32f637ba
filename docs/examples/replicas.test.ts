import type { ReplicatedDatabase } from 'kysely-toolkit'
import { type ReplicatedServers, startReplicatedServers } from 'kysely-toolkit/testing'
import { type Connection, createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedShop } from '../../example/seed.js'
import { EXAMPLE_MIGRATIONS } from '../../test/helpers/paths.js'
import {
  balanceOf,
  consistencyPerRequest,
  migrateAndSeed,
  openShopDatabase,
  readiness,
  renameUser,
  revenuePerStatus,
} from './replicas.js'

let servers: ReplicatedServers
let root: Connection
let database: ReplicatedDatabase<import('../../example/generated/db.js').DB>

beforeAll(async () => {
  // #region replicated-servers
  servers = await startReplicatedServers({ replicas: 1 })
  // servers.primary.url and servers.replicas[0].url: mysql://root@127.0.0.1:<port>/
  root = await createConnection(servers.primary.url)
  await root.query('CREATE DATABASE shop CHARACTER SET utf8mb4')
  await servers.waitForReplicaSync(servers.replicas[0]!) // `shop` now exists on the replica too
  // #endregion replicated-servers
  database = openShopDatabase({
    PRIMARY_URL: `${servers.primary.url}shop`,
    REPLICA_URLS: servers.replicas.map((replica) => `${replica.url}shop`).join(','),
  })
})

afterAll(async () => {
  await database?.close()
  root?.destroy()
  await servers?.destroy()
})

/** Runs a handler the way a web framework would: through the middleware, then the handler's own async work. */
function handleRequest<T>(handler: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    consistencyPerRequest({}, {}, () => {
      handler().then(resolve, reject)
    })
  })
}

describe('docs/replicas.md examples', () => {
  it('migrates and seeds through the replicated database on the primary', async () => {
    await migrateAndSeed(database, EXAMPLE_MIGRATIONS, (db) => seedShop(db, { users: 5, ordersPerUser: 2 }))
    const [accounts] = await root.query('SELECT COUNT(*) AS n FROM shop.accounts')
    expect(accounts).toEqual([{ n: 5 }])
    await servers.waitForReplicaSync(servers.replicas[0]!)
  })

  it('reads a rename back inside the request, while the lagging replica still has the old name', async () => {
    const { db } = database
    await database.checkReplicas()
    const onReplica = await createConnection(servers.replicas[0]!.url)
    try {
      // The replica's applier waits behind this read lock: it lags, by less than maxLagSeconds.
      await onReplica.query('LOCK TABLES shop.users READ')
      const renamed = await handleRequest(() => renameUser(db, 1, 'Augusta'))
      expect(renamed).toEqual({ id: 1, first_name: 'Augusta' })
      const elsewhere = await db
        .selectFrom('users')
        .select('first_name')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow()
      expect(elsewhere.first_name).toBe('Ada')
    } finally {
      await onReplica.query('UNLOCK TABLES')
      onReplica.destroy()
    }
    await servers.waitForReplicaSync(servers.replicas[0]!)
    const later = await db
      .selectFrom('users')
      .select('first_name')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
    expect(later.first_name).toBe('Augusta')
  })

  it('reads a balance on the primary, and a raw report on the replica', async () => {
    expect(await balanceOf(database.db, 1)).toEqual({ balance: '1000.00' })
    const revenue = await revenuePerStatus(database.db)
    expect(revenue.map((row) => row.status)).toEqual(['pending', 'completed', 'cancelled'])
  })

  it('reports readiness with each replica state', async () => {
    await database.checkReplicas()
    expect(await readiness(database)).toEqual({ ready: true, replicas: ['replica 1: available'] })
  })
})
