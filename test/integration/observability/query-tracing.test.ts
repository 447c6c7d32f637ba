import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import { createDatabase, createQueryTracing, type Database, InvalidOptionsError } from '../../../src/index.js'

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const contextManager = new AsyncLocalStorageContextManager()
let database: Database<DB>

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable())
  const tracing = createQueryTracing({
    tracer: provider.getTracer('kysely'),
    namespace: 'shop',
    serverPort: 3306,
  })
  database = createDatabase<DB>({ url: inject('databaseUrl'), log: tracing.log })
})

afterAll(async () => {
  await database?.close()
  contextManager.disable()
  context.disable()
})

describe(createQueryTracing.name, () => {
  it('makes one client span per query under the caller span, with semantic-convention attributes', async () => {
    exporter.reset()
    const tracer = provider.getTracer('app')
    await tracer.startActiveSpan('GET /users', async (request) => {
      await database.db.selectFrom('users').select('id').where('ssn', '=', sql.lit('123-45-6789')).execute()
      request.end()
    })
    const spans = exporter.getFinishedSpans()
    const query = spans.find((span) => span.name === 'SELECT users')
    const request = spans.find((span) => span.name === 'GET /users')
    expect(query).toBeDefined()
    expect(query?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId)
    expect(query?.kind).toBe(2)
    expect(query?.attributes).toEqual({
      'db.system.name': 'mysql',
      'db.namespace': 'shop',
      'server.port': 3306,
      'db.operation.name': 'SELECT',
      'db.collection.name': 'users',
      'db.query.text': "select `id` from `users` where `ssn` = '[REDACTED]'",
    })
    const durationMs = query ? query.duration[0] * 1e3 + query.duration[1] / 1e6 : 0
    expect(durationMs).toBeGreaterThan(0)
  })

  it('marks failed queries with the error code and a redacted message', async () => {
    exporter.reset()
    const existing = await database.db
      .selectFrom('users')
      .select('email')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    exporter.reset()
    await expect(
      database.db
        .insertInto('users')
        .values({ email: existing.email, first_name: 'A', last_name: 'B', ssn: 'x' })
        .execute(),
    ).rejects.toThrow()
    const [span] = exporter.getFinishedSpans()
    expect(span?.name).toBe('INSERT users')
    expect(span?.attributes['error.type']).toBe('ER_DUP_ENTRY')
    expect(span?.attributes['db.response.status_code']).toBe('1062')
    expect(span?.status).toEqual({
      code: 2,
      message: expect.stringMatching(/^Duplicate entry '\[REDACTED\]' for key/),
    })
  })

  it('refuses a missing tracer', () => {
    expect(() => createQueryTracing({} as never)).toThrow(InvalidOptionsError)
  })
})
