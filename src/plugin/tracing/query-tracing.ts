import type { LogEvent } from 'kysely'
import { z } from 'zod'
import { parseOptions } from '../../util/parse-options.js'
import type { RedactionOptions } from '../logging/redaction.js'
import { RedactionOptionsSchema, redactMessage, redactQuery, SensitiveColumns } from '../logging/redaction.js'
import { describeError } from '../query-info/error-details.js'
import { describeQuery } from '../query-info/query-kind.js'
import { collapseSql } from '../query-info/sql-text.js'

/**
 * The attribute values a span accepts.
 *
 * @example
 * ```ts
 * const attributes: Record<string, SpanAttributeValue> = { 'db.namespace': 'shop', 'server.port': 3306 }
 * ```
 */
export type SpanAttributeValue = string | number | boolean

/**
 * The slice of an OpenTelemetry `Span` the tracing hook uses (`@opentelemetry/api`'s `Span` fits).
 *
 * @example
 * ```ts
 * const span: QuerySpan = trace.getTracer('kysely').startSpan('SELECT users')
 * span.end()
 * ```
 */
export interface QuerySpan {
  setStatus(status: { code: number; message?: string }): unknown
  end(endTime?: number): void
}

/**
 * The slice of an OpenTelemetry `Tracer` the tracing hook uses: `trace.getTracer('kysely')` of
 * `@opentelemetry/api` fits as it is. Described here so the toolkit does not import the API itself.
 *
 * @example
 * ```ts
 * import { trace } from '@opentelemetry/api'
 *
 * const tracer: QueryTracer = trace.getTracer('kysely')
 * ```
 */
export interface QueryTracer {
  startSpan(
    name: string,
    options?: { kind?: number; startTime?: number; attributes?: Record<string, SpanAttributeValue> },
  ): QuerySpan
}

/**
 * Options of {@link createQueryTracing}.
 *
 * @example
 * ```ts
 * import { trace } from '@opentelemetry/api'
 * import type { QueryTracingOptions } from 'kysely-toolkit'
 *
 * const options: QueryTracingOptions = {
 *   tracer: trace.getTracer('kysely'),
 *   system: 'mariadb',
 *   namespace: 'shop',
 *   serverAddress: 'db.internal',
 *   serverPort: 3306,
 * }
 * ```
 */
export interface QueryTracingOptions {
  /** The tracer spans are started on, e.g. `trace.getTracer('kysely')`. Required. */
  readonly tracer: QueryTracer
  /** `db.system.name`. Defaults to `'mysql'`. */
  readonly system?: 'mysql' | 'mariadb' | undefined
  /** `db.namespace`: the database name. Defaults to none. */
  readonly namespace?: string | undefined
  /** `server.address`. Defaults to none. */
  readonly serverAddress?: string | undefined
  /** `server.port`. Defaults to none. */
  readonly serverPort?: number | undefined
  /** Whether spans carry `db.query.text` (the SQL with placeholders, sensitive literals redacted). Defaults to `true`. */
  readonly queryText?: boolean | undefined
  /** Which columns' inline literals are redacted from the SQL and error messages. Defaults to the logger's defaults. */
  readonly redact?: RedactionOptions | undefined
}

/**
 * A tracing hook: pass `log` to Kysely's `log` option (combine with `combineLogs`).
 *
 * @example
 * ```ts
 * const tracing: QueryTracing = createQueryTracing({ tracer: trace.getTracer('kysely') })
 * const db = new Kysely<DB>({ dialect, log: tracing.log })
 * ```
 */
export interface QueryTracing {
  /** Kysely's `log` hook; never throws. */
  readonly log: (event: LogEvent) => void
}

const QueryTracingOptionsSchema = z.strictObject({
  tracer: z.custom<QueryTracer>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { startSpan?: unknown }).startSpan === 'function',
    { error: "must be an OpenTelemetry tracer (an object with startSpan), e.g. trace.getTracer('kysely')" },
  ),
  system: z.enum(['mysql', 'mariadb'], { error: "must be 'mysql' or 'mariadb'" }).default('mysql'),
  namespace: z
    .string({ error: 'must be a database name' })
    .min(1, { error: 'must be a database name' })
    .optional(),
  serverAddress: z
    .string({ error: 'must be a host name' })
    .min(1, { error: 'must be a host name' })
    .optional(),
  serverPort: z
    .number({ error: 'must be a port number' })
    .int({ error: 'must be a port number' })
    .min(1, { error: 'must be a port number' })
    .max(65_535, { error: 'must be a port number' })
    .optional(),
  queryText: z.boolean({ error: 'must be true or false' }).default(true),
  redact: RedactionOptionsSchema.optional(),
})

const SPAN_KIND_CLIENT = 2
const SPAN_STATUS_ERROR = 2
const MAX_QUERY_TEXT = 4_000

/**
 * Makes OpenTelemetry client spans for queries, one per query, from Kysely's `log` hook: started at the time the
 * query was sent (the event's duration back from now) and ended now, under the span active in the caller's
 * context, with the database semantic-convention attributes: `db.system.name`, `db.operation.name` (`SELECT`,
 * ...), `db.collection.name` (main table), `db.query.text` (placeholders only, sensitive literals redacted),
 * `db.namespace`, `server.address`, `server.port`; a failure sets `error.type` (the error code),
 * `db.response.status_code` (the errno) and an error status with the redacted message.
 *
 * The toolkit does not import `@opentelemetry/api`: pass your tracer.
 *
 * @throws {InvalidOptionsError} when an option is invalid.
 *
 * @example
 * ```ts
 * import { trace } from '@opentelemetry/api'
 * import { combineLogs, createDatabase, createQueryTracing } from 'kysely-toolkit'
 *
 * const tracing = createQueryTracing({ tracer: trace.getTracer('kysely'), namespace: 'shop' })
 * const database = createDatabase<DB>({ url: process.env.DATABASE_URL, log: combineLogs(tracing.log, metrics.log) })
 * // span "SELECT users" { db.system.name: 'mysql', db.operation.name: 'SELECT', db.collection.name: 'users', ... }
 * ```
 */
export function createQueryTracing(options: QueryTracingOptions): QueryTracing {
  const parsed = parseOptions(QueryTracingOptionsSchema, options, 'query tracing options')
  const columns = new SensitiveColumns(parsed.redact ?? {})
  const constant: Record<string, SpanAttributeValue> = { 'db.system.name': parsed.system }
  if (parsed.namespace !== undefined) constant['db.namespace'] = parsed.namespace
  if (parsed.serverAddress !== undefined) constant['server.address'] = parsed.serverAddress
  if (parsed.serverPort !== undefined) constant['server.port'] = parsed.serverPort
  const { tracer } = parsed
  const log = (event: LogEvent): void => {
    try {
      const now = performance.timeOrigin + performance.now()
      const { query } = event
      const { kind, table } = describeQuery(query.query, query.sql)
      const attributes: Record<string, SpanAttributeValue> = { ...constant }
      const operation = kind === 'other' ? undefined : kind.toUpperCase()
      if (operation !== undefined) attributes['db.operation.name'] = operation
      if (table !== undefined) attributes['db.collection.name'] = table
      const redacted =
        parsed.queryText || event.level === 'error'
          ? redactQuery(query.query, query.sql, query.parameters, columns)
          : undefined
      if (parsed.queryText && redacted !== undefined) {
        attributes['db.query.text'] = collapseSql(redacted.sql, MAX_QUERY_TEXT)
      }
      let status: { code: number; message: string } | undefined
      if (event.level === 'error') {
        const details = describeError(event.error)
        attributes['error.type'] = details.code
        if (details.errno !== undefined) attributes['db.response.status_code'] = String(details.errno)
        status = { code: SPAN_STATUS_ERROR, message: redactMessage(details.message, redacted?.secrets ?? []) }
      }
      const name = [operation, table].filter(Boolean).join(' ') || parsed.system
      const span = tracer.startSpan(name, {
        kind: SPAN_KIND_CLIENT,
        startTime: now - event.queryDurationMillis,
        attributes,
      })
      if (status !== undefined) span.setStatus(status)
      span.end(now)
    } catch {
      // Tracing must never fail a query.
    }
  }
  return Object.freeze({ log })
}
