import { type Generated, type Kysely, sql } from 'kysely'
import { type Connection, createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createReplicatedDatabase,
  DatabaseClosedError,
  type ReplicaStatus,
  type ReplicatedDatabase,
  type ReplicatedDatabaseOptions,
  type ResultLogEvent,
  routeToPrimary,
  routeToReplica,
  withConsistencyScope,
  withPrimary,
} from '../../../src/index.js'
import { type ReplicatedServers, startReplicatedServers } from '../../../src/testing/index.js'

interface AppDB {
  items: { id: Generated<number>; name: string; created_by: number | null }
}

const PRIMARY = 1
const REPLICA_IDS = [2, 3]
const APP_PASSWORD = 'app-Secret-42'

let servers: ReplicatedServers
let root: Connection
const opened: ReplicatedDatabase<AppDB>[] = []

/** A replicated database on the servers, as the unprivileged `app` user (writes on a replica would fail). */
function open(
  replication: ReplicatedDatabaseOptions['replication'] = {},
  extra: Pick<ReplicatedDatabaseOptions, 'log'> = {},
): ReplicatedDatabase<AppDB> {
  const url = (port: number) => `mysql://app:${APP_PASSWORD}@127.0.0.1:${port}/app`
  const database = createReplicatedDatabase<AppDB>({
    primary: { url: url(servers.primary.port) },
    replicas: servers.replicas.map((replica) => ({ url: url(replica.port) })),
    pool: { max: 20 },
    replication,
    ...extra,
  })
  opened.push(database)
  return database
}

/** The `@@server_id` of the server that ran the read: 1 is the primary, 2 and 3 the replicas. */
async function serverIdOf(db: Kysely<AppDB>): Promise<number> {
  const row = await db.selectNoFrom(sql<string>`@@server_id`.as('id')).executeTakeFirstOrThrow()
  return Number(row.id)
}

async function serverIdsOf(db: Kysely<AppDB>, reads: number): Promise<number[]> {
  const ids: number[] = []
  for (let read = 0; read < reads; read++) ids.push(await serverIdOf(db))
  return ids
}

async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value as NonNullable<T>
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function syncReplicas(): Promise<void> {
  for (const replica of servers.replicas) await servers.waitForReplicaSync(replica)
}

async function onReplica<T>(index: number, task: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await createConnection(servers.replicas[index]!.url)
  try {
    return await task(connection)
  } finally {
    connection.destroy()
  }
}

beforeAll(async () => {
  servers = await startReplicatedServers({ replicas: 2 })
  root = await createConnection(servers.primary.url)
  await root.query('CREATE DATABASE app CHARACTER SET utf8mb4')
  await root.query(
    'CREATE TABLE app.items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, created_by INT NULL)',
  )
  // Created on the primary, replicated to the replicas like any other change.
  await root.query("CREATE USER 'app'@'%' IDENTIFIED BY ?", [APP_PASSWORD])
  await root.query("GRANT ALL PRIVILEGES ON app.* TO 'app'@'%'")
  const monitor = servers.primary.flavor === 'mariadb' ? 'SLAVE MONITOR' : 'REPLICATION CLIENT'
  await root.query(`GRANT ${monitor} ON *.* TO 'app'@'%'`)
  await syncReplicas()
})

afterAll(async () => {
  await Promise.all(opened.map((database) => database.close({ timeoutMs: 2_000 })))
  root?.destroy()
  await servers?.destroy()
})

describe('routing on real replication', () => {
  it('runs plain reads and WITH ... SELECT on the replicas, spread over both', async () => {
    const { db } = open()
    const ids = await serverIdsOf(db, 20)
    for (const id of REPLICA_IDS) expect(ids.filter((seen) => seen === id)).toHaveLength(10)

    const withSelect = await db
      .with('here', (qb) => qb.selectNoFrom(sql<string>`@@server_id`.as('id')))
      .selectFrom('here')
      .select('id')
      .executeTakeFirstOrThrow()
    expect(REPLICA_IDS).toContain(Number(withSelect.id))
  })

  it('runs INSERT, UPDATE and DELETE on the primary', async () => {
    const { db } = open()
    const inserted = await db
      .insertInto('items')
      .values({ name: 'written', created_by: sql<number>`@@server_id` })
      .executeTakeFirstOrThrow()
    const id = Number(inserted.insertId)
    const [rows] = await root.query('SELECT created_by FROM app.items WHERE id = ?', [id])
    expect(rows).toEqual([{ created_by: PRIMARY }])

    const updated = await db
      .updateTable('items')
      .set({ created_by: sql<number>`@@server_id * 10` })
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(updated.numUpdatedRows).toBe(1n)
    const [afterUpdate] = await root.query('SELECT created_by FROM app.items WHERE id = ?', [id])
    expect(afterUpdate).toEqual([{ created_by: PRIMARY * 10 }])

    const deleted = await db
      .deleteFrom('items')
      .where('id', '=', id)
      .where(sql<boolean>`@@server_id = ${PRIMARY}`)
      .executeTakeFirstOrThrow()
    expect(deleted.numDeletedRows).toBe(1n)
  })

  it('runs DDL on the primary (the replicas would refuse it: read-only)', async () => {
    const { db } = open()
    await servers.pauseReplication(servers.replicas[0]!)
    try {
      await db.schema.createTable('ddl_probe').addColumn('id', 'integer').execute()
      const [onPrimary] = await root.query("SHOW TABLES FROM app LIKE 'ddl_probe'")
      expect(onPrimary).toHaveLength(1)
      const onPaused = await onReplica(0, async (connection) => {
        const [tables] = await connection.query("SHOW TABLES FROM app LIKE 'ddl_probe'")
        return tables
      })
      expect(onPaused).toHaveLength(0)
    } finally {
      await servers.resumeReplication(servers.replicas[0]!)
    }
    await db.schema.dropTable('ddl_probe').execute()
  })

  it('runs locking reads, session reads and raw SQL on the primary; routeToReplica moves raw reads', async () => {
    const { db } = open()
    await db.insertInto('items').values({ name: 'lockable' }).execute()
    await syncReplicas()
    const lockable = db
      .selectFrom('items')
      .select(sql<string>`@@server_id`.as('id'))
      .where('name', '=', 'lockable')
    const locking = [
      await lockable.forUpdate().executeTakeFirstOrThrow(),
      await lockable.modifyEnd(sql`lock in share mode`).executeTakeFirstOrThrow(),
    ]
    // FOR SHARE is MySQL 8 syntax (MariaDB 10.11 has only LOCK IN SHARE MODE).
    if (servers.primary.flavor === 'mysql') locking.push(await lockable.forShare().executeTakeFirstOrThrow())
    expect(locking.map((row) => Number(row.id))).toEqual(locking.map(() => PRIMARY))

    const session = await db
      .selectNoFrom([sql<string>`last_insert_id()`.as('last'), sql<string>`@@server_id`.as('id')])
      .executeTakeFirstOrThrow()
    expect(Number(session.id)).toBe(PRIMARY)

    const raw = await sql<{ id: string }>`select @@server_id as id`.execute(db)
    expect(Number(raw.rows[0]?.id)).toBe(PRIMARY)
    const rawOnReplica = await sql<{ id: string }>`select @@server_id as id`.execute(routeToReplica(db))
    expect(REPLICA_IDS).toContain(Number(rawOnReplica.rows[0]?.id))
  })

  it('forces the primary for one query (routeToPrimary) or a scope (withPrimary)', async () => {
    const { db } = open()
    expect(await serverIdsOf(routeToPrimary(db), 3)).toEqual([PRIMARY, PRIMARY, PRIMARY])
    expect(await withPrimary(() => serverIdsOf(db, 3))).toEqual([PRIMARY, PRIMARY, PRIMARY])
    expect(await withPrimary(() => serverIdOf(routeToReplica(db)))).not.toBe(PRIMARY)
    expect(REPLICA_IDS).toContain(await serverIdOf(db))
  })

  it('runs a transaction, every statement in it, on one primary connection', async () => {
    const { db } = open()
    const result = await db.transaction().execute(async (trx) => {
      const before = await serverIdOf(trx)
      await trx.insertInto('items').values({ name: 'in-transaction' }).execute()
      // Its own uncommitted row: only the transaction's connection can see it.
      const own = await trx.selectFrom('items').select('name').where('name', '=', 'in-transaction').execute()
      return { before, own, after: await serverIdOf(trx) }
    })
    expect(result).toEqual({ before: PRIMARY, own: [{ name: 'in-transaction' }], after: PRIMARY })

    const readOnly = await db
      .transaction()
      .setAccessMode('read only')
      .execute((trx) => serverIdOf(trx))
    expect(readOnly).toBe(PRIMARY)
  })

  it("logs every statement through its log function, the transaction's own included, with the result", async () => {
    const logged: string[] = []
    const rowCounts: number[] = []
    const { db } = open(
      {},
      {
        log: (event) => {
          logged.push(`${event.level} ${event.query.sql}`)
          // Called through QueryLogDialect, as createDatabase does: a select's event carries its result.
          if (event.level === 'query' && event.query.sql.startsWith('select')) {
            rowCounts.push((event as ResultLogEvent).result?.rows.length ?? -1)
          }
        },
      },
    )
    await db.transaction().execute((trx) => trx.insertInto('items').values({ name: 'logged' }).execute())
    await serverIdOf(db)
    await db
      .selectFrom('nope' as 'items')
      .selectAll()
      .execute()
      .catch(() => undefined)
    expect(logged).toEqual([
      'query begin',
      'query insert into `items` (`name`) values (?)',
      'query commit',
      'query select @@server_id as `id`',
      'error select * from `nope`',
    ])
    expect(rowCounts).toEqual([1])
  })

  it('runs savepoints on the transaction connection: rolling back to one undoes only what followed', async () => {
    const { db } = open()
    const trx = await db.startTransaction().execute()
    await trx.insertInto('items').values({ name: 'kept' }).execute()
    const saved = await trx.savepoint('before_undone').execute()
    await saved.insertInto('items').values({ name: 'undone' }).execute()
    const rolledBack = await saved.rollbackToSavepoint('before_undone').execute()
    expect(await serverIdOf(rolledBack)).toBe(PRIMARY)
    await rolledBack.commit().execute()
    const [rows] = await root.query("SELECT name FROM app.items WHERE name IN ('kept', 'undone')")
    expect(rows).toEqual([{ name: 'kept' }])
  })

  it('keeps a db.connection() block on one replica connection, and moves it to the primary for good at a write', async () => {
    const { db } = open()
    const seen = await db.connection().execute(async (connection) => {
      const session = () =>
        connection
          .selectNoFrom([sql<string>`@@server_id`.as('id'), sql<string>`connection_id()`.as('session')])
          .executeTakeFirstOrThrow()
      const first = await session()
      const second = await session()
      await connection.insertInto('items').values({ name: 'from-connection' }).execute()
      const third = await session()
      return { first, second, third }
    })
    expect(REPLICA_IDS).toContain(Number(seen.first.id))
    expect(seen.second).toEqual(seen.first)
    expect(Number(seen.third.id)).toBe(PRIMARY)
  })

  it('streams a read from a replica', async () => {
    const { db } = open()
    const ids: number[] = []
    for await (const row of db.selectFrom('items').select(sql<string>`@@server_id`.as('id')).stream()) {
      ids.push(Number(row.id))
    }
    expect(ids.length).toBeGreaterThan(0)
    expect(new Set(ids).size).toBe(1)
    expect(REPLICA_IDS).toContain(ids[0])
  })

  it('cancels an aborted read on the replica that runs it', async () => {
    const { db } = open()
    const aborted = db
      .selectNoFrom(sql<number>`sleep(5)`.as('slept'))
      .execute({ signal: AbortSignal.timeout(300), inflightQueryAbortStrategy: 'cancel query' })
    await expect(aborted).rejects.toThrow()
    const sleeping = async (index: number) =>
      onReplica(index, async (connection) => {
        const [list] = await connection.query('SHOW PROCESSLIST')
        return (list as Array<{ Info: string | null }>).filter((entry) => entry.Info?.includes('sleep(5)'))
      })
    await waitFor(
      'the cancelled query to end',
      async () => {
        const running = [...(await sleeping(0)), ...(await sleeping(1))]
        return running.length === 0
      },
      2_000,
    )
  })
})

describe('read-your-writes under real replication lag', () => {
  it('reads a write back from the primary inside the scope, while a replica outside it does not have it yet', async () => {
    const { db } = open({ readYourWritesMs: 1_000 })
    const readBack = (name: string) =>
      db
        .selectFrom('items')
        .select(['name', sql<string>`@@server_id`.as('id')])
        .where('name', '=', name)
        .execute()
    for (const replica of servers.replicas) await servers.pauseReplication(replica)
    try {
      const inScope = await withConsistencyScope(async () => {
        await db.insertInto('items').values({ name: 'just-saved' }).execute()
        return { readBack: await readBack('just-saved'), anotherRead: await serverIdOf(db) }
      })
      expect(inScope).toEqual({
        readBack: [{ name: 'just-saved', id: String(PRIMARY) }],
        anotherRead: PRIMARY,
      })
      // Outside the scope: a replica, which has not applied the write.
      const outside = await readBack('just-saved')
      expect(outside).toEqual([])
      expect(REPLICA_IDS).toContain(await serverIdOf(db))

      // Inside a scope, once the window has passed, reads go back to the (still lagging) replicas.
      const late = await withConsistencyScope(async () => {
        await db.insertInto('items').values({ name: 'saved-earlier' }).execute()
        const inWindow = await readBack('saved-earlier')
        await new Promise((resolve) => setTimeout(resolve, 1_100))
        return { inWindow, afterWindow: await readBack('saved-earlier') }
      })
      expect(late).toEqual({ inWindow: [{ name: 'saved-earlier', id: String(PRIMARY) }], afterWindow: [] })
    } finally {
      for (const replica of servers.replicas) await servers.resumeReplication(replica)
    }
    await syncReplicas()
    const replicated = await readBack('just-saved')
    expect(replicated).toHaveLength(1)
    expect(REPLICA_IDS).toContain(Number(replicated[0]?.id))
  })

  it('starts the window at commit of a transaction that may write, not after a read-only one', async () => {
    const { db } = open({ readYourWritesMs: 5_000 })
    await withConsistencyScope(async () => {
      await db
        .transaction()
        .setAccessMode('read only')
        .execute((trx) => serverIdOf(trx))
      expect(REPLICA_IDS).toContain(await serverIdOf(db))
      await db.transaction().execute((trx) => trx.insertInto('items').values({ name: 'committed' }).execute())
      expect(await serverIdOf(db)).toBe(PRIMARY)
    })
  })
})

describe('replication lag', () => {
  it('skips a replica lagging beyond maxLagSeconds, or not replicating, and takes it back when it catches up', async () => {
    const database = open({ maxLagSeconds: 1, checkIntervalMs: 100 })
    const { db } = database
    const states = () => database.replicaStatus().map((status) => status.state)
    await waitFor('both replicas available', () => states().every((state) => state === 'available'))

    const lockHolder = await createConnection(servers.replicas[0]!.url)
    try {
      // The replica's applier waits for the table lock, so its Seconds_Behind_Master grows second by second.
      await lockHolder.query('LOCK TABLES app.items WRITE')
      await db.insertInto('items').values({ name: 'applied-late' }).execute()
      const lagging = await waitFor(
        'replica 1 to lag',
        () => {
          const status = database.replicaStatus()[0]!
          return status.state === 'lagging' ? status : undefined
        },
        10_000,
      )
      expect(lagging.lagSeconds).toBeGreaterThan(1)
      expect(new Set(await serverIdsOf(db, 10))).toEqual(new Set([3]))

      // Stopped replication reports no lag at all: skipped too. With both out, reads go to the primary.
      await servers.pauseReplication(servers.replicas[1]!)
      await waitFor('replica 2 to be skipped', () => states()[1] === 'lagging')
      expect(database.replicaStatus()[1]!.lagSeconds).toBeNull()
      expect(new Set(await serverIdsOf(db, 5))).toEqual(new Set([PRIMARY]))
    } finally {
      await lockHolder.query('UNLOCK TABLES')
      lockHolder.destroy()
      await servers.resumeReplication(servers.replicas[1]!)
    }
    await waitFor('both replicas back', () => states().every((state) => state === 'available'))
    expect(new Set(await serverIdsOf(db, 10))).toEqual(new Set(REPLICA_IDS))
  })
})

describe('replica failure', () => {
  it('loses no read when a replica stops under load, and notices its return', async () => {
    const database = open({ initialBackoffMs: 200, maxBackoffMs: 800, checkIntervalMs: 100 })
    const { db } = database
    const replica = servers.replicas[0]!
    const served = new Map<number, number>()
    const failures: unknown[] = []
    let reads = 0
    let running = true
    const read = async () => {
      const row = await db
        .selectNoFrom([sql<string>`@@server_id`.as('id'), sql<number | string>`sleep(0.002)`.as('slept')])
        .executeTakeFirstOrThrow()
      const id = Number(row.id)
      served.set(id, (served.get(id) ?? 0) + 1)
    }
    const worker = async () => {
      while (running) {
        reads++
        await read().catch((error: unknown) => {
          failures.push(error)
          if (failures.length > 20) failures.shift() // kept short: a long failure must not fill the heap
        })
      }
    }
    const workers = Array.from({ length: 48 }, worker)
    let noticedMs: number
    try {
      // Reads are running on the replica as it goes away (a loaded machine may take a while to get there).
      await waitFor(
        'reads served and in flight on replica 1',
        () => (served.get(2) ?? 0) > 0 && database.replicaStatus()[0]!.inFlight > 0,
      )
      await replica.stop()
      const down = await waitFor('replica 1 taken out', () => {
        const status = database.replicaStatus()[0]!
        return status.state === 'down' ? status : undefined
      })
      expect(down.lastFailure?.code).toMatch(
        /ECONNREFUSED|PROTOCOL_CONNECTION_LOST|ER_CONNECTION_KILLED|ECONNRESET/,
      )
      const health = await database.health({ timeoutMs: 1_000 })
      expect(health.status).toBe('healthy')
      expect(health.replicas[0]).toMatchObject({ status: 'unhealthy', state: 'down', name: 'replica 1' })
      expect(health.replicas[1]).toMatchObject({ status: 'healthy', state: 'available' })
      await new Promise((resolve) => setTimeout(resolve, 1_000))

      await replica.start()
      await servers.resumeReplication(replica)
      const returnedAt = performance.now()
      const backAfterStart = served.get(2) ?? 0
      await waitFor('replica 1 to serve reads again', () => (served.get(2) ?? 0) > backAfterStart + 20, 5_000)
      noticedMs = performance.now() - returnedAt
    } finally {
      // Also when an expectation fails: 48 readers left running would keep the file from ending.
      running = false
      await Promise.all(workers)
    }

    expect(failures).toEqual([])
    expect(reads).toBeGreaterThanOrEqual(1_000)
    expect(database.replicaStatus()[0]).toMatchObject<Partial<ReplicaStatus>>({
      state: 'available',
      failures: 0,
    })
    expect(noticedMs).toBeLessThan(3_000)
    console.log(
      `replica failure: ${reads} reads, 0 lost; served ${JSON.stringify(Object.fromEntries(served))}; ` +
        `return noticed in ${Math.round(noticedMs)} ms`,
    )
  })
})

describe('pools', () => {
  it('reports health and pool counts per server, and close() lets running reads finish, then refuses', async () => {
    const database = open()
    const { db } = database
    const health = await database.health()
    expect(health.status).toBe('healthy')
    expect(health.primary.pool.name).toBe('primary')
    expect(health.replicas.map((replica) => [replica.name, replica.status])).toEqual([
      ['replica 1', 'healthy'],
      ['replica 2', 'healthy'],
    ])
    expect(health.pool.max).toBe(60)

    // SLEEP() is an INT on MariaDB and a BIGINT on MySQL, which the pool returns as a string.
    const slow = db.selectNoFrom(sql<number | string>`sleep(0.3)`.as('slept')).execute()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const stats = database.poolStats()
    expect(stats.inUse).toBe(1)
    expect(stats.primary.inUse + stats.replicas.reduce((sum, replica) => sum + replica.inUse, 0)).toBe(1)
    expect(stats.primary.inUse).toBe(0)

    await database.close()
    expect((await slow).map((row) => Number(row.slept))).toEqual([0])
    await expect(serverIdOf(db)).rejects.toSatisfy(DatabaseClosedError.is)
    expect(database.poolStats()).toMatchObject({ total: 0, inUse: 0 })
  })
})
