import { sql } from 'kysely'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import {
  createQueryMetrics,
  formatPrometheus,
  InvalidOptionsError,
  NO_TABLE_LABEL,
  OTHER_LABEL,
} from '../../../src/index.js'
import { registerQueryMetrics } from '../../../src/prometheus/index.js'
import { createDummyDb, errorEvent, queryEvent } from './dummy-database.js'

const db = createDummyDb()
const selectUsers = db.selectFrom('users').selectAll().compile()
const insertOrder = db.insertInto('orders').values({ user_id: 1, total: '1.00' }).compile()
const duplicate = Object.assign(new Error("Duplicate entry 'x' for key 'users.email'"), {
  code: 'ER_DUP_ENTRY',
  errno: 1062,
  sqlState: '23000',
})

describe(createQueryMetrics.name, () => {
  it('counts queries and errors by kind, table and code, with latency per kind', () => {
    const metrics = createQueryMetrics()
    for (let ms = 1; ms <= 100; ms++) metrics.log(queryEvent(selectUsers, ms))
    metrics.log(errorEvent(insertOrder, duplicate, 3))
    metrics.log(errorEvent(insertOrder, new Error('socket hang up'), 4))
    metrics.log(queryEvent(sql`select sleep(0)`.compile(db), 2))
    const snapshot = metrics.snapshot()
    expect(snapshot.queries).toBe(103)
    expect(snapshot.errors).toBe(2)
    expect(snapshot.byQuery).toEqual([
      { kind: 'select', table: 'users', count: 100, errors: 0 },
      { kind: 'insert', table: 'orders', count: 2, errors: 2 },
      { kind: 'select', table: NO_TABLE_LABEL, count: 1, errors: 0 },
    ])
    expect(snapshot.byError).toEqual(
      expect.arrayContaining([
        { kind: 'insert', table: 'orders', code: 'ER_DUP_ENTRY', count: 1 },
        { kind: 'insert', table: 'orders', code: 'Error', count: 1 },
      ]),
    )
    expect(snapshot.latencyByKind.select).toMatchObject({ count: 101, maxMs: 100, minMs: 1 })
    expect(snapshot.latencyByKind.select.p50Ms).toBeCloseTo(50, -0.3)
    expect(snapshot.latency.count).toBe(103)
    expect(snapshot.latencyByKind.delete).toEqual({
      count: 0,
      sumMs: 0,
      minMs: 0,
      p50Ms: 0,
      p95Ms: 0,
      p99Ms: 0,
      maxMs: 0,
    })
  })

  it('keeps memory bounded: 10,000 distinct SQL strings over 1,000 tables give at most maxTables labels', () => {
    const metrics = createQueryMetrics({
      maxTables: 10,
      maxErrorCodes: 3,
      slowQueryMs: 5,
      slowQueryCapacity: 4,
    })
    for (let index = 0; index < 10_000; index++) {
      const query = db
        .selectFrom(`table_${index % 1000}` as 'users')
        .select(sql`${sql.lit(index)}`.as('n'))
        .compile()
      metrics.log(queryEvent(query, index % 10))
      if (index % 100 === 0) metrics.log(errorEvent(query, { code: `E_${index}` }))
    }
    const snapshot = metrics.snapshot()
    const tables = new Set(snapshot.byQuery.map((entry) => entry.table))
    expect(tables.size).toBe(11)
    expect(tables.has(OTHER_LABEL)).toBe(true)
    expect(snapshot.byQuery.reduce((sum, entry) => sum + entry.count, 0)).toBe(10_100)
    expect(new Set(snapshot.byError.map((entry) => entry.code))).toEqual(
      new Set(['E_0', 'E_100', 'E_200', OTHER_LABEL]),
    )
    expect(snapshot.slowQueries).toHaveLength(4)
    expect(snapshot.slowQueryCount).toBe(5000)
    expect(snapshot.slowQueries.map((entry) => entry.durationMs)).toEqual([9, 8, 7, 6])
  })

  it('keeps the most recent slow queries with SQL but no parameters, literals of sensitive columns redacted', () => {
    const metrics = createQueryMetrics({ slowQueryMs: 100, slowQueryCapacity: 2 })
    const secret = db.selectFrom('users').select('id').where('ssn', '=', sql.lit('123-45-6789')).compile()
    const bound = db.selectFrom('users').select('id').where('email', '=', 'ada@example.com').compile()
    metrics.log(queryEvent(bound, 150))
    metrics.log(queryEvent(secret, 120))
    metrics.log(errorEvent(bound, duplicate, 300))
    metrics.log(queryEvent(bound, 50))
    const { slowQueries } = metrics.snapshot()
    expect(slowQueries.map(({ sql, durationMs, errorCode }) => ({ sql, durationMs, errorCode }))).toEqual([
      { sql: 'select `id` from `users` where `email` = ?', durationMs: 300, errorCode: 'ER_DUP_ENTRY' },
      { sql: "select `id` from `users` where `ssn` = '[REDACTED]'", durationMs: 120, errorCode: undefined },
    ])
    expect(JSON.stringify(slowQueries)).not.toContain('ada@example.com')
  })

  it('counts transaction retries by reason or error code, capped', () => {
    const metrics = createQueryMetrics({ maxRetryReasons: 2 })
    metrics.recordTransactionRetry('deadlock')
    metrics.recordTransactionRetry({ code: 'ER_LOCK_DEADLOCK', errno: 1213 })
    metrics.recordTransactionRetry('deadlock')
    metrics.recordTransactionRetry('lock wait')
    const snapshot = metrics.snapshot()
    expect(snapshot.transactionRetries).toBe(4)
    expect(snapshot.retriesByReason).toEqual([
      { reason: 'deadlock', count: 2 },
      { reason: 'ER_LOCK_DEADLOCK', count: 1 },
      { reason: OTHER_LABEL, count: 1 },
    ])
  })

  it('reads pool gauges at snapshot time and resets everything but them', () => {
    let inUse = 1
    const metrics = createQueryMetrics({
      poolStats: () => ({ total: 3, idle: 3 - inUse, inUse, waiting: 0, max: 10 }),
    })
    metrics.log(queryEvent(selectUsers, 1))
    expect(metrics.snapshot().pool).toEqual({ total: 3, idle: 2, inUse: 1, waiting: 0, max: 10 })
    inUse = 3
    expect(metrics.snapshot().pool).toMatchObject({ idle: 0, inUse: 3 })
    const before = metrics.snapshot().since
    metrics.reset()
    const after = metrics.snapshot()
    expect(after.queries).toBe(0)
    expect(after.byQuery).toEqual([])
    expect(after.since.getTime()).toBeGreaterThanOrEqual(before.getTime())
    expect(after.pool).toMatchObject({ inUse: 3 })
  })

  it('writes the Prometheus text format: help, type, escaped labels, cumulative buckets', () => {
    const metrics = createQueryMetrics({ buckets: [0.001, 0.01], labels: { database: 'a"b\\c\nd' } })
    metrics.log(queryEvent(selectUsers, 0.5))
    metrics.log(queryEvent(selectUsers, 5))
    metrics.log(queryEvent(selectUsers, 50))
    metrics.log(errorEvent(insertOrder, duplicate, 1))
    const text = formatPrometheus(metrics.collect())
    const label = 'database="a\\"b\\\\c\\nd"'
    expect(text).toContain(
      '# HELP kysely_queries_total Queries run, by kind and main table (failed ones included).\n',
    )
    expect(text).toContain('# TYPE kysely_queries_total counter\n')
    expect(text).toContain(`kysely_queries_total{${label},kind="select",table="users"} 3\n`)
    expect(text).toContain(
      `kysely_query_errors_total{${label},kind="insert",table="orders",code="ER_DUP_ENTRY"} 1\n`,
    )
    expect(text).toContain('# TYPE kysely_query_duration_seconds histogram\n')
    expect(text).toContain(`kysely_query_duration_seconds_bucket{${label},kind="select",le="0.001"} 1\n`)
    expect(text).toContain(`kysely_query_duration_seconds_bucket{${label},kind="select",le="0.01"} 2\n`)
    expect(text).toContain(`kysely_query_duration_seconds_bucket{${label},kind="select",le="+Inf"} 3\n`)
    expect(text).toContain(`kysely_query_duration_seconds_sum{${label},kind="select"} 0.0555\n`)
    expect(text).toContain(`kysely_query_duration_seconds_count{${label},kind="select"} 3\n`)
    expect(text.endsWith('\n')).toBe(true)
    // Every non-comment line is `name{labels} value`.
    for (const line of text.trim().split('\n')) {
      if (!line.startsWith('#'))
        expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (-?[0-9.e+-]+|\+Inf|NaN)$/)
    }
  })

  it('registers into a prom-client registry with the same samples as its own text', async () => {
    const metrics = createQueryMetrics({
      poolStats: () => ({ total: 2, idle: 1, inUse: 1, waiting: 0 }),
      labels: { database: 'primary' },
    })
    const registry = new Registry()
    registerQueryMetrics(metrics, registry)
    metrics.log(queryEvent(selectUsers, 3))
    metrics.log(errorEvent(insertOrder, duplicate, 2))
    metrics.recordTransactionRetry('deadlock')
    const samples = (text: string) =>
      new Set(
        text
          .split('\n')
          .filter((line) => line !== '' && !line.startsWith('#'))
          // prom-client orders labels by name and writes `le` last: compare sorted label sets.
          .map((line) => {
            const match = /^([^{ ]+)(?:\{(.*)\})? (.+)$/.exec(line)
            const labels = (match?.[2] ?? '').split(',').filter(Boolean).sort().join(',')
            return `${match?.[1]}{${labels}} ${Number(match?.[3])}`
          }),
      )
    const ours = samples(formatPrometheus(metrics.collect()))
    const theirs = samples(await registry.metrics())
    expect(theirs).toEqual(ours)
    expect(ours.has('kysely_pool_connections{database="primary",state="in_use"} 1')).toBe(true)
    expect(ours.has('kysely_transaction_retries_total{database="primary",reason="deadlock"} 1')).toBe(true)
    // A second scrape sees new counts.
    metrics.log(queryEvent(selectUsers, 3))
    expect(await registry.metrics()).toContain(
      'kysely_queries_total{database="primary",kind="select",table="users"} 2',
    )
  })

  it('refuses invalid options, naming each', () => {
    expect(() =>
      createQueryMetrics({ buckets: [0.1, 0.01], prefix: '1x', labels: { kind: 'x' }, slowQueryMs: -1 }),
    ).toThrow(InvalidOptionsError)
    try {
      createQueryMetrics({ buckets: [0.1, 0.01], prefix: '1x', labels: { kind: 'x' }, slowQueryMs: -1 })
    } catch (error) {
      const paths = (error as InvalidOptionsError).problems.map((problem) => problem.path)
      expect(paths).toEqual(expect.arrayContaining(['buckets', 'prefix', 'labels.kind', 'slowQueryMs']))
    }
  })
})
