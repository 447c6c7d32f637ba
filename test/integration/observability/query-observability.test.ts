import { CamelCasePlugin, Kysely, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import { seedShop } from '../../../example/seed.js'
import {
  combineLogs,
  createDatabase,
  createQueryLogger,
  createQueryMetrics,
  type Database,
  DEFAULT_SENSITIVE_COLUMNS,
  formatPrometheus,
  logPinoStyle,
  type QueryLogEvent,
  type QueryLogLevel,
  type QueryLogWriter,
} from '../../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'

interface LogRecord {
  readonly level: QueryLogLevel
  readonly event: QueryLogEvent
  readonly message: string
}

function collector(): { writer: QueryLogWriter; records: LogRecord[] } {
  const records: LogRecord[] = []
  return { records, writer: (level, event, message) => records.push({ level, event, message }) }
}

let test: TestDatabase<DB>
const serverUrl = inject('serverUrl')

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl,
    prefix: 'ktobs',
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: 20, ordersPerUser: 2, openingBalance: '100.00' }),
  })
})

afterAll(async () => {
  await test?.destroy()
})

/** A toolkit database with the logger and metrics (pool gauges from its `poolStats`), on the test database. */
function instrumented(
  loggerOptions: Parameters<typeof createQueryLogger>[0] = {},
  metricsOptions: Parameters<typeof createQueryMetrics>[0] = {},
) {
  const { writer, records } = collector()
  const queryLogger = createQueryLogger({ logger: writer, ...loggerOptions })
  let database: Database<DB> | undefined
  const metrics = createQueryMetrics({ poolStats: () => database?.poolStats(), ...metricsOptions })
  database = createDatabase<DB>({
    url: test.url,
    pool: { max: 16 },
    log: combineLogs(queryLogger.log, metrics.log),
    plugins: [queryLogger.plugin],
  })
  return { db: database.db, close: database.close, records, metrics, queryLogger }
}

describe('query logger and metrics on a real server', () => {
  it('log one event per query with SQL, parameters, duration, rows, kind and table, and count them', async () => {
    const { db, close, records, metrics } = instrumented()
    try {
      const users = await db
        .selectFrom('users')
        .select(['id', 'email'])
        .where('status', '=', 'active')
        .execute()
      await db
        .insertInto('users')
        .values({
          email: 'obs-1@example.com',
          first_name: 'Obs',
          last_name: 'One',
          password_hash: 'pbkdf2$secret',
        })
        .execute()
      await db
        .updateTable('users')
        .set({ last_name: 'Uno' })
        .where('email', '=', 'obs-1@example.com')
        .execute()
      await db.deleteFrom('users').where('email', '=', 'obs-1@example.com').execute()
      await new Promise((resolve) => setImmediate(resolve))

      expect(records.map((record) => [record.level, record.event.kind, record.event.table])).toEqual([
        ['debug', 'select', 'users'],
        ['debug', 'insert', 'users'],
        ['debug', 'update', 'users'],
        ['debug', 'delete', 'users'],
      ])
      const [select, insert, update, remove] = records.map((record) => record.event)
      expect(select).toMatchObject({
        sql: 'select `id`, `email` from `users` where `status` = ?',
        parameters: ['active'],
        rowCount: users.length,
      })
      expect(select?.durationMs).toBeGreaterThan(0)
      expect(insert?.parameters).toEqual(['obs-1@example.com', 'Obs', 'One', '[REDACTED]'])
      expect(insert).toMatchObject({ rowCount: 0, affectedRows: 1 })
      expect(update).toMatchObject({ affectedRows: 1 })
      expect(remove).toMatchObject({ affectedRows: 1 })

      const snapshot = metrics.snapshot()
      expect(snapshot.queries).toBe(4)
      expect(snapshot.byQuery.map(({ kind, table, count }) => `${kind} ${table} ${count}`).sort()).toEqual([
        'delete users 1',
        'insert users 1',
        'select users 1',
        'update users 1',
      ])
      expect(snapshot.pool).toEqual({ total: 1, idle: 1, inUse: 0, waiting: 0, max: 16 })
    } finally {
      await close()
    }
  })

  it('log a slow query at warn and keep it in the slow-query buffer', async () => {
    const { db, close, records, metrics } = instrumented({ slowQueryMs: 200 }, { slowQueryMs: 200 })
    try {
      await sql`select sleep(${0.3}) as slept`.execute(db)
      await new Promise((resolve) => setImmediate(resolve))
      expect(records).toHaveLength(1)
      expect(records[0]).toMatchObject({
        level: 'warn',
        event: {
          kind: 'select',
          sql: 'select sleep(?) as slept',
          parameters: [0.3],
          slow: true,
          rowCount: 1,
        },
      })
      expect(records[0]?.event.durationMs).toBeGreaterThanOrEqual(295)
      expect(records[0]?.event).not.toHaveProperty('table')
      const snapshot = metrics.snapshot()
      expect(snapshot.slowQueryCount).toBe(1)
      expect(snapshot.slowQueries[0]).toMatchObject({
        sql: 'select sleep(?) as slept',
        kind: 'select',
        table: '(none)',
      })
      expect(snapshot.latency.maxMs).toBeGreaterThanOrEqual(295)
      expect(formatPrometheus(metrics.collect())).toContain('kysely_slow_queries_total 1\n')
    } finally {
      await close()
    }
  })

  it('log failures at error with code and message, redact the duplicate value, and count them by code', async () => {
    const { db, close, records, metrics } = instrumented({
      redact: { columns: [...DEFAULT_SENSITIVE_COLUMNS, 'email'] },
    })
    try {
      const existing = await db.selectFrom('users').select('email').orderBy('id').executeTakeFirstOrThrow()
      await expect(sql`selec 1`.execute(db)).rejects.toThrow()
      await expect(
        db.insertInto('users').values({ email: existing.email, first_name: 'D', last_name: 'K' }).execute(),
      ).rejects.toMatchObject({ code: 'UNIQUE_VIOLATION', cause: { code: 'ER_DUP_ENTRY' } })
      const [, syntax, duplicate] = records
      expect(syntax).toMatchObject({
        level: 'error',
        event: {
          kind: 'other',
          sql: 'selec 1',
          error: { code: 'ER_PARSE_ERROR', errno: 1064, sqlState: '42000' },
        },
        message: expect.stringMatching(/^query failed: other ER_PARSE_ERROR \(/),
      })
      expect(duplicate?.event.error).toMatchObject({ code: 'ER_DUP_ENTRY', errno: 1062 })
      expect(duplicate?.event.error?.message).toMatch(
        /^Duplicate entry '\[REDACTED\]' for key '(users\.)?email'$/,
      )
      expect(JSON.stringify(records)).not.toContain(existing.email)
      expect(duplicate?.event.parameters?.[0]).toBe('[REDACTED]')

      const snapshot = metrics.snapshot()
      expect(snapshot.errors).toBe(2)
      expect(snapshot.byError).toEqual(
        expect.arrayContaining([
          { kind: 'other', table: '(none)', code: 'ER_PARSE_ERROR', count: 1 },
          { kind: 'insert', table: 'users', code: 'ER_DUP_ENTRY', count: 1 },
        ]),
      )
    } finally {
      await close()
    }
  })

  it('count exactly under concurrent load: 2,000 queries, 16 in flight, one in ten failing', async () => {
    const { db, close, records, metrics } = instrumented()
    try {
      const total = 2_000
      let next = 0
      let failures = 0
      const worker = async () => {
        while (next < total) {
          const index = next++
          if (index % 10 === 9) {
            await sql`select * from no_such_table_${sql.raw(String(index % 3))}`
              .execute(db)
              .catch(() => failures++)
          } else if (index % 2 === 0) {
            await db
              .selectFrom('orders')
              .select('id')
              .where('user_id', '=', (index % 20) + 1)
              .execute()
          } else {
            await db
              .updateTable('accounts')
              .set({ balance: sql`balance` })
              .where('id', '=', (index % 20) + 1)
              .execute()
          }
        }
      }
      await Promise.all(Array.from({ length: 16 }, worker))
      await new Promise((resolve) => setImmediate(resolve))
      expect(failures).toBe(200)
      const snapshot = metrics.snapshot()
      expect(snapshot.queries).toBe(total)
      expect(snapshot.errors).toBe(200)
      const counts = Object.fromEntries(
        snapshot.byQuery.map((entry) => [`${entry.kind} ${entry.table}`, entry.count]),
      )
      expect(counts).toEqual({ 'select orders': 1000, 'update accounts': 800, 'select (none)': 200 })
      expect(snapshot.byError).toEqual([
        { kind: 'select', table: '(none)', code: 'ER_NO_SUCH_TABLE', count: 200 },
      ])
      expect(snapshot.latency.count).toBe(total)
      expect(records).toHaveLength(total)
      expect(records.filter((record) => record.level === 'error')).toHaveLength(200)
      expect(records.filter((record) => record.event.rowCount !== undefined)).toHaveLength(1800)
      expect(snapshot.pool?.total).toBeLessThanOrEqual(16)
    } finally {
      await close()
    }
  })

  it('log streamed queries once, marked as streams', async () => {
    const { db, close, records, metrics } = instrumented()
    try {
      let rows = 0
      for await (const _ of db.selectFrom('orders').select('id').stream(10)) rows++
      expect(rows).toBeGreaterThan(0)
      expect(records).toHaveLength(1)
      expect(records[0]?.event).toMatchObject({ kind: 'select', table: 'orders', stream: true })
      expect(metrics.snapshot().queries).toBe(1)
    } finally {
      await close()
    }
  })

  it('compose with CamelCasePlugin (redaction sees the snake_case columns it sends) and write to pino as it is', async () => {
    interface CamelDB {
      users: { id: number; email: string; firstName: string; lastName: string; passwordHash: string | null }
    }
    const lines: string[] = []
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) })
    const queryLogger = createQueryLogger({ logger: logPinoStyle(logger) })
    const metrics = createQueryMetrics()
    const db = new Kysely<CamelDB>({
      dialect: new MysqlDialect({ pool: createPool({ uri: test.url }) }),
      log: combineLogs(queryLogger.log, metrics.log),
      plugins: [queryLogger.plugin, new CamelCasePlugin()],
    })
    try {
      const rows = await db.selectFrom('users').select(['id', 'firstName']).limit(3).execute()
      expect(rows[0]).toHaveProperty('firstName')
      await db
        .updateTable('users')
        .set({ passwordHash: 'argon2$top-secret' })
        .where('id', '=', rows[0]?.id ?? 0)
        .execute()
      await new Promise((resolve) => setImmediate(resolve))
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(parsed).toHaveLength(2)
      expect(parsed[0]).toMatchObject({
        level: 20,
        kind: 'select',
        table: 'users',
        rowCount: 3,
        msg: expect.stringMatching(/^query: select users/),
      })
      expect(parsed[1]).toMatchObject({
        kind: 'update',
        sql: 'update `users` set `password_hash` = ? where `id` = ?',
        parameters: ['[REDACTED]', rows[0]?.id],
        affectedRows: 1,
      })
      expect(lines.join('\n')).not.toContain('top-secret')
      expect(metrics.snapshot().byQuery.map((entry) => entry.table)).toEqual(['users', 'users'])
    } finally {
      await db.destroy()
    }
  })
})
