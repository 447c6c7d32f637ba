import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { describe, expect, inject, it } from 'vitest'
import { logQueriesToConsole, logQueriesWithPino, logWithYourOwnKysely } from './query-logging.js'
import { countRetries, registerInPromClient, serveQueryMetrics } from './query-metrics.js'
import { traceQueries } from './query-tracing.js'

const databaseUrl = inject('databaseUrl')

describe('docs/examples: query logging', () => {
  it('logs with pino: redacted update, slow query at warn, failure at error', async () => {
    const lines: string[] = []
    await logQueriesWithPino(databaseUrl, { write: (line) => lines.push(line) })
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records.map((record) => record.level)).toEqual([20, 40, 50])
    expect(records[0]).toMatchObject({
      sql: 'update `users` set `password_hash` = ? where `email` = ?',
      parameters: ['[REDACTED]', '[REDACTED]'],
      rowCount: 0,
      affectedRows: 1,
    })
    expect(records[1]).toMatchObject({ sql: 'select sleep(?)', slow: true, rowCount: 1 })
    expect(records[2]).toMatchObject({ error: { code: 'ER_PARSE_ERROR', errno: 1064 } })
    expect(lines.join('\n')).not.toContain('user1@example.com')
  })

  it('logs console-style and runs a log function of your own beside it', async () => {
    const debug: unknown[][] = []
    const seen: string[] = []
    await logQueriesToConsole(
      databaseUrl,
      { debug: (...args: unknown[]) => debug.push(args), warn: () => {}, error: () => {} },
      (sql) => seen.push(sql),
    )
    expect(debug[0]?.[0]).toMatch(/^query: select users \(/)
    expect(seen).toEqual(['select `id` from `users` where `id` = ?'])
  })
})

describe('docs/examples: query logging on your own Kysely', () => {
  it('logs with row counts and counts through QueryLogDialect', async () => {
    const debug: unknown[][] = []
    const { queries } = await logWithYourOwnKysely(databaseUrl, {
      debug: (...args: unknown[]) => debug.push(args),
      warn: () => {},
      error: () => {},
    })
    expect(queries).toBe(1)
    expect(debug).toHaveLength(1)
    expect(debug[0]?.[1]).toMatchObject({ kind: 'select', table: 'users', rowCount: 2 })
  })
})

describe('docs/examples: query metrics', () => {
  it('serves Prometheus text and snapshots with pool gauges', async () => {
    const { server, snapshot, close } = await serveQueryMetrics(databaseUrl)
    try {
      expect(snapshot.queries).toBe(20)
      expect(snapshot.byQuery).toEqual([{ kind: 'select', table: 'orders', count: 20, errors: 0 }])
      expect(snapshot.pool).toMatchObject({ inUse: 0, waiting: 0, max: 10 })
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      const response = await fetch(`http://127.0.0.1:${port}/metrics`)
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
      const text = await response.text()
      expect(text).toContain('kysely_queries_total{database="primary",kind="select",table="orders"} 20\n')
      expect(text).toContain('kysely_query_duration_seconds_count{database="primary",kind="select"} 20\n')
      expect(text).toMatch(/kysely_pool_connections\{database="primary",state="idle"\} \d+\n/)
    } finally {
      await close()
    }
  })

  it('registers in a prom-client registry', async () => {
    const text = await registerInPromClient(databaseUrl)
    expect(text).toContain('kysely_queries_total{kind="select",table="users"} 1')
    expect(text).toContain('# TYPE kysely_query_duration_seconds histogram')
  })

  it('counts transaction retries', () => {
    expect(countRetries().retriesByReason).toEqual([
      { reason: 'ER_LOCK_DEADLOCK', count: 1 },
      { reason: 'serialization failure', count: 1 },
    ])
  })
})

describe('docs/examples: query tracing', () => {
  it('makes a client span per query', async () => {
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    await traceQueries(databaseUrl, provider.getTracer('kysely'))
    const [span] = exporter.getFinishedSpans()
    expect(span?.name).toBe('SELECT orders')
    expect(span?.attributes).toMatchObject({
      'db.system.name': 'mysql',
      'db.namespace': 'shop',
      'db.query.text': 'select `id` from `orders` where `status` = ?',
    })
  })
})
