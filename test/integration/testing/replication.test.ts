import { type Connection, createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type PrivateServer,
  ReplicaSyncTimeoutError,
  ReplicatedServers,
  startReplicatedServers,
} from '../../../src/testing/index.js'

async function rows(connection: Connection, sql: string): Promise<unknown[]> {
  const [result] = await connection.query(sql)
  return result as unknown[]
}

describe(ReplicatedServers.name, () => {
  let servers: ReplicatedServers
  let replica: PrivateServer
  let onPrimary: Connection
  let onReplica: Connection

  beforeAll(async () => {
    servers = await startReplicatedServers({ replicas: 1 })
    replica = servers.replicas[0]!
    onPrimary = await createConnection(servers.primary.url)
    onReplica = await createConnection(replica.url)
    await onPrimary.query('CREATE DATABASE shop CHARACTER SET utf8mb4')
    await onPrimary.query('CREATE TABLE shop.users (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL)')
  })

  afterAll(async () => {
    onPrimary?.destroy()
    onReplica?.destroy()
    await servers?.destroy()
  })

  it('runs a primary with a binary log and a read-only replica with its own server id', async () => {
    expect(servers.replicas).toHaveLength(1)
    expect(await rows(onPrimary, 'SELECT @@log_bin AS logBin, @@server_id AS id')).toEqual([
      { logBin: 1, id: 1 },
    ])
    expect(await rows(onReplica, 'SELECT @@read_only AS readOnly, @@server_id AS id')).toEqual([
      { readOnly: 1, id: 2 },
    ])
  })

  it('shows a write on the primary on the replica after waitForReplicaSync', async () => {
    await onPrimary.query("INSERT INTO shop.users VALUES (1, 'ada@example.com')")
    await servers.waitForReplicaSync(replica)
    expect(await rows(onReplica, 'SELECT email FROM shop.users WHERE id = 1')).toEqual([
      { email: 'ada@example.com' },
    ])
    expect(await servers.replicationLagSeconds(replica)).toBe(0)
  })

  it('holds new writes back from the replica while replication is paused, and applies them on resume', async () => {
    await servers.pauseReplication(replica)
    try {
      await onPrimary.query("INSERT INTO shop.users VALUES (2, 'grace@example.com')")
      expect(await rows(onPrimary, 'SELECT id FROM shop.users WHERE id = 2')).toEqual([{ id: 2 }])

      const error = await servers.waitForReplicaSync(replica, 300).catch((caught: unknown) => caught)
      expect(ReplicaSyncTimeoutError.is(error)).toBe(true)
      expect(await rows(onReplica, 'SELECT id FROM shop.users WHERE id = 2')).toEqual([])
      expect(await servers.replicationLagSeconds(replica)).toBeNull()
    } finally {
      await servers.resumeReplication(replica)
    }
    await servers.waitForReplicaSync(replica)
    expect(await rows(onReplica, 'SELECT email FROM shop.users WHERE id = 2')).toEqual([
      { email: 'grace@example.com' },
    ])
  })

  it('keeps replicating after the replica restarts', async () => {
    onReplica.destroy()
    await replica.restart()
    onReplica = await createConnection(replica.url)
    await onPrimary.query("INSERT INTO shop.users VALUES (3, 'edsger@example.com')")
    await servers.waitForReplicaSync(replica)
    expect(await rows(onReplica, 'SELECT id FROM shop.users WHERE id = 3')).toEqual([{ id: 3 }])
  })

  it('rejects a server that is not one of its replicas', async () => {
    await expect(servers.pauseReplication(servers.primary)).rejects.toThrow(
      `replica must be one of these servers' replicas (got the server on port ${servers.primary.port})`,
    )
  })
})

describe(startReplicatedServers.name, () => {
  it('starts two replicas that both follow the primary', async () => {
    await using servers = await startReplicatedServers({ replicas: 2 })
    expect(new Set([servers.primary.port, ...servers.replicas.map((replica) => replica.port)]).size).toBe(3)
    const onPrimary = await createConnection(servers.primary.url)
    await onPrimary.query('CREATE DATABASE two_replicas')
    onPrimary.destroy()
    for (const replica of servers.replicas) {
      await servers.waitForReplicaSync(replica)
      const onReplica = await createConnection(replica.url)
      expect(await rows(onReplica, "SHOW DATABASES LIKE 'two_replicas'")).toHaveLength(1)
      onReplica.destroy()
    }
  })
})
