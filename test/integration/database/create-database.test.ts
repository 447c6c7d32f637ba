import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { afterAll, describe, expect, inject, it, vi } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import {
  createDatabase,
  type Database,
  DatabaseClosedError,
  PoolTimeoutError,
  ToolkitError,
  UnsafeParameterError,
} from '../../../src/index.js'
import { runScript } from '../../helpers/run-script.js'
import { integerExpression } from '../../helpers/test-server.js'

const databaseUrl = inject('databaseUrl')
const opened: Database<DB>[] = []

function open(options: Parameters<typeof createDatabase>[0] = { url: databaseUrl }): Database<DB> {
  const database = createDatabase<DB>(options)
  opened.push(database)
  return database
}

afterAll(async () => {
  await Promise.all(opened.map((database) => database.close({ timeoutMs: 2_000 })))
})

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/processes/${name}`, import.meta.url))

describe(createDatabase.name, () => {
  it('queries the seeded example schema with BIGINT and DECIMAL as strings', async () => {
    const { db } = open()
    const order = await db
      .selectFrom('orders')
      .select(['id', 'total', 'user_id'])
      .orderBy('id')
      .executeTakeFirstOrThrow()
    expect(typeof order.id).toBe('string')
    expect(order.total).toMatch(/^\d+\.\d{2}$/)
    expect(typeof order.user_id).toBe('number')
  })

  it('reads each result set with the typeCast only when one of its columns needs it, streamed or not', async () => {
    // One connection, so every statement below reuses the same mysql2 connection and its cached row readers.
    const { db } = open({ url: databaseUrl, pool: { max: 1 } })
    // A DECIMAL literal is read as text without the typeCast on every server (an integer literal is BIGINT on
    // MySQL, which the typeCast converts).
    const micro = sql<{ plain: string; micro: string; doc: unknown }>`select 7.25 as plain,
      cast('2024-02-29 23:59:59.123456' as datetime(6)) as micro, json_object('a', 1) as doc`
    const plainOnly = sql<{ plain: string; name: string }>`select 7.25 as plain, 'text' as name`
    for (let round = 0; round < 2; round++) {
      expect((await plainOnly.execute(db)).rows).toEqual([{ plain: '7.25', name: 'text' }])
      const [row] = (await micro.execute(db)).rows
      // DATETIME(6) as text (a Date would drop the microseconds); the JSON object as text or parsed per server.
      expect(row?.plain).toBe('7.25')
      expect(row?.micro).toBe('2024-02-29 23:59:59.123456')
      const streamed: unknown[] = []
      for await (const streamedRow of db
        .selectNoFrom((eb) => [
          eb.val(1).as('one'),
          sql<string>`cast('2000-01-01 00:00:00.000001' as datetime(6))`.as('at'),
        ])
        .stream()) {
        streamed.push(streamedRow)
      }
      expect(streamed).toEqual([{ one: integerExpression(1), at: '2000-01-01 00:00:00.000001' }])
      const [milli] = (
        await sql<{ at: unknown }>`select cast('2024-02-29 23:59:59.123' as datetime(3)) as at`.execute(db)
      ).rows
      expect(milli?.at).toEqual(new Date('2024-02-29T23:59:59.123Z'))
    }
  })

  it('uses utf8mb4 and UTC on every connection', async () => {
    const { db } = open()
    const result = await sql<{
      charset: string
      tz: string
    }>`select @@character_set_connection as charset, @@session.time_zone as tz`.execute(db)
    expect(result.rows[0]).toEqual({ charset: 'utf8mb4', tz: '+00:00' })
    const emoji = await sql<{ text: string }>`select ${'héllo 🐬'} as text`.execute(db)
    expect(emoji.rows[0]?.text).toBe('héllo 🐬')
  })

  it('fails the next acquire with PoolTimeoutError within its timeout plus 10% when every connection is busy', async () => {
    const database = open({ url: databaseUrl, pool: { max: 2, acquireTimeoutMs: 500 } })
    const sleeps = [0, 1].map(() => sql`select sleep(2)`.execute(database.db))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(database.poolStats()).toMatchObject({ inUse: 2, max: 2 })
    const started = performance.now()
    const error = await sql`select 1`.execute(database.db).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    const elapsed = performance.now() - started
    expect(PoolTimeoutError.is(error)).toBe(true)
    expect((error as PoolTimeoutError).timeoutMs).toBe(500)
    expect((error as PoolTimeoutError).message).toContain(
      'No database connection became free within 500 ms (2 in use',
    )
    expect(elapsed).toBeGreaterThanOrEqual(490)
    expect(elapsed).toBeLessThanOrEqual(550)
    await Promise.all(sleeps)
    // The connection that arrived after the timeout went back to the pool: the pool still works.
    await expect(sql`select 1 as one`.execute(database.db)).resolves.toMatchObject({
      rows: [{ one: integerExpression(1) }],
    })
    expect(database.poolStats()).toMatchObject({ inUse: 0, waiting: 0 })
  })

  it('arms the acquire timeout only when no connection is idle', async () => {
    const database = open({ url: databaseUrl, pool: { max: 1, acquireTimeoutMs: 4_321 } })
    await sql`select 1`.execute(database.db)
    const timers = vi.spyOn(globalThis, 'setTimeout')
    const acquireTimers = () =>
      timers.mock.calls.filter(([, delay]) => typeof delay === 'number' && delay > 4_300 && delay <= 4_321)
    try {
      // The connection is idle: mysql2 hands it out without waiting, so there is nothing to time.
      await sql`select 1`.execute(database.db)
      expect(acquireTimers()).toEqual([])
      // The only connection is busy: the second acquire waits, bounded by the timeout.
      await Promise.all([sql`select sleep(0.05)`.execute(database.db), sql`select 1`.execute(database.db)])
      expect(acquireTimers()).toHaveLength(1)
    } finally {
      timers.mockRestore()
    }
    expect(database.poolStats()).toMatchObject({ inUse: 0, waiting: 0 })
  })

  it('refuses objects and arrays as bound values and sends nothing', async () => {
    const { db } = open()
    const attack = JSON.parse('{"email": true}') as unknown
    const error = await db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', attack as string)
      .execute()
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )
    expect(UnsafeParameterError.is(error)).toBe(true)
    expect((error as UnsafeParameterError).message).toMatch(/^Parameter 1 is an object, not a scalar/)
    await expect(sql`select ${[1, 2] as unknown as number} as x`.execute(db)).rejects.toSatisfy(
      (caught: unknown) => UnsafeParameterError.is(caught) && caught.kind === 'array',
    )
    // Scalars of every kind are fine.
    const row = await sql<
      Record<string, unknown>
    >`select ${'a'} as s, ${1.5} as n, ${12345678901234567890n} as b, ${true} as t, ${null} as z, ${Buffer.from([0, 255])} as buf, ${new Date('2024-02-29T23:59:59.123Z')} as d`.execute(
      db,
    )
    expect(row.rows[0]).toMatchObject({ s: 'a', b: '12345678901234567890', t: integerExpression(1), z: null })
    expect(Buffer.from(row.rows[0]?.buf as Uint8Array)).toEqual(Buffer.from([0, 255]))
  })

  it('reports health with latency, server version and pool counts', async () => {
    const database = open()
    const report = await database.health()
    expect(report.status).toBe('healthy')
    expect(report.serverVersion).toMatch(/^\d+\.\d+\.\d+/)
    expect(report.latencyMs).toBeGreaterThan(0)
    expect(report.pool).toMatchObject({ total: 1, idle: 1, inUse: 0, waiting: 0, max: 10 })
    expect(report.error).toBeUndefined()
  })

  it('answers unhealthy in under 3 s, without throwing, when the port is closed', async () => {
    const port = await closedPort()
    const database = open({ host: '127.0.0.1', port, user: 'root' })
    const started = performance.now()
    const report = await database.health()
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(report).toMatchObject({
      status: 'unhealthy',
      error: { code: 'ECONNREFUSED' },
      latencyMs: undefined,
    })
  })

  it('answers unhealthy within its timeout when the server never answers', async () => {
    const silent = createServer(() => {}) // accepts TCP and says nothing, like a hung server
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const port = (silent.address() as { port: number }).port
      const database = open({ host: '127.0.0.1', port, connectTimeoutMs: 60_000 })
      const started = performance.now()
      const report = await database.health({ timeoutMs: 1_000 })
      expect(performance.now() - started).toBeLessThan(1_500)
      expect(report).toMatchObject({ status: 'unhealthy', error: { code: 'HEALTH_TIMEOUT' } })
    } finally {
      silent.close()
    }
  })

  it('close() lets a running query finish and refuses queries sent after it', async () => {
    const database = createDatabase<DB>({ url: databaseUrl })
    const slow = sql<{ slept: number }>`select sleep(1) as slept`.execute(database.db)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const started = performance.now()
    const closing = database.close()
    await expect(sql`select 1`.execute(database.db)).rejects.toSatisfy(DatabaseClosedError.is)
    await expect(slow).resolves.toMatchObject({ rows: [{ slept: integerExpression(0) }] })
    await closing
    expect(performance.now() - started).toBeGreaterThan(600)
    expect(database.poolStats()).toMatchObject({ total: 0, inUse: 0 })
    const late = await database.health()
    expect(late).toMatchObject({ status: 'unhealthy', error: { code: 'DATABASE_CLOSED' } })
  })

  it('close() cuts queries still running at the deadline', async () => {
    const database = createDatabase<DB>({ url: databaseUrl })
    const slow = sql`select sleep(5)`.execute(database.db).then(
      () => 'finished',
      () => 'cut',
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    const started = performance.now()
    await database.close({ timeoutMs: 300 })
    expect(performance.now() - started).toBeLessThan(1_500)
    expect(await slow).toBe('cut')
  })

  it('after close() the process exits on its own (child process)', async () => {
    const result = await runScript(fixture('close-during-query.ts'), { DATABASE_URL: databaseUrl })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines).toEqual([
      { late: 'DatabaseClosedError' },
      { slow: [{ slept: integerExpression(0) }] },
      { closed: true, pool: { total: 0, idle: 0, inUse: 0, waiting: 0, max: 10 } },
    ])
  })

  it('closeOnSignals lets the running query finish on SIGTERM and exits with code 0', async () => {
    let signalledAt = 0
    const result = await runScript(
      fixture('close-on-sigterm.ts'),
      { DATABASE_URL: databaseUrl },
      {
        onStdout: (text, child) => {
          if (signalledAt === 0 && text.includes('query started')) {
            signalledAt = performance.now()
            child.kill('SIGTERM')
          }
        },
      },
    )
    expect(result.stderr).toBe('')
    expect(result).toMatchObject({ code: 0, signal: null })
    expect(result.stdout).toContain('beforeClose')
    expect(result.stdout).toContain('query started')
  })

  it('keeps ToolkitError brands on every typed error', () => {
    expect(ToolkitError.is(new DatabaseClosedError())).toBe(true)
    expect(ToolkitError.is(new Error('plain'))).toBe(false)
    expect(new PoolTimeoutError(5, 1, 0).name).toBe('PoolTimeoutError')
  })
})

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
