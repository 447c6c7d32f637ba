/**
 * Query logger + metrics: on versus off against the local server, 16 queries in flight, interleaved runs.
 *
 *   npx jiti bench/observability.ts            (TEST_DATABASE_URL or mysql://root@127.0.0.1:3306)
 *   RUNS=5 QUERIES=10000 npx jiti bench/observability.ts
 *
 * Prints, per configuration: throughput (queries/s, median of the runs), CPU µs per query (process.cpuUsage over
 * the run) and the change against "off"; then a micro-benchmark of the hooks alone (log + plugin per query, no
 * I/O), which measures the added CPU far more precisely than the difference of two noisy end-to-end figures.
 *
 * Configurations:
 * - off: no log hook, no plugin;
 * - no-op log + no-op plugin: Kysely's own cost of having a `log` function and a plugin at all (it wraps each
 *   query to time it and awaits the hooks), which any log-based observability pays;
 * - on: metrics + query logger (pino at `info`, so normal queries are not written; slow and failed ones would be)
 *   + the row-count plugin: the intended production setup;
 * - on, every query written: the same with pino at `debug` writing every event to a discarding stream (the cost
 *   of logging each query, for reference).
 */
import {
  type CompiledQuery,
  DummyDriver,
  Kysely,
  type KyselyPlugin,
  type LogEvent,
  MysqlAdapter,
  MysqlDialect,
  MysqlIntrospector,
  MysqlQueryCompiler,
  type QueryResult,
} from 'kysely'
import { createPool } from 'mysql2'
import pino from 'pino'
import type { DB } from '../example/generated/db.js'
import { seedShop } from '../example/seed.js'
import { combineLogs, createQueryLogger, createQueryMetrics, logPinoStyle } from '../src/index.js'
import { createTestDatabase } from '../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../test/helpers/paths.js'

const RUNS = Number(process.env.RUNS ?? 3)
const QUERIES = Number(process.env.QUERIES ?? 8_000)
const IN_FLIGHT = 16

type Config = 'off' | 'no-op log + no-op plugin' | 'on' | 'on, every query written'

function makeHooks(config: Config) {
  if (config === 'off') return undefined
  if (config === 'no-op log + no-op plugin') {
    const noop: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => args.result,
    }
    return { log: (_: LogEvent) => {}, plugins: [noop] }
  }
  const discard = { write: (_line: string) => {} }
  const logger = pino({ level: config === 'on' ? 'info' : 'debug' }, discard)
  const queryLogger = createQueryLogger({ logger: logPinoStyle(logger) })
  const metrics = createQueryMetrics()
  return { log: combineLogs(queryLogger.log, metrics.log), plugins: [queryLogger.plugin] }
}

function makeDb(url: string, config: Config): Kysely<DB> {
  const hooks = makeHooks(config)
  return new Kysely<DB>({
    dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: IN_FLIGHT }) }),
    ...(hooks === undefined ? {} : { log: hooks.log, plugins: hooks.plugins }),
  })
}

async function run(db: Kysely<DB>): Promise<{ qps: number; cpuMicrosPerQuery: number }> {
  let next = 0
  const worker = async () => {
    while (next < QUERIES) {
      const id = (next++ % 50) + 1
      await db.selectFrom('users').select(['id', 'email', 'status']).where('id', '=', id).execute()
    }
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  const elapsed = performance.now() - started
  const used = process.cpuUsage(cpu)
  return { qps: (QUERIES / elapsed) * 1000, cpuMicrosPerQuery: (used.user + used.system) / QUERIES }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** The hooks alone: what Kysely calls per query (plugin transformQuery, log, plugin transformResult). */
async function hooksAlone(db: Kysely<DB>): Promise<Record<string, number>> {
  const queries = Array.from({ length: 10_000 }, (_, index) =>
    db.selectFrom('users').select(['id', 'email']).where('id', '=', index).compile(),
  )
  const result: QueryResult<Record<string, unknown>> = { rows: [{ id: 1, email: 'a@example.com' }] }
  const out: Record<string, number> = {}
  for (const config of ['on', 'on, every query written'] as const) {
    const hooks = makeHooks(config)
    const plugin = hooks?.plugins[0]
    if (hooks === undefined || plugin === undefined) continue
    const iterations = config === 'on' ? 1_000_000 : 100_000
    const loop = (count: number): number => {
      const cpu = process.cpuUsage()
      for (let index = 0; index < count; index++) {
        const query = queries[index % queries.length] as CompiledQuery
        plugin.transformQuery({ node: query.query, queryId: query.queryId })
        void hooks.log({ level: 'query', isStream: false, query, queryDurationMillis: 0.42 })
        void plugin.transformResult({ result, queryId: query.queryId })
      }
      const used = process.cpuUsage(cpu)
      return (used.user + used.system) / count
    }
    loop(20_000)
    out[config] = median([loop(iterations), loop(iterations), loop(iterations)])
    await new Promise((resolve) => setImmediate(resolve))
  }
  return out
}

/** Kysely's whole path per query (build, compile, plugins, log wrapper, result) on DummyDriver: no I/O, no noise from the server. */
async function fullPathWithoutIo(): Promise<Map<Config, number>> {
  const configs: Config[] = ['off', 'no-op log + no-op plugin', 'on', 'on, every query written']
  const dbs = new Map(
    configs.map((config) => {
      const hooks = makeHooks(config)
      const db = new Kysely<DB>({
        dialect: {
          createAdapter: () => new MysqlAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (db) => new MysqlIntrospector(db),
          createQueryCompiler: () => new MysqlQueryCompiler(),
        },
        ...(hooks === undefined ? {} : { log: hooks.log, plugins: hooks.plugins }),
      })
      return [config, db] as const
    }),
  )
  const measure = async (db: Kysely<DB>, count: number): Promise<number> => {
    const cpu = process.cpuUsage()
    for (let index = 0; index < count; index++) {
      await db.selectFrom('users').select(['id', 'email', 'status']).where('id', '=', index).execute()
    }
    const used = process.cpuUsage(cpu)
    return (used.user + used.system) / count
  }
  const samples = new Map<Config, number[]>(configs.map((config) => [config, []]))
  for (const db of dbs.values()) await measure(db, 20_000)
  for (let round = 0; round < 5; round++) {
    for (const config of round % 2 === 0 ? configs : [...configs].reverse()) {
      samples.get(config)?.push(await measure(dbs.get(config) as Kysely<DB>, 50_000))
    }
  }
  return new Map(configs.map((config) => [config, median(samples.get(config) ?? [])]))
}

async function main(): Promise<void> {
  const serverUrl = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306'
  await using test = await createTestDatabase<DB>({
    serverUrl,
    prefix: 'ktbench',
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: 50, ordersPerUser: 1 }),
  })
  const configs: Config[] = ['off', 'no-op log + no-op plugin', 'on', 'on, every query written']
  const dbs = new Map(configs.map((config) => [config, makeDb(test.url, config)]))
  const results = new Map<Config, Array<{ qps: number; cpuMicrosPerQuery: number }>>(
    configs.map((c) => [c, []]),
  )
  // Warm up every pool (16 connections each) and the JIT.
  for (const db of dbs.values()) await run(db)
  for (let round = 0; round < RUNS; round++) {
    for (const config of round % 2 === 0 ? configs : [...configs].reverse()) {
      results.get(config)?.push(await run(dbs.get(config) as Kysely<DB>))
    }
  }
  const off = results.get('off') ?? []
  const offQps = median(off.map((r) => r.qps))
  const offCpu = median(off.map((r) => r.cpuMicrosPerQuery))
  console.log(
    `observability bench: ${QUERIES} queries per run, ${IN_FLIGHT} in flight, ${RUNS} interleaved runs each`,
  )
  console.log('(change: median over rounds of the change against the "off" run of the same round)')
  for (const config of configs) {
    const runs = results.get(config) ?? []
    const qps = median(runs.map((r) => r.qps))
    const cpu = median(runs.map((r) => r.cpuMicrosPerQuery))
    const qpsChange = median(runs.map((r, round) => (r.qps / (off[round]?.qps ?? r.qps) - 1) * 100))
    const cpuChange = median(
      runs.map((r, round) => r.cpuMicrosPerQuery - (off[round]?.cpuMicrosPerQuery ?? 0)),
    )
    const change =
      config === 'off'
        ? ''
        : `  change: throughput ${qpsChange.toFixed(2)}%, CPU ${cpuChange >= 0 ? '+' : ''}${cpuChange.toFixed(2)} µs/query`
    console.log(
      `${config.padEnd(26)} ${qps.toFixed(0).padStart(6)} q/s (runs: ${runs.map((r) => r.qps.toFixed(0)).join(', ')})  CPU ${cpu.toFixed(2)} µs/query${change}`,
    )
  }
  void offQps
  void offCpu
  const micro = await hooksAlone(dbs.get('off') as Kysely<DB>)
  for (const [config, micros] of Object.entries(micro)) {
    console.log(`hooks alone (${config}): ${micros.toFixed(3)} µs CPU per query`)
  }
  const full = await fullPathWithoutIo()
  const base = full.get('off') ?? 0
  console.log('Kysely path per query without I/O (DummyDriver), CPU, median of 5 interleaved runs of 50,000:')
  for (const [config, micros] of full) {
    const added = config === 'off' ? '' : ` (+${(micros - base).toFixed(2)} µs)`
    console.log(`  ${config.padEnd(26)} ${micros.toFixed(2)} µs${added}`)
  }
  await Promise.all([...dbs.values()].map((db) => db.destroy()))
}

await main()
