import { Counter, Gauge, register as globalRegistry, Histogram, type Registry } from 'prom-client'
import type { MetricFamily } from '../plugin/metrics/prometheus.js'
import type { QueryMetrics } from '../plugin/metrics/query-metrics.js'

/**
 * Registers query metrics in a prom-client registry, for apps that already expose one: each scrape reads the
 * current counts (query and error counters, the latency histogram, slow queries, transaction retries, and pool
 * gauges when `poolStats` was given). Metric names and labels are those of `formatPrometheus`.
 *
 * Lives in its own subpath because it loads prom-client (an optional peer dependency).
 *
 * @param registry - Defaults to prom-client's global `register`.
 * @throws {Error} from prom-client when a metric of the same name is already registered.
 *
 * @example
 * ```ts
 * import { collectDefaultMetrics, register } from 'prom-client'
 * import { createQueryMetrics } from 'kysely-toolkit'
 * import { registerQueryMetrics } from 'kysely-toolkit/prometheus'
 *
 * collectDefaultMetrics()
 * const metrics = createQueryMetrics({ labels: { database: 'primary' } })
 * registerQueryMetrics(metrics, register)
 * // app.get('/metrics', async (_, response) => response.type(register.contentType).send(await register.metrics()))
 * ```
 */
export function registerQueryMetrics(metrics: QueryMetrics, registry: Registry = globalRegistry): void {
  for (const family of metrics.collect()) {
    const current = (): MetricFamily | undefined =>
      metrics.collect().find((next) => next.name === family.name)
    const config = {
      name: family.name,
      help: family.help,
      labelNames: family.labelNames,
      registers: [registry],
    }
    switch (family.type) {
      case 'counter':
        new Counter({
          ...config,
          collect() {
            this.reset()
            for (const sample of current()?.samples ?? []) this.inc(sample.labels, sample.value)
          },
        })
        break
      case 'gauge':
        // Read as the family is at each scrape: no sample (not a 0) while, e.g., the pool does not exist yet.
        new FamilyGauge(config, current)
        break
      case 'histogram':
        new FamilyHistogram(config, current)
        break
    }
  }
}

type HistogramValues = Awaited<ReturnType<Histogram['get']>>
type GaugeValues = Awaited<ReturnType<Gauge['get']>>

/** What a family-backed metric is made from: prom-client's config, and how to read the family at scrape time. */
interface FamilyConfig {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]
  readonly registers: Registry[]
}

/** The family as prom-client's `get()` returns a metric: its samples as they are at this scrape. */
function familyValues(config: FamilyConfig, type: 'gauge' | 'histogram', family: MetricFamily | undefined) {
  return {
    name: config.name,
    help: config.help,
    type,
    aggregator: 'sum',
    values: (family?.samples ?? []).map((sample) => ({
      metricName: sample.name,
      labels: sample.labels,
      value: sample.value,
    })),
  }
}

/** A prom-client gauge whose values are the family's samples at each scrape. */
class FamilyGauge extends Gauge {
  readonly #config: FamilyConfig
  readonly #read: () => MetricFamily | undefined

  constructor(config: FamilyConfig, read: () => MetricFamily | undefined) {
    super(config)
    this.#config = config
    this.#read = read
  }

  override async get(): Promise<GaugeValues> {
    return familyValues(this.#config, 'gauge', this.#read()) as unknown as GaugeValues
  }
}

/** A prom-client histogram whose values come from the query metrics' own buckets at each scrape. */
class FamilyHistogram extends Histogram {
  readonly #config: FamilyConfig
  readonly #read: () => MetricFamily | undefined

  constructor(config: FamilyConfig, read: () => MetricFamily | undefined) {
    super(config)
    this.#config = config
    this.#read = read
  }

  override async get(): Promise<HistogramValues> {
    return familyValues(this.#config, 'histogram', this.#read()) as unknown as HistogramValues
  }

  async getForPromString(): Promise<HistogramValues> {
    return this.get()
  }
}
