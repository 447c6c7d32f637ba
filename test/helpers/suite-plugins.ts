import {
  ColumnNode,
  ColumnUpdateNode,
  InsertQueryNode,
  type KyselyPlugin,
  type LogConfig,
  type OperationNode,
  PrimitiveValueListNode,
  type QueryResult,
  type UnknownRow,
  UpdateQueryNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
} from 'kysely'
import { combineLogs, type LogFunction } from '../../src/plugin/combine-logs.js'
import type { QueryLogLevel } from '../../src/plugin/logging/log-writers.js'
import type { QueryLogEvent } from '../../src/plugin/logging/query-log-event.js'
import { createQueryLogger } from '../../src/plugin/logging/query-logger.js'
import { DEFAULT_SENSITIVE_COLUMNS } from '../../src/plugin/logging/redaction.js'
import { createQueryMetrics, type QueryMetrics } from '../../src/plugin/metrics/query-metrics.js'
import {
  createQueryTracing,
  type QuerySpan,
  type QueryTracer,
  type SpanAttributeValue,
} from '../../src/plugin/tracing/query-tracing.js'

/**
 * `KYSELY_TOOLKIT_SUITE_PLUGINS=all` runs the integration suites with every toolkit plugin installed on their
 * databases (the `integration-plugins` vitest project sets it), to prove the plugins compose with each other and
 * with what the suites do. Kysely runs its own suite once per dialect the same way.
 */
export const SUITE_PLUGINS_FLAG = 'KYSELY_TOOLKIT_SUITE_PLUGINS'

/**
 * Columns whose written values must never reach a log line or a span. `email` is added to the logger's defaults
 * because the suites write and filter by it (seeds, unique-key errors), so redaction is exercised on real data.
 */
const SENSITIVE_COLUMNS: readonly (string | RegExp)[] = [...DEFAULT_SENSITIVE_COLUMNS, 'email']

/** One line the query logger wrote. */
export interface LoggedLine {
  readonly level: QueryLogLevel
  readonly event: QueryLogEvent
  readonly message: string
}

/** One span the tracing hook made, with what it was given. */
export interface RecordedSpan {
  readonly name: string
  readonly attributes: Readonly<Record<string, SpanAttributeValue>>
  statusMessage: string | undefined
  ended: boolean
}

/** What the suite plugins saw in this test file (each test file runs in its own module graph). */
export interface SuitePluginsRecord {
  /** How many option objects {@link withSuitePlugins} changed. */
  databases: number
  readonly lines: LoggedLine[]
  readonly spans: RecordedSpan[]
  readonly metrics: QueryMetrics
  /** Values the suites wrote (insert/update) into sensitive columns, as strings. */
  readonly sensitiveValuesWritten: Set<string>
  /** Results plugins handed back, counted by the last plugin (so every plugin before it passed them on). */
  results: number
  /** Warnings the toolkit's hooks emitted (they never throw; they warn). */
  readonly warnings: string[]
}

let record: SuitePluginsRecord | undefined

/**
 * Whether the suite plugins flag is set.
 *
 * @example
 * ```ts
 * if (suitePluginsEnabled()) console.log('running with every plugin installed')
 * ```
 */
export function suitePluginsEnabled(): boolean {
  return process.env[SUITE_PLUGINS_FLAG] === 'all'
}

/**
 * What the suite plugins recorded in this test file, or `undefined` when none was installed.
 *
 * @example
 * ```ts
 * afterAll(() => expect(suitePluginsRecord()?.warnings ?? []).toEqual([]))
 * ```
 */
export function suitePluginsRecord(): SuitePluginsRecord | undefined {
  return record
}

interface HookOptions {
  readonly log?: LogConfig | undefined
  readonly plugins?: KyselyPlugin[] | undefined
}

/**
 * With {@link SUITE_PLUGINS_FLAG} set to `all`, the options with the toolkit's query logger (at debug, into memory),
 * query metrics and tracing (on a recording tracer) added to `log`, and a recording plugin added to `plugins`; the
 * test's own `log` still gets every event. Without the flag, the options as they are.
 *
 * @example
 * ```ts
 * const database = createDatabase<DB>(withSuitePlugins({ url: test.url, log: (event) => statements.push(event) }))
 * ```
 */
export function withSuitePlugins<Options extends object>(options: Options & HookOptions): Options {
  if (!suitePluginsEnabled()) return options
  const { log } = options
  if (log !== undefined && typeof log !== 'function') {
    throw new TypeError(
      `${SUITE_PLUGINS_FLAG}: give the test's log as a function to combine it with the suite's`,
    )
  }
  const suite = suiteHooks()
  suite.record.databases++
  return {
    ...options,
    log: combineLogs(log, suite.log),
    plugins: [...(options.plugins ?? []), suite.plugin],
  }
}

let hooks:
  | { readonly record: SuitePluginsRecord; readonly log: LogFunction; readonly plugin: KyselyPlugin }
  | undefined

function suiteHooks() {
  if (hooks !== undefined) return hooks
  const metrics = createQueryMetrics()
  const created: SuitePluginsRecord = {
    databases: 0,
    lines: [],
    spans: [],
    metrics,
    sensitiveValuesWritten: new Set(),
    results: 0,
    warnings: [],
  }
  record = created
  process.on('warning', (warning) => {
    if ((warning as { code?: string }).code?.startsWith('KYSELY_TOOLKIT') === true) {
      created.warnings.push(warning.message)
    }
  })
  const queryLogger = createQueryLogger({
    logger: (level, event, message) => void created.lines.push({ level, event, message }),
    redact: { columns: SENSITIVE_COLUMNS },
  })
  const tracing = createQueryTracing({
    tracer: recordingTracer(created.spans),
    redact: { columns: SENSITIVE_COLUMNS },
  })
  hooks = {
    record: created,
    log: combineLogs(queryLogger.log, metrics.log, tracing.log),
    plugin: new SensitiveWriteRecorder(created),
  }
  return hooks
}

function recordingTracer(spans: RecordedSpan[]): QueryTracer {
  return {
    startSpan(name, options) {
      const recorded: RecordedSpan = {
        name,
        attributes: { ...options?.attributes },
        statusMessage: undefined,
        ended: false,
      }
      spans.push(recorded)
      const span: QuerySpan = {
        setStatus(status) {
          recorded.statusMessage = status.message
        },
        end() {
          recorded.ended = true
        },
      }
      return span
    },
  }
}

const isSensitive = (column: string) =>
  SENSITIVE_COLUMNS.some((pattern) =>
    typeof pattern === 'string' ? pattern === column : pattern.test(column),
  )

/**
 * Notes the values written into sensitive columns, read from insert and update trees independently of the
 * logger's redaction code, and counts results passed through.
 */
class SensitiveWriteRecorder implements KyselyPlugin {
  readonly #record: SuitePluginsRecord

  constructor(record: SuitePluginsRecord) {
    this.#record = record
  }

  transformQuery: KyselyPlugin['transformQuery'] = ({ node }) => {
    if (InsertQueryNode.is(node)) this.#insert(node)
    else if (UpdateQueryNode.is(node)) {
      for (const update of node.updates ?? []) this.#update(update)
    }
    return node
  }

  async transformResult(args: { result: QueryResult<UnknownRow> }): Promise<QueryResult<UnknownRow>> {
    this.#record.results++
    return args.result
  }

  #insert(node: InsertQueryNode): void {
    const columns = node.columns?.map((column) => column.column.name) ?? []
    if (node.values === undefined || !ValuesNode.is(node.values)) return
    for (const row of node.values.values) {
      const values: readonly unknown[] = PrimitiveValueListNode.is(row)
        ? row.values
        : ValueListNode.is(row)
          ? row.values.map((value) => (ValueNode.is(value) ? value.value : undefined))
          : []
      values.forEach((value, index) => {
        const column = columns[index]
        if (column !== undefined && isSensitive(column)) this.#note(value)
      })
    }
  }

  #update(update: OperationNode): void {
    if (!ColumnUpdateNode.is(update) || !ColumnNode.is(update.column)) return
    if (isSensitive(update.column.column.name) && ValueNode.is(update.value)) this.#note(update.value.value)
  }

  #note(value: unknown): void {
    // Short values would match by chance (`1`, `x`); the suites' secrets are longer.
    if (typeof value === 'string' && value.length >= 6) this.#record.sensitiveValuesWritten.add(value)
  }
}
