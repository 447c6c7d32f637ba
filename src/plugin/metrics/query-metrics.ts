import type { LogEvent } from 'kysely'
import { z } from 'zod'
import { parseOptions } from '../../util/parse-options.js'
import {
  type RedactionOptions,
  RedactionOptionsSchema,
  redactQuery,
  SensitiveColumns,
} from '../logging/redaction.js'
import { errorCodeOf } from '../query-info/error-details.js'
import { describeQuery, QUERY_KINDS, type QueryKind } from '../query-info/query-kind.js'
import { collapseSql } from '../query-info/sql-text.js'
import { LatencyHistogram } from './latency-histogram.js'
import type { MetricFamily, MetricSample } from './prometheus.js'

/**
 * The Prometheus histogram bucket bounds used when `buckets` is not given, in seconds (0.5 ms to 10 s).
 *
 * @example
 * ```ts
 * createQueryMetrics({ buckets: [...DEFAULT_LATENCY_BUCKETS, 30, 60] })
 * ```
 */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
])

/**
 * The label value of queries without a main table (raw SQL, `select 1`).
 *
 * @example
 * ```ts
 * const raw = snapshot.byQuery.filter((entry) => entry.table === NO_TABLE_LABEL)
 * ```
 */
export const NO_TABLE_LABEL = '(none)'
/**
 * The label value that tables, error codes and retry reasons share once their cap is reached.
 *
 * @example
 * ```ts
 * if (snapshot.byQuery.some((entry) => entry.table === OTHER_LABEL)) console.warn('raise maxTables')
 * ```
 */
export const OTHER_LABEL = '(other)'

/**
 * Connection counts, as `Database.poolStats()` returns them.
 *
 * @example
 * ```ts
 * const gauges: PoolGauges = { total: 4, idle: 3, inUse: 1, waiting: 0, max: 10 }
 * ```
 */
export interface PoolGauges {
  /** Open connections, idle or in use. */
  readonly total: number
  readonly idle: number
  readonly inUse: number
  /** Callers waiting for a connection. */
  readonly waiting: number
  /** The most connections the pool opens, when known. */
  readonly max?: number
}

/**
 * Options of {@link createQueryMetrics}.
 *
 * @example
 * ```ts
 * import { createDatabase, createQueryMetrics, type QueryMetricsOptions } from 'kysely-toolkit'
 *
 * let database: Database<DB> | undefined
 * const options: QueryMetricsOptions = {
 *   slowQueryMs: 250,
 *   poolStats: () => database?.poolStats(), // read at snapshot time
 *   labels: { database: 'primary' },
 * }
 * const metrics = createQueryMetrics(options)
 * database = createDatabase<DB>({ url: process.env.DATABASE_URL, log: metrics.log })
 * ```
 */
export interface QueryMetricsOptions {
  /** Queries taking at least this many milliseconds enter the slow-query buffer. Defaults to `1000`. */
  readonly slowQueryMs?: number | undefined
  /** How many of the most recent slow queries are kept. Defaults to `20`. */
  readonly slowQueryCapacity?: number | undefined
  /** Slow-query SQL longer than this is cut. Defaults to `2000` characters. */
  readonly maxSqlLength?: number | undefined
  /** Distinct table labels kept; later tables are counted under `(other)`. Defaults to `100`. */
  readonly maxTables?: number | undefined
  /** Distinct error codes kept; later codes are counted under `(other)`. Defaults to `50`. */
  readonly maxErrorCodes?: number | undefined
  /** Distinct transaction-retry reasons kept; later ones are counted under `(other)`. Defaults to `20`. */
  readonly maxRetryReasons?: number | undefined
  /**
   * Reads the pool's connection counts at snapshot time, e.g. `database.poolStats` of `createDatabase`.
   * May return `undefined` (no gauges then). Defaults to none.
   */
  readonly poolStats?: (() => PoolGauges | undefined) | undefined
  /** Prometheus histogram bucket upper bounds in seconds, increasing. Defaults to {@link DEFAULT_LATENCY_BUCKETS}. */
  readonly buckets?: readonly number[] | undefined
  /** Prefix of every Prometheus metric name. Defaults to `'kysely_'`. */
  readonly prefix?: string | undefined
  /** Labels added to every Prometheus sample, e.g. `{ database: 'primary' }`. Defaults to none. */
  readonly labels?: Readonly<Record<string, string>> | undefined
  /** Which columns' inline literals are redacted in slow-query SQL. Defaults to the logger's defaults. */
  readonly redact?: RedactionOptions | undefined
}

/**
 * Latency of a set of queries, in milliseconds. Percentiles are within 1% (see `docs/metrics.md`).
 *
 * @example
 * ```ts
 * const { p50Ms, p99Ms, maxMs } = metrics.snapshot().latencyByKind.select
 * ```
 */
export interface LatencySummary {
  readonly count: number
  readonly sumMs: number
  readonly minMs: number
  readonly p50Ms: number
  readonly p95Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

/**
 * Queries of one kind on one table. `count` includes the failed ones.
 *
 * @example
 * ```ts
 * const busiest: QueryCount | undefined = metrics.snapshot().byQuery[0] // { kind: 'select', table: 'users', count: 120, errors: 0 }
 * ```
 */
export interface QueryCount {
  readonly kind: QueryKind
  readonly table: string
  readonly count: number
  readonly errors: number
}

/**
 * Failures of one kind on one table with one error code.
 *
 * @example
 * ```ts
 * const deadlocks = metrics.snapshot().byError.filter((entry: ErrorCount) => entry.code === 'ER_LOCK_DEADLOCK')
 * ```
 */
export interface ErrorCount {
  readonly kind: QueryKind
  readonly table: string
  readonly code: string
  readonly count: number
}

/**
 * A recent slow query: its SQL without parameters (and with sensitive inline literals redacted).
 *
 * @example
 * ```ts
 * for (const slow of metrics.snapshot().slowQueries) console.log(slow.durationMs, slow.sql)
 * ```
 */
export interface SlowQuery {
  readonly sql: string
  readonly durationMs: number
  readonly kind: QueryKind
  readonly table: string
  /** When it finished. */
  readonly at: Date
  /** Set when it failed. */
  readonly errorCode?: string
}

/**
 * Transaction retries for one reason.
 *
 * @example
 * ```ts
 * const retries: RetryCount[] = metrics.snapshot().retriesByReason // [{ reason: 'ER_LOCK_DEADLOCK', count: 3 }]
 * ```
 */
export interface RetryCount {
  readonly reason: string
  readonly count: number
}

/**
 * Everything {@link QueryMetrics} counted since it was made or last reset.
 *
 * @example
 * ```ts
 * const snapshot: QueryMetricsSnapshot = metrics.snapshot()
 * console.log(`${snapshot.errors}/${snapshot.queries} failed, p99 ${snapshot.latency.p99Ms} ms`)
 * ```
 */
export interface QueryMetricsSnapshot {
  /** When counting started (creation or the last `reset()`). */
  readonly since: Date
  readonly queries: number
  readonly errors: number
  /** Per kind and table, most frequent first. */
  readonly byQuery: readonly QueryCount[]
  /** Per kind, table and code, most frequent first. */
  readonly byError: readonly ErrorCount[]
  readonly latency: LatencySummary
  readonly latencyByKind: Readonly<Record<QueryKind, LatencySummary>>
  /** How many queries were slow, including those no longer in the buffer. */
  readonly slowQueryCount: number
  /** The most recent slow queries (at most `slowQueryCapacity`), slowest first. */
  readonly slowQueries: readonly SlowQuery[]
  /** The pool's counts now; absent without `poolStats`. */
  readonly pool?: PoolGauges
  readonly transactionRetries: number
  readonly retriesByReason: readonly RetryCount[]
}

/**
 * Query metrics for one or more Kysely instances: pass `log` to Kysely's `log` option.
 *
 * @example
 * ```ts
 * const metrics: QueryMetrics = createQueryMetrics()
 * const db = new Kysely<DB>({ dialect, log: metrics.log })
 * ```
 */
export interface QueryMetrics {
  /** Kysely's `log` hook (combine it with others with `combineLogs`). Never throws. */
  readonly log: (event: LogEvent) => void
  /**
   * Counts a transaction retry, for the transaction helper's `onRetry` hook. `reason` is a short label
   * (`'deadlock'`) or the error that caused the retry (counted by its code, e.g. `ER_LOCK_DEADLOCK`).
   */
  readonly recordTransactionRetry: (reason: unknown) => void
  /** Everything counted so far. */
  readonly snapshot: () => QueryMetricsSnapshot
  /** The counts as Prometheus metric families (see `formatPrometheus` and `kysely-toolkit/prometheus`). */
  readonly collect: () => MetricFamily[]
  /** Starts counting afresh (Prometheus handles the counter reset). */
  readonly reset: () => void
}

const positiveInteger = (what: string) =>
  z
    .number({ error: `must be ${what}` })
    .int({ error: `must be ${what}` })
    .positive({ error: `must be ${what}` })

const RESERVED_LABELS = new Set(['kind', 'table', 'code', 'reason', 'state', 'le', 'quantile'])

const QueryMetricsOptionsSchema = z.strictObject({
  slowQueryMs: z
    .number({ error: 'must be a number of milliseconds, zero or more' })
    .nonnegative({ error: 'must be a number of milliseconds, zero or more' })
    .default(1_000),
  slowQueryCapacity: positiveInteger('a whole number from 1 to 10000')
    .max(10_000, { error: 'must be a whole number from 1 to 10000' })
    .default(20),
  maxSqlLength: positiveInteger('a positive whole number of characters').default(2_000),
  maxTables: positiveInteger('a positive whole number').default(100),
  maxErrorCodes: positiveInteger('a positive whole number').default(50),
  maxRetryReasons: positiveInteger('a positive whole number').default(20),
  poolStats: z
    .custom<() => PoolGauges | undefined>((value) => typeof value === 'function', {
      error: 'must be a function returning { total, idle, inUse, waiting }, e.g. database.poolStats',
    })
    .optional(),
  buckets: z
    .array(z.number().positive().finite(), { error: 'must be an array of positive numbers of seconds' })
    .min(1, { error: 'must hold at least one bound' })
    .refine(
      (bounds) => bounds.every((bound, index) => index === 0 || bound > (bounds[index - 1] as number)),
      {
        error: 'must be increasing',
      },
    )
    .default([...DEFAULT_LATENCY_BUCKETS]),
  prefix: z
    .string({ error: 'must be a metric name prefix' })
    .regex(/^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/, {
      error: 'must be letters, digits, _ and : not starting with a digit',
    })
    .default('kysely_'),
  labels: z
    .record(
      z
        .string()
        .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'label names must be letters, digits and _' })
        .refine((name) => !name.startsWith('__') && !RESERVED_LABELS.has(name), {
          error: `label names must not start with __ nor be one of ${[...RESERVED_LABELS].join(', ')}`,
        }),
      z.string({ error: 'label values must be strings' }),
      { error: 'must be an object of label name to string value' },
    )
    .default({}),
  redact: RedactionOptionsSchema.optional(),
})

type ResolvedOptions = z.output<typeof QueryMetricsOptionsSchema>

/**
 * Makes query metrics for any Kysely instance: query and error counts by kind, main table and error code,
 * latency percentiles (p50, p95, p99, max) overall and per kind, a buffer of the most recent slow queries, pool
 * gauges and transaction retries; `snapshot()`, `reset()`, and Prometheus families for `formatPrometheus` or a
 * prom-client registry (`kysely-toolkit/prometheus`).
 *
 * Built on Kysely's `log` hook, the only place that sees durations and failed queries; kind and table come from
 * the operation-node tree the event carries. Memory is bounded: labels are the kind, the table (at most
 * `maxTables`, then `(other)`) and the error code (at most `maxErrorCodes`), never the SQL; histograms have
 * fixed buckets; the slow-query buffer has a fixed size and cuts long SQL.
 *
 * @throws {InvalidOptionsError} when an option is invalid.
 *
 * @example
 * ```ts
 * import { combineLogs, createDatabase, createQueryMetrics, formatPrometheus } from 'kysely-toolkit'
 *
 * let database: Database<DB> | undefined
 * const metrics = createQueryMetrics({ poolStats: () => database?.poolStats() })
 * database = createDatabase<DB>({ url: process.env.DATABASE_URL, log: metrics.log })
 *
 * await database.db.selectFrom('users').selectAll().execute()
 * metrics.snapshot().latency // { count: 1, p50Ms: 0.61, p95Ms: 0.61, p99Ms: 0.61, maxMs: 0.61, ... }
 * formatPrometheus(metrics.collect()) // '# HELP kysely_queries_total ...'
 * ```
 */
export function createQueryMetrics(options: QueryMetricsOptions = {}): QueryMetrics {
  const recorder = new QueryMetricsRecorder(
    parseOptions(QueryMetricsOptionsSchema, options, 'query metrics options'),
  )
  return Object.freeze({
    log: recorder.log,
    recordTransactionRetry: (reason: unknown) => recorder.recordRetry(reason),
    snapshot: () => recorder.snapshot(),
    collect: () => recorder.collect(),
    reset: () => recorder.reset(),
  })
}

interface Series {
  readonly kind: QueryKind
  readonly table: string
  count: number
  errors: number
  readonly errorCodes: Map<string, number>
}

interface KindStats {
  readonly histogram: LatencyHistogram
  /** Non-cumulative counts per Prometheus bucket; the last is `+Inf`. */
  readonly buckets: Float64Array
}

interface SlowEntry {
  readonly sql: string
  readonly durationMs: number
  readonly kind: QueryKind
  readonly table: string
  readonly at: number
  readonly errorCode: string | undefined
}

const KIND_INDEX: Readonly<Record<QueryKind, number>> = {
  select: 0,
  insert: 1,
  update: 2,
  delete: 3,
  other: 4,
}

class QueryMetricsRecorder {
  readonly #options: ResolvedOptions
  readonly #columns: SensitiveColumns
  readonly #boundsMs: Float64Array
  readonly #series: Array<Map<string, Series>> = QUERY_KINDS.map(() => new Map())
  readonly #kinds: KindStats[]
  readonly #tables = new Set<string>()
  readonly #codes = new Set<string>()
  readonly #retries = new Map<string, number>()
  readonly #slow: Array<SlowEntry | undefined>
  #slowNext = 0
  #slowCount = 0
  #queries = 0
  #errors = 0
  #since = Date.now()

  constructor(options: ResolvedOptions) {
    this.#options = options
    this.#columns = new SensitiveColumns(options.redact ?? {})
    this.#boundsMs = Float64Array.from(options.buckets, (seconds) => seconds * 1000)
    this.#kinds = QUERY_KINDS.map(() => ({
      histogram: new LatencyHistogram(),
      buckets: new Float64Array(options.buckets.length + 1),
    }))
    this.#slow = new Array(options.slowQueryCapacity).fill(undefined)
  }

  readonly log = (event: LogEvent): void => {
    try {
      const { query } = event
      const { kind, table } = describeQuery(query.query, query.sql)
      const tableLabel = this.#label(table)
      const byTable = this.#series[KIND_INDEX[kind]] as Map<string, Series>
      let series = byTable.get(tableLabel)
      if (series === undefined) {
        series = { kind, table: tableLabel, count: 0, errors: 0, errorCodes: new Map() }
        byTable.set(tableLabel, series)
      }
      series.count++
      this.#queries++
      const ms = event.queryDurationMillis
      const stats = this.#kinds[KIND_INDEX[kind]] as KindStats
      stats.histogram.record(ms)
      const bounds = this.#boundsMs
      let bucket = 0
      while (bucket < bounds.length && ms > (bounds[bucket] as number)) bucket++
      stats.buckets[bucket] = (stats.buckets[bucket] as number) + 1
      let errorCode: string | undefined
      if (event.level === 'error') {
        errorCode = this.#code(errorCodeOf(event.error))
        series.errors++
        series.errorCodes.set(errorCode, (series.errorCodes.get(errorCode) ?? 0) + 1)
        this.#errors++
      }
      if (ms >= this.#options.slowQueryMs) this.#recordSlow(event, ms, kind, tableLabel, errorCode)
    } catch {
      // Metrics must never fail a query.
    }
  }

  recordRetry(reason: unknown): void {
    let label = typeof reason === 'string' ? reason.trim().slice(0, 64) || 'unknown' : errorCodeOf(reason)
    if (!this.#retries.has(label) && this.#retries.size >= this.#options.maxRetryReasons) label = OTHER_LABEL
    this.#retries.set(label, (this.#retries.get(label) ?? 0) + 1)
  }

  reset(): void {
    for (const byTable of this.#series) byTable.clear()
    for (const stats of this.#kinds) {
      stats.histogram.reset()
      stats.buckets.fill(0)
    }
    this.#tables.clear()
    this.#codes.clear()
    this.#retries.clear()
    this.#slow.fill(undefined)
    this.#slowNext = 0
    this.#slowCount = 0
    this.#queries = 0
    this.#errors = 0
    this.#since = Date.now()
  }

  snapshot(): QueryMetricsSnapshot {
    const byQuery: QueryCount[] = []
    const byError: ErrorCount[] = []
    for (const byTable of this.#series) {
      for (const series of byTable.values()) {
        byQuery.push({ kind: series.kind, table: series.table, count: series.count, errors: series.errors })
        for (const [code, count] of series.errorCodes) {
          byError.push({ kind: series.kind, table: series.table, code, count })
        }
      }
    }
    byQuery.sort((a, b) => b.count - a.count)
    byError.sort((a, b) => b.count - a.count)
    const overall = new LatencyHistogram()
    const latencyByKind = {} as Record<QueryKind, LatencySummary>
    for (const kind of QUERY_KINDS) {
      const histogram = (this.#kinds[KIND_INDEX[kind]] as KindStats).histogram
      overall.merge(histogram)
      latencyByKind[kind] = summarize(histogram)
    }
    const slowQueries: SlowQuery[] = []
    for (const entry of this.#slow) {
      if (entry === undefined) continue
      slowQueries.push({
        sql: entry.sql,
        durationMs: entry.durationMs,
        kind: entry.kind,
        table: entry.table,
        at: new Date(entry.at),
        ...(entry.errorCode === undefined ? {} : { errorCode: entry.errorCode }),
      })
    }
    slowQueries.sort((a, b) => b.durationMs - a.durationMs)
    const pool = this.#readPool()
    const retriesByReason = [...this.#retries].map(([reason, count]) => ({ reason, count }))
    retriesByReason.sort((a, b) => b.count - a.count)
    return {
      since: new Date(this.#since),
      queries: this.#queries,
      errors: this.#errors,
      byQuery,
      byError,
      latency: summarize(overall),
      latencyByKind,
      slowQueryCount: this.#slowCount,
      slowQueries,
      ...(pool === undefined ? {} : { pool }),
      transactionRetries: retriesByReason.reduce((sum, entry) => sum + entry.count, 0),
      retriesByReason,
    }
  }

  collect(): MetricFamily[] {
    const { prefix, labels: constant } = this.#options
    const queries: MetricSample[] = []
    const errors: MetricSample[] = []
    for (const byTable of this.#series) {
      for (const series of byTable.values()) {
        const labels = { ...constant, kind: series.kind, table: series.table }
        queries.push({ name: `${prefix}queries_total`, labels, value: series.count })
        for (const [code, count] of series.errorCodes) {
          errors.push({ name: `${prefix}query_errors_total`, labels: { ...labels, code }, value: count })
        }
      }
    }
    const duration: MetricSample[] = []
    const durationName = `${prefix}query_duration_seconds`
    for (const kind of QUERY_KINDS) {
      const stats = this.#kinds[KIND_INDEX[kind]] as KindStats
      if (stats.histogram.count === 0) continue
      const labels = { ...constant, kind }
      let cumulative = 0
      this.#options.buckets.forEach((bound, index) => {
        cumulative += stats.buckets[index] as number
        duration.push({
          name: `${durationName}_bucket`,
          labels: { ...labels, le: String(bound) },
          value: cumulative,
        })
      })
      duration.push({
        name: `${durationName}_bucket`,
        labels: { ...labels, le: '+Inf' },
        value: stats.histogram.count,
      })
      duration.push({ name: `${durationName}_sum`, labels, value: stats.histogram.sum / 1000 })
      duration.push({ name: `${durationName}_count`, labels, value: stats.histogram.count })
    }
    const names = Object.keys(constant)
    const families: MetricFamily[] = [
      {
        name: `${prefix}queries_total`,
        help: 'Queries run, by kind and main table (failed ones included).',
        type: 'counter',
        labelNames: [...names, 'kind', 'table'],
        samples: queries,
      },
      {
        name: `${prefix}query_errors_total`,
        help: 'Failed queries, by kind, main table and error code.',
        type: 'counter',
        labelNames: [...names, 'kind', 'table', 'code'],
        samples: errors,
      },
      {
        name: durationName,
        help: 'Query duration in seconds, by kind.',
        type: 'histogram',
        labelNames: [...names, 'kind'],
        samples: duration,
      },
      {
        name: `${prefix}slow_queries_total`,
        help: `Queries that took at least ${this.#options.slowQueryMs} ms.`,
        type: 'counter',
        labelNames: names,
        samples: [{ name: `${prefix}slow_queries_total`, labels: { ...constant }, value: this.#slowCount }],
      },
      {
        name: `${prefix}transaction_retries_total`,
        help: 'Transaction retries, by reason.',
        type: 'counter',
        labelNames: [...names, 'reason'],
        samples: [...this.#retries].map(([reason, count]) => ({
          name: `${prefix}transaction_retries_total`,
          labels: { ...constant, reason },
          value: count,
        })),
      },
    ]
    // With `poolStats`, the pool families are always listed (without samples while the pool does not exist yet), so
    // that a registry that reads the families once, before the pool is made, still exports the gauges.
    if (this.#options.poolStats !== undefined) {
      const pool = this.#readPool()
      const gauge = (
        name: string,
        help: string,
        labelNames: readonly string[],
        samples: MetricFamily['samples'],
      ) => families.push({ name: `${prefix}${name}`, help, type: 'gauge', labelNames, samples })
      gauge(
        'pool_connections',
        'Open pool connections, by state.',
        [...names, 'state'],
        pool === undefined
          ? []
          : [
              { name: `${prefix}pool_connections`, labels: { ...constant, state: 'idle' }, value: pool.idle },
              {
                name: `${prefix}pool_connections`,
                labels: { ...constant, state: 'in_use' },
                value: pool.inUse,
              },
            ],
      )
      gauge(
        'pool_waiting',
        'Callers waiting for a pool connection.',
        names,
        pool === undefined
          ? []
          : [{ name: `${prefix}pool_waiting`, labels: { ...constant }, value: pool.waiting }],
      )
      gauge(
        'pool_max_connections',
        'The most connections the pool opens.',
        names,
        pool?.max === undefined
          ? []
          : [{ name: `${prefix}pool_max_connections`, labels: { ...constant }, value: pool.max }],
      )
    }
    return families
  }

  #label(table: string | undefined): string {
    if (table === undefined) return NO_TABLE_LABEL
    if (this.#tables.has(table)) return table
    if (this.#tables.size >= this.#options.maxTables) return OTHER_LABEL
    this.#tables.add(table)
    return table
  }

  #code(code: string): string {
    if (this.#codes.has(code)) return code
    if (this.#codes.size >= this.#options.maxErrorCodes) return OTHER_LABEL
    this.#codes.add(code)
    return code
  }

  #recordSlow(
    event: LogEvent,
    ms: number,
    kind: QueryKind,
    table: string,
    errorCode: string | undefined,
  ): void {
    const { query } = event
    // The SQL keeps its placeholders; only literals written into the text can hold a value.
    const sql = redactQuery(query.query, query.sql, query.parameters, this.#columns).sql
    this.#slow[this.#slowNext] = {
      sql: collapseSql(sql, this.#options.maxSqlLength),
      durationMs: Math.round(ms * 1000) / 1000,
      kind,
      table,
      at: Date.now(),
      errorCode,
    }
    this.#slowNext = (this.#slowNext + 1) % this.#slow.length
    this.#slowCount++
  }

  #readPool(): PoolGauges | undefined {
    const read = this.#options.poolStats
    if (read === undefined) return undefined
    try {
      const stats = read()
      if (stats === undefined) return undefined
      return {
        total: stats.total,
        idle: stats.idle,
        inUse: stats.inUse,
        waiting: stats.waiting,
        ...(stats.max === undefined ? {} : { max: stats.max }),
      }
    } catch {
      return undefined
    }
  }
}

function summarize(histogram: LatencyHistogram): LatencySummary {
  const round = (ms: number) => Math.round(ms * 1000) / 1000
  return {
    count: histogram.count,
    sumMs: round(histogram.sum),
    minMs: round(histogram.min),
    p50Ms: round(histogram.percentile(0.5)),
    p95Ms: round(histogram.percentile(0.95)),
    p99Ms: round(histogram.percentile(0.99)),
    maxMs: round(histogram.max),
  }
}
