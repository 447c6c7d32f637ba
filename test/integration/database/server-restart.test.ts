import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabase } from '../../../src/index.js'
import { type PrivateServer, startPrivateServer } from '../../../src/testing/index.js'

let server: PrivateServer

beforeAll(async () => {
  server = await startPrivateServer()
  const admin = createDatabase({ url: server.url })
  await sql`create database restart_test character set utf8mb4`.execute(admin.db)
  await admin.close()
})

afterAll(async () => {
  await server?.destroy()
})

describe('a pool across a server restart', () => {
  it('gives no failed query after the server restarts while the pool holds idle connections', async () => {
    const database = createDatabase({ url: `${server.url}restart_test`, pool: { max: 8 } })
    try {
      // Fill the pool: 8 connections busy at once, then idle.
      await Promise.all(Array.from({ length: 8 }, () => sql`select sleep(0.05)`.execute(database.db)))
      expect(database.poolStats()).toMatchObject({ total: 8, idle: 8 })
      // When the server started, in seconds: now minus its Uptime (whole seconds, so ±1).
      const startedAt = async () =>
        Date.now() / 1000 -
        Number(
          (await sql<{ Value: string }>`show global status like 'Uptime'`.execute(database.db)).rows[0]
            ?.Value,
        )
      await new Promise((resolve) => setTimeout(resolve, 2_100))
      const startedBefore = await startedAt()

      await server.restart()

      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, index) =>
          sql<{ n: number | string }>`select ${index} as n`.execute(database.db),
        ),
      )
      const failures = results.filter((result) => result.status === 'rejected')
      expect(failures.map((failure) => String((failure as PromiseRejectedResult).reason))).toEqual([])
      expect(
        results.map((result) =>
          // A bound integer comes back as BIGINT on MySQL, which the pool returns as a string.
          Number((result as PromiseFulfilledResult<{ rows: { n: number | string }[] }>).value.rows[0]?.n),
        ),
      ).toEqual(Array.from({ length: 200 }, (_, index) => index))
      // It really restarted: it started at least 2 s after the first start (less up to 1 s of rounding), however long the
      // restart and the queries above took on a loaded machine.
      expect(await startedAt()).toBeGreaterThan(startedBefore + 0.5)
      expect((await database.health()).status).toBe('healthy')
    } finally {
      await database.close()
    }
  })

  it('recovers from connections cut while idle without the server noticing (validated before use)', async () => {
    const database = createDatabase({
      url: `${server.url}restart_test`,
      pool: { max: 4, validateAfterIdleMs: 0 },
    })
    try {
      await Promise.all(Array.from({ length: 4 }, () => sql`select 1`.execute(database.db)))
      // Kill every pooled connection from the server side, as wait_timeout or a failover would.
      const admin = createDatabase({ url: server.url })
      const ids = await sql<{
        id: number
      }>`select id from information_schema.processlist where db = 'restart_test'`.execute(admin.db)
      for (const { id } of ids.rows) await sql`kill ${sql.lit(Number(id))}`.execute(admin.db)
      await admin.close()
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => sql`select 1 as one`.execute(database.db)),
      )
      expect(results.filter((result) => result.status === 'rejected')).toEqual([])
    } finally {
      await database.close()
    }
  })
})
