/**
 * The `Content-Type` of {@link formatPrometheus}'s output (Prometheus text exposition format 0.0.4).
 *
 * @example
 * ```ts
 * response.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE)
 * ```
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * The Prometheus metric types used by the query metrics.
 *
 * @example
 * ```ts
 * const counters = metrics.collect().filter((family) => family.type === METRIC_TYPES[0])
 * ```
 */
export const METRIC_TYPES = ['counter', 'gauge', 'histogram'] as const

/**
 * A type from {@link METRIC_TYPES}.
 *
 * @example
 * ```ts
 * const type: MetricType = 'histogram'
 * ```
 */
export type MetricType = (typeof METRIC_TYPES)[number]

/**
 * One sample line: a histogram's samples are named `<family>_bucket`, `<family>_sum` and `<family>_count`.
 *
 * @example
 * ```ts
 * const sample: MetricSample = { name: 'kysely_query_duration_seconds_count', labels: { kind: 'select' }, value: 42 }
 * ```
 */
export interface MetricSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/**
 * A metric family as the Prometheus data model has it: a name, help text, type and samples. Produced by
 * `QueryMetrics.collect()`; {@link formatPrometheus} writes families as text, `registerQueryMetrics` (in
 * `kysely-toolkit/prometheus`) feeds them to a prom-client registry.
 *
 * @example
 * ```ts
 * import type { MetricFamily } from 'kysely-toolkit'
 *
 * const family: MetricFamily = {
 *   name: 'kysely_queries_total',
 *   help: 'Queries run, by kind and main table.',
 *   type: 'counter',
 *   labelNames: ['kind', 'table'],
 *   samples: [{ name: 'kysely_queries_total', labels: { kind: 'select', table: 'users' }, value: 42 }],
 * }
 * ```
 */
export interface MetricFamily {
  readonly name: string
  readonly help: string
  readonly type: MetricType
  /** The label names its samples carry (a histogram's `le` aside). */
  readonly labelNames: readonly string[]
  readonly samples: readonly MetricSample[]
}

/**
 * Writes metric families in the Prometheus text exposition format (version 0.0.4): `# HELP` and `# TYPE` lines,
 * then one line per sample, label values and help escaped, histogram buckets cumulative with a `+Inf` bucket,
 * a trailing newline. Serve it with {@link PROMETHEUS_CONTENT_TYPE}.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createQueryMetrics, formatPrometheus, PROMETHEUS_CONTENT_TYPE } from 'kysely-toolkit'
 *
 * const metrics = createQueryMetrics()
 * createServer((request, response) => {
 *   response.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE)
 *   response.end(formatPrometheus(metrics.collect()))
 * }).listen(9464)
 * ```
 */
export function formatPrometheus(families: readonly MetricFamily[]): string {
  let text = ''
  for (const family of families) {
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`
    for (const sample of family.samples) {
      text += `${sample.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`
    }
  }
  return text
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  let text = ''
  for (const name in labels) {
    text += `${text === '' ? '' : ','}${name}="${escapeLabelValue(labels[name] as string)}"`
  }
  return text === '' ? '' : `{${text}}`
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** A sample value as the format writes it: `+Inf`, `-Inf`, `NaN`, or the shortest exact decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}
