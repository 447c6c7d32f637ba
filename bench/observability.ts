/**
 * Query logger + metrics: on versus off against the local server, 16 queries in flight, interleaved runs, on two
 * queries through Kysely on the seeded example schema:
 * - find by primary key: `select id, email, status from users where id = ?` (one row);
 * - page of 100: `select id, email, first_name, last_name, status, created_at from users order by id limit 100
 *   offset 0|100`.
 * The goals (under 3% throughput loss, under 2 µs CPU per query) are judged on find by primary key: it is the
 * cheapest realistic query (~40-60 µs of client CPU end to end), so a fixed cost per query is the largest share of
 * it there; the page is printed for scale (the same fixed cost against ~4× the CPU).
 *
 *   npx jiti bench/observability.ts            (TEST_DATABASE_URL or mysql://root@127.0.0.1:3306)
 *   RUNS=5 QUERIES=10000 npx jiti bench/observability.ts     (the page runs QUERIES / 4)
 *
 * Prints, per query and configuration: throughput (queries/s, median of the runs), CPU µs per query
 * (process.cpuUsage over the run) and the change against "off" in the same round; within a round the
 * configurations take turns in 10 slices, so load from other work on a shared machine falls on all alike; then Kysely's whole query path
 * on DummyDriver (no I/O; one connection reused, as a pool does), which measures the added CPU far more precisely than the difference of two noisy
 * end-to-end figures on a shared machine; then the hooks alone (no Kysely around them).
 *
 * Configurations:
 * - off: no log hook, no plugin;
 * - Kysely log, no-op: a `log` function that does nothing: Kysely's own cost of timing each query for `log`;
 * - Kysely log + plugin, no-ops: the same plus a plugin that does nothing (Kysely awaits its `transformResult`);
 * - on, Kysely log + row-count plugin: metrics + query logger (pino at `info`: normal queries are not written, slow
 *   and failed ones would be) on Kysely's `log` option, with the logger's plugin for row counts (the setup before
 *   QueryLogDialect);
 * - on, Kysely log only: the same without the plugin (events have no row counts);
 * - on, QueryLogDialect: the same hooks through QueryLogDialect, which times the query itself and hands the result
 *   to the logger (row counts, no plugin): the recommended setup, and the one the goals are judged on;
 * - on, every query written: QueryLogDialect with pino at `debug` writing every event to a discarding stream (the
 *   cost of logging each query, for reference).
 */

import type { Dialect } from 'kysely'
import {
  type DatabaseConnection,
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
import {
  combineLogs,
  createQueryLogger,
  createQueryMetrics,
  logPinoStyle,
  QueryLogDialect,
  type ResultLogEvent,
} from '../src/index.js'
import { createTestDatabase } from '../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../test/helpers/paths.js'
import { formatPairedRatio, type PairedRatio, pairedRatio } from './src/harness.ts'

const RUNS = Number(process.env.RUNS ?? 3)
const QUERIES = Number(process.env.QUERIES ?? 8_000)
/** Pairs of "off" and the judged configuration for the goal's throughput figure (each pair is 4 slices, ABBA). */
const PAIRS = Number(process.env.PAIRS ?? 60)
const PAIR_QUERIES = Number(process.env.PAIR_QUERIES ?? 2_000)
const IN_FLIGHT = 16
const GOAL_THROUGHPUT_LOSS_PERCENT = 3
const GOAL_CPU_MICROS = 2

const CONFIGS = [
  'off',
  'Kysely log, no-op',
  'Kysely log + plugin, no-ops',
  'on, Kysely log + row-count plugin',
  'on, Kysely log only',
  'on, QueryLogDialect',
  'on, every query written',
] as const
type Config = (typeof CONFIGS)[number]
/** The recommended setup: the goals are judged on it. */
const JUDGED: Config = 'on, QueryLogDialect'

interface Hooks {
  /** Given to Kysely's `log` option. */
  readonly kyselyLog?: (event: LogEvent) => void
  readonly plugins?: KyselyPlugin[]
  /** Given to a QueryLogDialect around the dialect. */
  readonly dialectLog?: (event: ResultLogEvent) => void
}

function makeHooks(config: Config): Hooks {
  const noopLog = (_: LogEvent) => {}
  const noopPlugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async (args) => args.result,
  }
  const discard = { write: (_line: string) => {} }
  const logger = pino({ level: config === 'on, every query written' ? 'debug' : 'info' }, discard)
  const queryLogger = createQueryLogger({ logger: logPinoStyle(logger) })
  const metrics = createQueryMetrics()
  const both = combineLogs(queryLogger.log, metrics.log) as (event: LogEvent) => void
  switch (config) {
    case 'off':
      return {}
    case 'Kysely log, no-op':
      return { kyselyLog: noopLog }
    case 'Kysely log + plugin, no-ops':
      return { kyselyLog: noopLog, plugins: [noopPlugin] }
    case 'on, Kysely log + row-count plugin':
      return { kyselyLog: both, plugins: [queryLogger.plugin] }
    case 'on, Kysely log only':
      return { kyselyLog: both }
    case 'on, QueryLogDialect':
    case 'on, every query written':
      return { dialectLog: both }
  }
}

function makeKysely(dialect: Dialect, config: Config): Kysely<DB> {
  const hooks = makeHooks(config)
  return new Kysely<DB>({
    dialect:
      hooks.dialectLog === undefined ? dialect : new QueryLogDialect({ dialect, log: hooks.dialectLog }),
    ...(hooks.kyselyLog === undefined ? {} : { log: hooks.kyselyLog }),
    ...(hooks.plugins === undefined ? {} : { plugins: hooks.plugins }),
  })
}

interface Workload {
  readonly title: string
  readonly queries: number
  readonly call: (db: Kysely<DB>, index: number) => Promise<unknown>
}

const WORKLOADS: readonly Workload[] = [
  {
    title: 'find by primary key',
    queries: QUERIES,
    call: (db, index) =>
      db
        .selectFrom('users')
        .select(['id', 'email', 'status'])
        .where('id', '=', (index % 200) + 1)
        .execute(),
  },
  {
    title: 'page of 100 rows',
    queries: Math.max(1, Math.round(QUERIES / 4)),
    call: (db, index) =>
      db
        .selectFrom('users')
        .select(['id', 'email', 'first_name', 'last_name', 'status', 'created_at'])
        .orderBy('id')
        .limit(100)
        .offset((index % 2) * 100)
        .execute(),
  },
]

interface Sample {
  readonly qps: number
  readonly cpuMicrosPerQuery: number
}

/** How many slices each run is cut into: the configurations take turns slice by slice, so a change in the
 * machine's load (other work on a shared machine) falls on all of them alike instead of on whole runs. */
const SLICES = 10

/** One slice: `count` queries, 16 in flight; returns the wall time (ms) and CPU (µs) it took. */
async function slice(
  db: Kysely<DB>,
  workload: Workload,
  count: number,
): Promise<{ ms: number; cpu: number }> {
  let next = 0
  const worker = async () => {
    while (next < count) await workload.call(db, next++)
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  const ms = performance.now() - started
  const used = process.cpuUsage(cpu)
  return { ms, cpu: used.user + used.system }
}

/** One run of every configuration, `workload.queries` queries each, interleaved slice by slice. */
async function runRound(
  dbs: Map<Config, Kysely<DB>>,
  workload: Workload,
  round: number,
): Promise<Map<Config, Sample>> {
  const count = Math.max(IN_FLIGHT, Math.round(workload.queries / SLICES))
  const totals = new Map<Config, { ms: number; cpu: number }>(
    CONFIGS.map((config) => [config, { ms: 0, cpu: 0 }]),
  )
  for (let index = 0; index < SLICES; index++) {
    const order = (round + index) % 2 === 0 ? CONFIGS : [...CONFIGS].reverse()
    for (const config of order) {
      const taken = await slice(dbs.get(config) as Kysely<DB>, workload, count)
      const total = totals.get(config) as { ms: number; cpu: number }
      total.ms += taken.ms
      total.cpu += taken.cpu
    }
  }
  const queries = count * SLICES
  return new Map(
    [...totals].map(([config, total]) => [
      config,
      { qps: (queries / total.ms) * 1000, cpuMicrosPerQuery: total.cpu / queries },
    ]),
  )
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}
const signed = (value: number, digits: number) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`

/** Interleaved end-to-end runs of every configuration on one workload; returns the judged config's changes. */
async function endToEnd(
  dbs: Map<Config, Kysely<DB>>,
  workload: Workload,
): Promise<{ qpsChange: number; cpuChange: number; cpuShare: number }> {
  const results = new Map<Config, Sample[]>(CONFIGS.map((config) => [config, []]))
  await runRound(dbs, workload, 0) // warm up pools and the JIT
  for (let round = 0; round < RUNS; round++) {
    for (const [config, sample] of await runRound(dbs, workload, round)) results.get(config)?.push(sample)
  }
  const off = results.get('off') ?? []
  console.log(
    `\n${workload.title}: ${workload.queries} queries per run, ${IN_FLIGHT} in flight, ${RUNS} runs, configurations interleaved in ${SLICES} slices per run`,
  )
  let judged = { qpsChange: 0, cpuChange: 0, cpuShare: 0 }
  for (const config of CONFIGS) {
    const runs = results.get(config) ?? []
    const qps = median(runs.map((r) => r.qps))
    const cpu = median(runs.map((r) => r.cpuMicrosPerQuery))
    const qpsChange = median(runs.map((r, round) => (r.qps / (off[round]?.qps ?? r.qps) - 1) * 100))
    const cpuChange = median(
      runs.map((r, round) => r.cpuMicrosPerQuery - (off[round]?.cpuMicrosPerQuery ?? 0)),
    )
    const cpuShare = (cpuChange / median(off.map((r) => r.cpuMicrosPerQuery))) * 100
    if (config === JUDGED) judged = { qpsChange, cpuChange, cpuShare }
    const change =
      config === 'off'
        ? ''
        : `  change: throughput ${signed(qpsChange, 1)}%, CPU ${signed(cpuChange, 2)} µs/query (${signed(cpuShare, 1)}%)`
    console.log(
      `  ${config.padEnd(34)} ${qps.toFixed(0).padStart(6)} q/s (runs: ${runs.map((r) => r.qps.toFixed(0)).join(', ')})  CPU ${cpu.toFixed(1)} µs/query${change}`,
    )
  }
  return judged
}

/**
 * "off" against the judged configuration alone, in many short pairs run in ABBA order (off, on, on, off): a drift of
 * the machine's load within a pair falls on both sides alike, and the many pairs give the ratio an interval, which
 * the seven-way interleaving above cannot on a noisy machine.
 */
async function judgedPairs(
  dbs: Map<Config, Kysely<DB>>,
  workload: Workload,
): Promise<{ throughput: PairedRatio; cpu: PairedRatio; offCpu: number; onCpu: number }> {
  const off = dbs.get('off') as Kysely<DB>
  const on = dbs.get(JUDGED) as Kysely<DB>
  const offQps: number[] = []
  const onQps: number[] = []
  const offCpu: number[] = []
  const onCpu: number[] = []
  await slice(off, workload, PAIR_QUERIES)
  await slice(on, workload, PAIR_QUERIES)
  for (let pair = 0; pair < PAIRS; pair++) {
    const first = await slice(off, workload, PAIR_QUERIES)
    const second = await slice(on, workload, PAIR_QUERIES)
    const third = await slice(on, workload, PAIR_QUERIES)
    const fourth = await slice(off, workload, PAIR_QUERIES)
    offQps.push((2 * PAIR_QUERIES * 1000) / (first.ms + fourth.ms))
    onQps.push((2 * PAIR_QUERIES * 1000) / (second.ms + third.ms))
    offCpu.push((first.cpu + fourth.cpu) / (2 * PAIR_QUERIES))
    onCpu.push((second.cpu + third.cpu) / (2 * PAIR_QUERIES))
  }
  return {
    throughput: pairedRatio(offQps, onQps),
    cpu: pairedRatio(offCpu, onCpu),
    offCpu: median(offCpu),
    onCpu: median(onCpu),
  }
}

/**
 * Kysely's DummyDriver hands out a new connection on every acquire, so Kysely's `log` (and QueryLogDialect) would
 * patch a fresh connection for each query, which no pooled driver does: mysql2's MysqlDriver keeps one
 * MysqlConnection per pooled connection. This one hands out the same connection every time, as a pool does.
 */
class ReusingDummyDriver extends DummyDriver {
  #connection: DatabaseConnection | undefined

  override async acquireConnection(): Promise<DatabaseConnection> {
    this.#connection ??= await super.acquireConnection()
    return this.#connection
  }
}

/** Kysely's whole path per query (build, compile, plugins, timing, result) on DummyDriver: no I/O, no server noise. */
async function fullPathWithoutIo(): Promise<Map<Config, number>> {
  const dummy: Dialect = {
    createAdapter: () => new MysqlAdapter(),
    createDriver: () => new ReusingDummyDriver(),
    createIntrospector: (db) => new MysqlIntrospector(db),
    createQueryCompiler: () => new MysqlQueryCompiler(),
  }
  const dbs = new Map(CONFIGS.map((config) => [config, makeKysely(dummy, config)] as const))
  const measure = async (db: Kysely<DB>, count: number): Promise<number> => {
    const cpu = process.cpuUsage()
    for (let index = 0; index < count; index++) {
      await db.selectFrom('users').select(['id', 'email', 'status']).where('id', '=', index).execute()
    }
    const used = process.cpuUsage(cpu)
    return (used.user + used.system) / count
  }
  const samples = new Map<Config, number[]>(CONFIGS.map((config) => [config, []]))
  for (const db of dbs.values()) await measure(db, 20_000)
  for (let round = 0; round < 7; round++) {
    for (const config of round % 2 === 0 ? CONFIGS : [...CONFIGS].reverse()) {
      samples.get(config)?.push(await measure(dbs.get(config) as Kysely<DB>, 50_000))
    }
  }
  return new Map(CONFIGS.map((config) => [config, median(samples.get(config) ?? [])]))
}

/** The hooks alone, called as the dialect calls them (no Kysely around them). */
function hooksAlone(db: Kysely<DB>): Record<string, number> {
  const queries = Array.from({ length: 10_000 }, (_, index) =>
    db.selectFrom('users').select(['id', 'email']).where('id', '=', index).compile(),
  )
  const result: QueryResult<unknown> = { rows: [{ id: 1, email: 'a@example.com' }] }
  const out: Record<string, number> = {}
  for (const config of ['on, QueryLogDialect', 'on, every query written'] as const) {
    const log = makeHooks(config).dialectLog
    if (log === undefined) continue
    const iterations = config === 'on, every query written' ? 100_000 : 1_000_000
    const loop = (count: number): number => {
      const cpu = process.cpuUsage()
      for (let index = 0; index < count; index++) {
        const query = queries[index % queries.length] as (typeof queries)[number]
        log({ level: 'query', isStream: false, query, queryDurationMillis: 0.42, result })
      }
      const used = process.cpuUsage(cpu)
      return (used.user + used.system) / count
    }
    loop(20_000)
    out[config] = median([loop(iterations), loop(iterations), loop(iterations)])
  }
  return out
}

async function main(): Promise<void> {
  const serverUrl = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306'
  await using test = await createTestDatabase<DB>({
    serverUrl,
    prefix: 'ktbench',
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: 200, ordersPerUser: 1 }),
  })
  // One pool of 16 connections for all configurations (they run one at a time): seven pools would hold 112
  // connections, near MariaDB's default max_connections of 151 on a server other work shares. Each Kysely still
  // wraps the pool's connections in its own driver's connection objects, so their hooks stay apart.
  const pool = createPool({ uri: test.url, connectionLimit: IN_FLIGHT })
  const dbs = new Map(CONFIGS.map((config) => [config, makeKysely(new MysqlDialect({ pool }), config)]))
  console.log(
    'observability bench: (change: median over rounds of the change against "off" in the same round;',
  )
  console.log(
    '  CPU % is that change as a share of "off"\'s CPU per query, the throughput loss when the client CPU bounds it)',
  )
  const judged: Array<{ title: string; qpsChange: number; cpuChange: number; cpuShare: number }> = []
  for (const workload of WORKLOADS) judged.push({ title: workload.title, ...(await endToEnd(dbs, workload)) })
  const pairs = await judgedPairs(dbs, WORKLOADS[0]!)
  console.log(
    `\n${WORKLOADS[0]!.title}, "off" and "${JUDGED}" alone: ${PAIRS} ABBA pairs of ${PAIR_QUERIES} queries per slice`,
  )
  console.log(`  throughput on ÷ off: ${formatPairedRatio(pairs.throughput)}`)
  console.log(
    `  client CPU: ${pairs.offCpu.toFixed(1)} → ${pairs.onCpu.toFixed(1)} µs/query, on ÷ off ${formatPairedRatio(pairs.cpu)}`,
  )
  await new Promise<void>((resolve, reject) => pool.end((error) => (error ? reject(error) : resolve())))

  const full = await fullPathWithoutIo()
  const base = full.get('off') ?? 0
  console.log(
    '\nKysely path per query without I/O (DummyDriver, find by primary key), CPU, median of 7 interleaved runs of 50,000:',
  )
  for (const [config, micros] of full) {
    const added = config === 'off' ? '' : ` (${signed(micros - base, 2)} µs)`
    console.log(`  ${config.padEnd(34)} ${micros.toFixed(2)} µs${added}`)
  }
  const micro = hooksAlone(
    makeKysely(new MysqlDialect({ pool: createPool({ uri: test.url, connectionLimit: 1 }) }), 'off'),
  )
  for (const [config, micros] of Object.entries(micro)) {
    console.log(`hooks alone (${config}): ${micros.toFixed(3)} µs CPU per query`)
  }

  const added = (full.get(JUDGED) ?? 0) - base
  const [point] = judged
  console.log(`\nGoals, judged on "${JUDGED}" and the find by primary key (the cheapest realistic query):`)
  console.log(
    `  CPU per query: ${signed(added, 2)} µs on Kysely's path without I/O (goal < ${GOAL_CPU_MICROS} µs): ${added < GOAL_CPU_MICROS ? 'met' : 'MISSED'}; end to end ${signed(point?.cpuChange ?? 0, 2)} µs (noisy)`,
  )
  const loss = (1 - pairs.throughput.median) * 100
  console.log(
    `  throughput: ${signed(-loss, 1)}% over ${PAIRS} ABBA pairs (95% interval ${signed((pairs.throughput.low - 1) * 100, 1)}% to ${signed((pairs.throughput.high - 1) * 100, 1)}%; goal > -${GOAL_THROUGHPUT_LOSS_PERCENT}%): ${loss < GOAL_THROUGHPUT_LOSS_PERCENT ? 'met' : 'MISSED'}; seven-way interleaved ${signed(point?.qpsChange ?? 0, 1)}%, ${signed(-(point?.cpuShare ?? 0), 1)}% from the CPU share`,
  )
  for (const other of judged.slice(1)) {
    console.log(
      `  for scale, ${other.title}: throughput ${signed(other.qpsChange, 1)}%, CPU ${signed(other.cpuChange, 2)} µs/query (${signed(other.cpuShare, 1)}%)`,
    )
  }
}

await main().catch((error: unknown) => {
  // `await using` wraps a failure and a failed cleanup in a SuppressedError: show both.
  const suppressed = error as { error?: unknown; suppressed?: unknown }
  console.error(suppressed.error ?? error, suppressed.suppressed ?? '')
  process.exitCode = 1
})
