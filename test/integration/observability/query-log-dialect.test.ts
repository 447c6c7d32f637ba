import { Kysely, type LogConfig, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import { seedShop } from '../../../example/seed.js'
import {
  combineLogs,
  createDatabase,
  createQueryLogger,
  createQueryMetrics,
  QueryLogDialect,
  type QueryLogEvent,
  type QueryLogLevel,
  type ResultLogEvent,
  UniqueViolationError,
} from '../../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'

let test: TestDatabase<DB>
const serverUrl = inject('serverUrl')

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl,
    prefix: 'ktlogdialect',
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: 20, ordersPerUser: 2 }),
  })
})

afterAll(async () => {
  await test?.destroy()
})

/** Logger and metrics through a QueryLogDialect, with no plugin and no Kysely `log`. */
async function withObservedDb(
  use: (
    db: Kysely<DB>,
    records: Array<{ level: QueryLogLevel; event: QueryLogEvent }>,
    metrics: ReturnType<typeof createQueryMetrics>,
  ) => Promise<void>,
): Promise<void> {
  const records: Array<{ level: QueryLogLevel; event: QueryLogEvent }> = []
  const queryLogger = createQueryLogger({ logger: (level, event) => records.push({ level, event }) })
  const metrics = createQueryMetrics()
  const db = new Kysely<DB>({
    dialect: new QueryLogDialect({
      dialect: new MysqlDialect({ pool: createPool({ uri: test.url, connectionLimit: 16 }) }),
      log: combineLogs(queryLogger.log, metrics.log),
    }),
  })
  try {
    await use(db, records, metrics)
  } finally {
    await db.destroy()
  }
}

describe(QueryLogDialect.name, () => {
  it('logs each query once, at once, with its row counts, without the plugin', async () => {
    await withObservedDb(async (db, records, metrics) => {
      const users = await db.selectFrom('users').select(['id', 'email']).where('id', '<=', 5).execute()
      // Written before the result reaches the caller: no wait for a plugin or the next I/O turn.
      expect(records).toHaveLength(1)
      expect(records[0]).toMatchObject({
        level: 'debug',
        event: { kind: 'select', table: 'users', rowCount: users.length, parameters: [5] },
      })
      expect(users).toHaveLength(5)
      await db.updateTable('users').set({ last_name: 'Five' }).where('id', '<=', 5).execute()
      expect(records[1]?.event).toMatchObject({ kind: 'update', rowCount: 0, affectedRows: 5 })
      expect(metrics.snapshot().queries).toBe(2)
    })
  })

  it('logs failures at error and counts them; the query still rejects with the driver error', async () => {
    await withObservedDb(async (db, records, metrics) => {
      await expect(sql`select * from no_such_table`.execute(db)).rejects.toMatchObject({
        code: 'ER_NO_SUCH_TABLE',
      })
      expect(records).toEqual([
        {
          level: 'error',
          event: expect.objectContaining({
            kind: 'select',
            error: expect.objectContaining({ code: 'ER_NO_SUCH_TABLE' }),
          }),
        },
      ])
      expect(records[0]?.event).not.toHaveProperty('rowCount')
      expect(metrics.snapshot().byError).toEqual([
        { kind: 'select', table: '(none)', code: 'ER_NO_SUCH_TABLE', count: 1 },
      ])
    })
  })

  it('logs a streamed query once, marked as a stream, after its last row', async () => {
    await withObservedDb(async (db, records) => {
      let rows = 0
      for await (const _ of db.selectFrom('orders').select('id').stream(7)) {
        rows++
        expect(records).toHaveLength(0)
      }
      expect(rows).toBe(40)
      expect(records).toHaveLength(1)
      expect(records[0]?.event).toMatchObject({ kind: 'select', table: 'orders', stream: true })
    })
  })

  it('runs transactions and savepoints through the wrapped driver, and logs their statements', async () => {
    await withObservedDb(async (db, records) => {
      const trx = await db.startTransaction().execute()
      const savepoint = await trx.savepoint('inner').execute()
      await savepoint.updateTable('users').set({ last_name: 'Gone' }).where('id', '=', 1).execute()
      await savepoint.rollbackToSavepoint('inner').execute()
      await trx.commit().execute()
      const user = await db
        .selectFrom('users')
        .select('last_name')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow()
      expect(user.last_name).not.toBe('Gone')
      // As with Kysely's `log`: the driver's own statements are logged too.
      expect(records.map((record) => `${record.event.kind}: ${record.event.sql}`)).toEqual([
        'other: begin',
        'other: savepoint `inner`',
        'update: update `users` set `last_name` = ? where `id` = ?',
        'other: rollback to `inner`',
        'other: commit',
        'select: select `last_name` from `users` where `id` = ?',
      ])
    })
  })

  it('counts exactly with 16 queries in flight: 1,000 queries, one in ten failing', async () => {
    await withObservedDb(async (db, records, metrics) => {
      let next = 0
      const worker = async () => {
        while (next < 1_000) {
          const index = next++
          if (index % 10 === 9)
            await sql`select * from missing_${sql.raw(String(index % 2))}`.execute(db).catch(() => {})
          else
            await db
              .selectFrom('orders')
              .select('id')
              .where('user_id', '=', (index % 20) + 1)
              .execute()
        }
      }
      await Promise.all(Array.from({ length: 16 }, worker))
      const snapshot = metrics.snapshot()
      expect(snapshot.queries).toBe(1_000)
      expect(snapshot.errors).toBe(100)
      expect(records).toHaveLength(1_000)
      expect(records.filter((record) => record.event.rowCount === 2)).toHaveLength(900)
    })
  })

  it('keeps the rows out of the event when it is written whole, and still gives them to whoever asks', async () => {
    const written: string[] = []
    const counts: Array<number | undefined> = []
    const db = new Kysely<DB>({
      dialect: new QueryLogDialect({
        dialect: new MysqlDialect({ pool: createPool({ uri: test.url }) }),
        log: (event) => {
          written.push(JSON.stringify({ ...event, query: event.query.sql }))
          counts.push(event.level === 'query' ? event.result?.rows.length : undefined)
        },
      }),
    })
    try {
      const [user] = await db.selectFrom('users').select('email').where('id', '=', 3).execute()
      expect(user?.email).toBe('user3@example.com')
      expect(counts).toEqual([1])
      expect(written[0]).not.toContain('user3@example.com')
      expect(Object.keys(JSON.parse(written[0] ?? '{}')).sort()).toEqual([
        'isStream',
        'level',
        'query',
        'queryDurationMillis',
      ])
    } finally {
      await db.destroy()
    }
  })

  it('waits for a log function that returns a promise before the query resolves', async () => {
    const order: string[] = []
    const log = async (event: ResultLogEvent) => {
      await new Promise((resolve) => setTimeout(resolve, 20))
      order.push(`logged ${event.level} ${event.level === 'query' ? event.result?.rows.length : ''}`)
    }
    const db = new Kysely<DB>({
      dialect: new QueryLogDialect({
        dialect: new MysqlDialect({ pool: createPool({ uri: test.url }) }),
        log,
      }),
    })
    try {
      await db.selectFrom('users').select('id').limit(3).execute()
      order.push('resolved')
      await expect(sql`selec 1`.execute(db)).rejects.toMatchObject({ code: 'ER_PARSE_ERROR' })
      order.push('rejected')
      expect(order).toEqual(['logged query 3', 'resolved', 'logged error ', 'rejected'])
    } finally {
      await db.destroy()
    }
  })

  it('refuses a missing log function', () => {
    expect(
      () =>
        new QueryLogDialect({
          dialect: new MysqlDialect({ pool: createPool({ uri: test.url }) }),
          log: undefined as unknown as () => void,
        }),
    ).toThrow(/log must be a function/)
  })
})

describe('a log function given to createDatabase', () => {
  it('may return a value that is not a promise: the INSERT is stored and the caller told so', async () => {
    const events: ResultLogEvent[] = []
    // `push` returns a number: a JavaScript caller (or a cast) passes such a function, and Kysely's own `log`
    // option takes it without complaint.
    const log = ((event: ResultLogEvent) => events.push(event)) as unknown as LogConfig
    const database = createDatabase<DB>({ url: test.url, log })
    try {
      const email = `log-value-${process.pid}@example.com`
      await expect(
        database.db.insertInto('users').values({ email, first_name: 'Log', last_name: 'Value' }).execute(),
      ).resolves.toHaveLength(1)
      expect(events.some((event) => event.level === 'query' && event.query.sql.startsWith('insert'))).toBe(
        true,
      )
      // The error path keeps the driver's error.
      await expect(
        database.db.insertInto('users').values({ email, first_name: 'Log', last_name: 'Again' }).execute(),
      ).rejects.toSatisfy(UniqueViolationError.is)
    } finally {
      await database.close()
    }
  })

  it('that throws or rejects does not change the outcome: the query resolves, the failure is warned once', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === 'KYSELY_TOOLKIT_LOG_FAILED') warnings.push(warning.message)
    }
    process.on('warning', onWarning)
    let calls = 0
    const database = createDatabase<DB>({
      url: test.url,
      log: () => {
        calls++
        if (calls % 2 === 0) return Promise.reject(new Error('log sink down'))
        throw new Error('log sink down')
      },
    })
    try {
      const email = `log-throws-${process.pid}@example.com`
      await database.db
        .insertInto('users')
        .values({ email, first_name: 'Log', last_name: 'Throws' })
        .execute()
      const stored = await database.db
        .selectFrom('users')
        .select('email')
        .where('email', '=', email)
        .execute()
      expect(stored).toEqual([{ email }])
      await expect(sql`select * from no_such_table`.execute(database.db)).rejects.toMatchObject({
        code: 'ER_NO_SUCH_TABLE',
      })
      await new Promise((resolve) => setImmediate(resolve))
      expect(calls).toBeGreaterThanOrEqual(3)
      expect(warnings).toEqual([
        'QueryLogDialect: the log function failed (Error: log sink down); queries go on, their outcome unchanged',
      ])
    } finally {
      process.off('warning', onWarning)
      await database.close()
    }
  })
})
