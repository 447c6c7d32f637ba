import type { LogEvent, QueryId, QueryResult, UnknownRow } from 'kysely'
import { z } from 'zod'
import { parseOptions } from '../../util/parse-options.js'
import { describeError } from '../query-info/error-details.js'
import { describeQuery } from '../query-info/query-kind.js'
import { collapseSql } from '../query-info/sql-text.js'
import type { QueryLogDialect, ResultLogEvent } from '../query-log-dialect.js'
import type { QueryLogLevel, QueryLogWriter } from './log-writers.js'
import type { QueryLogEvent } from './query-log-event.js'
import { QueryLoggerPlugin } from './query-logger-plugin.js'
import {
  type RedactionOptions,
  RedactionOptionsSchema,
  redactMessage,
  redactQuery,
  SensitiveColumns,
} from './redaction.js'

/**
 * Options of {@link createQueryLogger}.
 *
 * @example
 * ```ts
 * import { createQueryLogger, DEFAULT_SENSITIVE_COLUMNS, logConsoleStyle, type QueryLoggerOptions } from 'kysely-toolkit'
 *
 * const options: QueryLoggerOptions = {
 *   logger: logConsoleStyle(console),
 *   slowQueryMs: 250,
 *   sampleRate: 0.1,
 *   redact: { columns: [...DEFAULT_SENSITIVE_COLUMNS, 'email'] },
 * }
 * const queryLogger = createQueryLogger(options)
 * ```
 */
export interface QueryLoggerOptions {
  /**
   * Where events go: {@link logPinoStyle}, {@link logConsoleStyle}, or a function of `(level, event, message)`.
   * Defaults to none: nothing is logged and the hook costs next to nothing.
   */
  readonly logger?: QueryLogWriter | undefined
  /** Queries taking at least this many milliseconds are logged at `warn`, with `slow: true`. Defaults to `1000`. */
  readonly slowQueryMs?: number | undefined
  /**
   * The share of normal (`debug`) events written, from 0 to 1; slow and failed queries are always written.
   * Defaults to `1`.
   */
  readonly sampleRate?: number | undefined
  /** Which columns' values are replaced by `[REDACTED]`. Defaults to {@link DEFAULT_SENSITIVE_COLUMNS}. */
  readonly redact?: RedactionOptions | undefined
  /** Whether events carry the (redacted) parameters. Defaults to `true`. */
  readonly logParameters?: boolean | undefined
  /** SQL longer than this is cut (batch inserts can be long). Defaults to `10000` characters. */
  readonly maxSqlLength?: number | undefined
  /** At most this many parameters are logged; a last entry tells how many were left out. Defaults to `100`. */
  readonly maxParameters?: number | undefined
  /** String parameters longer than this are cut. Defaults to `200` characters. */
  readonly maxParameterLength?: number | undefined
}

/**
 * {@link QueryLoggerOptions} with every default applied, frozen.
 *
 * @example
 * ```ts
 * createQueryLogger().options // { logger: undefined, slowQueryMs: 1000, sampleRate: 1, logParameters: true, ... }
 * ```
 */
export interface ResolvedQueryLoggerOptions {
  readonly logger: QueryLogWriter | undefined
  readonly slowQueryMs: number
  readonly sampleRate: number
  readonly logParameters: boolean
  readonly maxSqlLength: number
  readonly maxParameters: number
  readonly maxParameterLength: number
}

/**
 * A query logger: give `log` to a {@link QueryLogDialect} (or `createDatabase`'s `log`, which uses one), or to
 * Kysely's `log` option with `plugin` (optional, for row counts) in `plugins`.
 *
 * @example
 * ```ts
 * const queryLogger: QueryLogger = createQueryLogger({ logger: logConsoleStyle(console) })
 * const db = new Kysely<DB>({ dialect, log: queryLogger.log, plugins: [queryLogger.plugin] })
 * ```
 */
export interface QueryLogger {
  /** Kysely's `log` hook. Combine it with others with {@link combineLogs}. Never throws. */
  readonly log: (event: LogEvent) => void
  /**
   * Adds row counts to events when `log` is given to Kysely's `log` option; optional, and not needed with
   * `QueryLogDialect` (nor `createDatabase`), whose events carry the result. Put it first in `plugins`.
   */
  readonly plugin: QueryLoggerPlugin
  /** The resolved options. */
  readonly options: ResolvedQueryLoggerOptions
}

const positive = (what: string) =>
  z.number({ error: `must be ${what}` }).positive({ error: `must be ${what}` })
const positiveInteger = (what: string) => positive(what).int({ error: `must be ${what}` })

const QueryLoggerOptionsSchema = z.strictObject({
  logger: z
    .custom<QueryLogWriter>((value) => typeof value === 'function', {
      error:
        'must be a function (level, event, message) => void, e.g. logPinoStyle(pino()) or logConsoleStyle(console)',
    })
    .optional(),
  slowQueryMs: z
    .number({ error: 'must be a number of milliseconds, zero or more' })
    .nonnegative({ error: 'must be a number of milliseconds, zero or more' })
    .default(1_000),
  sampleRate: z
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, { error: 'must be a number from 0 to 1' })
    .max(1, { error: 'must be a number from 0 to 1' })
    .default(1),
  redact: RedactionOptionsSchema.optional(),
  logParameters: z.boolean({ error: 'must be true or false' }).default(true),
  maxSqlLength: positiveInteger('a positive whole number of characters').default(10_000),
  maxParameters: z
    .number({ error: 'must be a whole number, zero or more' })
    .int({ error: 'must be a whole number, zero or more' })
    .nonnegative({ error: 'must be a whole number, zero or more' })
    .default(100),
  maxParameterLength: positiveInteger('a positive whole number of characters').default(200),
})

/**
 * Makes a query logger for any Kysely instance: one event per query with the SQL (whitespace collapsed),
 * the parameters (sensitive ones as `[REDACTED]`), the duration, the row count, the kind and main table, and on
 * failure the error code and message; at `debug` normally, `warn` for slow queries, `error` for failures.
 *
 * Built on Kysely's `log` events, the only place that sees durations, SQL text and failed queries (a plugin's
 * `transformResult` never sees a failure). Redaction reads the operation-node tree that comes with each event
 * (`event.query.query`, after all plugins), so no plugin is needed for it. Give `log` to a {@link QueryLogDialect}
 * (`createDatabase` does so for its `log` option): one timing per query, and the result for row counts. On
 * Kysely's `log` option the events lack the result, and the optional `plugin` adds the row counts, at the cost of
 * one more awaited call per query (see `docs/logging.md#cost`).
 *
 * @throws {InvalidOptionsError} when an option is invalid.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * import { createDatabase, createQueryLogger, logPinoStyle } from 'kysely-toolkit'
 *
 * const queryLogger = createQueryLogger({ logger: logPinoStyle(pino()), slowQueryMs: 500 })
 * const database = createDatabase<DB>({
 *   url: process.env.DATABASE_URL,
 *   log: queryLogger.log,
 *   plugins: [queryLogger.plugin],
 * })
 * // {"level":40,"kind":"select","table":"orders","sql":"select ...","durationMs":812.4,"slow":true,...,"msg":"slow query: select orders (812.4 ms)"}
 * ```
 */
export function createQueryLogger(options: QueryLoggerOptions = {}): QueryLogger {
  const parsed = parseOptions(QueryLoggerOptionsSchema, options, 'query logger options')
  const columns = new SensitiveColumns(parsed.redact ?? {})
  const resolved: ResolvedQueryLoggerOptions = Object.freeze({
    logger: parsed.logger,
    slowQueryMs: parsed.slowQueryMs,
    sampleRate: parsed.sampleRate,
    logParameters: parsed.logParameters,
    maxSqlLength: parsed.maxSqlLength,
    maxParameters: parsed.maxParameters,
    maxParameterLength: parsed.maxParameterLength,
  })
  const core = new QueryLoggerCore(resolved, columns)
  const plugin = new QueryLoggerPlugin({
    onInstalled: () => core.waitForResults(),
    onResult: (queryId, result) => core.complete(queryId, result),
  })
  return Object.freeze({ log: core.log, plugin, options: resolved })
}

interface PendingEvent {
  readonly level: QueryLogLevel
  readonly event: QueryLogEvent
  readonly message: string
  written: boolean
}

class QueryLoggerCore {
  readonly #options: ResolvedQueryLoggerOptions
  readonly #writer: QueryLogWriter | undefined
  readonly #columns: SensitiveColumns
  readonly #pending = new WeakMap<QueryId, PendingEvent>()
  #unfinished: PendingEvent[] = []
  #flushScheduled = false
  #waitForResults = false
  #warned = false

  constructor(options: ResolvedQueryLoggerOptions, columns: SensitiveColumns) {
    this.#options = options
    this.#writer = options.logger
    this.#columns = columns
  }

  waitForResults(): void {
    this.#waitForResults = true
  }

  readonly log = (event: LogEvent): void => {
    const writer = this.#writer
    if (writer === undefined) return
    try {
      let level: QueryLogLevel
      if (event.level === 'error') {
        level = 'error'
      } else if (event.queryDurationMillis >= this.#options.slowQueryMs) {
        level = 'warn'
      } else {
        const rate = this.#options.sampleRate
        if (rate < 1 && Math.random() >= rate) return
        level = 'debug'
      }
      if (writer.isLevelEnabled !== undefined && !writer.isLevelEnabled(level)) return
      const pending: PendingEvent = { level, ...this.#build(event, level), written: false }
      const result = (event as ResultLogEvent).result
      if (result !== undefined) {
        // From QueryLogDialect: the result came with the event, so the row count is known now.
        this.#write({ ...pending, event: withRowCounts(pending.event, result) })
        return
      }
      if (
        level === 'error' ||
        (event.level === 'query' && event.isStream === true) ||
        !this.#waitForResults
      ) {
        this.#write(pending)
        return
      }
      // Kysely calls the hook before plugins see the result: wait for the plugin to add the row count, and
      // write anyway once the current I/O turn is over (the plugin may not be installed on this instance).
      this.#pending.set(event.query.queryId, pending)
      this.#unfinished.push(pending)
      if (!this.#flushScheduled) {
        this.#flushScheduled = true
        setImmediate(this.#flush)
      }
    } catch (error) {
      this.#report(error)
    }
  }

  complete(queryId: QueryId, result: QueryResult<UnknownRow>): void {
    const pending = this.#pending.get(queryId)
    if (pending === undefined || pending.written) return
    this.#pending.delete(queryId)
    this.#write({ ...pending, event: withRowCounts(pending.event, result) })
    pending.written = true
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false
    const unfinished = this.#unfinished
    this.#unfinished = []
    for (const pending of unfinished) {
      if (!pending.written) this.#write(pending)
    }
  }

  #write(pending: PendingEvent): void {
    pending.written = true
    try {
      this.#writer?.(pending.level, pending.event, pending.message)
    } catch (error) {
      this.#report(error)
    }
  }

  #build(event: LogEvent, level: QueryLogLevel): { event: QueryLogEvent; message: string } {
    const { query } = event
    const { kind, table } = describeQuery(query.query, query.sql)
    const redacted = redactQuery(query.query, query.sql, query.parameters, this.#columns)
    const durationMs = Math.round(event.queryDurationMillis * 1000) / 1000
    const error =
      event.level === 'error'
        ? (() => {
            const details = describeError(event.error)
            return { ...details, message: redactMessage(details.message, redacted.secrets) }
          })()
        : undefined
    const logged: QueryLogEvent = {
      kind,
      ...(table === undefined ? {} : { table }),
      sql: collapseSql(redacted.sql, this.#options.maxSqlLength),
      ...(this.#options.logParameters ? { parameters: this.#formatParameters(redacted.parameters) } : {}),
      durationMs,
      ...(level === 'warn' ? { slow: true as const } : {}),
      ...(event.level === 'query' && event.isStream === true ? { stream: true as const } : {}),
      ...(error === undefined ? {} : { error }),
    }
    const subject = table === undefined ? kind : `${kind} ${table}`
    const message =
      level === 'error'
        ? `query failed: ${subject} ${error?.code} (${durationMs} ms)`
        : level === 'warn'
          ? `slow query: ${subject} (${durationMs} ms)`
          : `query: ${subject} (${durationMs} ms)`
    return { event: logged, message }
  }

  #formatParameters(parameters: readonly unknown[]): unknown[] {
    const { maxParameters, maxParameterLength } = this.#options
    const count = Math.min(parameters.length, maxParameters)
    const formatted: unknown[] = new Array(count)
    for (let index = 0; index < count; index++) {
      formatted[index] = formatParameter(parameters[index], maxParameterLength)
    }
    if (parameters.length > count) formatted.push(`[+${parameters.length - count} more]`)
    return formatted
  }

  #report(error: unknown): void {
    if (this.#warned) return
    this.#warned = true
    const reason = error instanceof Error ? error.message : String(error)
    process.emitWarning(`kysely-toolkit query logger: an event could not be written (${reason})`, {
      code: 'KYSELY_TOOLKIT_QUERY_LOGGER',
    })
  }
}

function withRowCounts(event: QueryLogEvent, result: QueryResult<unknown>): QueryLogEvent {
  const affected = result.numAffectedRows
  return {
    ...event,
    rowCount: result.rows.length,
    ...(affected === undefined ? {} : { affectedRows: Number(affected) }),
  }
}

function formatParameter(value: unknown, maxLength: number): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > maxLength
        ? `${value.slice(0, maxLength)}… (+${value.length - maxLength} chars)`
        : value
    case 'number':
    case 'boolean':
      return value
    case 'bigint':
      return value.toString()
    case 'undefined':
      return null
    default:
      if (value === null) return null
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
      if (value instanceof Uint8Array) return `[Buffer: ${value.byteLength} bytes]`
      return `[${Object.prototype.toString.call(value).slice(8, -1)}]`
  }
}
