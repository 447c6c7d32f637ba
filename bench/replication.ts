/**
 * The routing layer's overhead per query over a single pool.
 *
 * The same server is used twice: once through a plain `createDatabase`, once through `createReplicatedDatabase`
 * with that server as both the primary and the only replica, so reads go through the routing driver to a pool of
 * their own. Both run the same point SELECT with 16 queries in flight; runs alternate (plain, routed, plain, ...)
 * so drift on a shared machine hits both alike. Prints per run the ops/s and this process's CPU time per query
 * (user + system: the client-side cost, which other load on the machine barely moves, unlike ops/s), their
 * ratios, and the routing work alone without I/O (the routing compiler and the per-query decision) in CPU
 * nanoseconds per query.
 *
 *   npx jiti bench/replication.ts
 *
 * Environment: BENCH_SERVER_URL (default mysql://root@127.0.0.1:3306/), BENCH_SECONDS per run (default 2),
 * BENCH_ROUNDS (default 6), BENCH_IN_FLIGHT (default 16).
 */
import { randomBytes } from 'node:crypto'
import {
  DummyDriver,
  type Generated,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
} from 'kysely'
import { createConnection } from 'mysql2/promise'
import { createDatabase, createReplicatedDatabase } from '../src/index.js'
import { currentScope } from '../src/replication/consistency-scope.js'
import { routeHintOf } from '../src/replication/route-hint-plugin.js'
import { decideRoute } from '../src/replication/routing.js'
import { RoutingQueryCompiler, statementKindOf } from '../src/replication/routing-query-compiler.js'

interface BenchDB {
  items: { id: Generated<number>; name: string; price: string }
}

const serverUrl = process.env.BENCH_SERVER_URL ?? 'mysql://root@127.0.0.1:3306/'
const seconds = Number(process.env.BENCH_SECONDS ?? 2)
const rounds = Number(process.env.BENCH_ROUNDS ?? 6)
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 16)
const ROWS = 1_000

const name = `bench_repl_${randomBytes(4).toString('hex')}`
const admin = await createConnection(serverUrl)
await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`)
try {
  await admin.query(
    `CREATE TABLE ${name}.items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, price DECIMAL(10,2) NOT NULL)`,
  )
  const values = Array.from({ length: ROWS }, (_, index) => [`item ${index}`, (index % 97) + 0.5])
  await admin.query(`INSERT INTO ${name}.items (name, price) VALUES ?`, [values])

  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const pool = { max: inFlight }
  const plain = createDatabase<BenchDB>({ url: url.toString(), pool })
  const routed = createReplicatedDatabase<BenchDB>({
    primary: { url: url.toString() },
    replicas: [{ url: url.toString() }],
    pool,
  })

  interface RunResult {
    readonly opsPerSecond: number
    /** This process's CPU time (user + system) per query: the client-side cost, which other load barely moves. */
    readonly cpuMicrosPerQuery: number
  }
  const run = async (db: Kysely<BenchDB>, durationMs: number): Promise<RunResult> => {
    let done = 0
    const until = performance.now() + durationMs
    const worker = async (offset: number) => {
      let id = offset
      while (performance.now() < until) {
        id = (id * 7 + 13) % ROWS
        await db
          .selectFrom('items')
          .select(['id', 'name', 'price'])
          .where('id', '=', id + 1)
          .executeTakeFirst()
        done++
      }
    }
    const started = performance.now()
    const cpu = process.cpuUsage()
    await Promise.all(Array.from({ length: inFlight }, (_, index) => worker(index)))
    const used = process.cpuUsage(cpu)
    return {
      opsPerSecond: done / ((performance.now() - started) / 1_000),
      cpuMicrosPerQuery: (used.user + used.system) / done,
    }
  }

  // Warm both: connections open, JIT settled.
  await run(plain.db, 500)
  await run(routed.db, 500)
  const stats = routed.poolStats()
  if (stats.replicas[0]!.total === 0 || stats.primary.total !== 0) {
    throw new Error('the routed reads did not go to the replica pool')
  }

  const plainRuns: RunResult[] = []
  const routedRuns: RunResult[] = []
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0
    if (first) plainRuns.push(await run(plain.db, seconds * 1_000))
    routedRuns.push(await run(routed.db, seconds * 1_000))
    if (!first) plainRuns.push(await run(plain.db, seconds * 1_000))
  }
  await plain.close()
  await routed.close()

  const format = (values: number[], digits = 0) => values.map((value) => value.toFixed(digits)).join(', ')
  const plainOps = plainRuns.map((result) => result.opsPerSecond)
  const routedOps = routedRuns.map((result) => result.opsPerSecond)
  const plainCpu = plainRuns.map((result) => result.cpuMicrosPerQuery)
  const routedCpu = routedRuns.map((result) => result.cpuMicrosPerQuery)
  const plainMedian = median(plainOps)
  const routedMedian = median(routedOps)
  const ratio = routedMedian / plainMedian
  // Each routed run against the plain run next to it: robust to the machine's load drifting between rounds.
  const pairedRatio = median(routedOps.map((routedRun, index) => routedRun / plainOps[index]!))
  const cpuRatio = median(routedCpu.map((routedRun, index) => routedRun / plainCpu[index]!))

  // The routing work alone, without I/O: building and compiling a point SELECT with Kysely's MySQL compiler,
  // against the same with the routing compiler plus the driver's per-query decision (scope, hint, kind, rule).
  const dialect = (compiler: () => MysqlQueryCompiler) => ({
    createAdapter: () => new MysqlAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely: Kysely<unknown>) => new MysqlIntrospector(kysely),
    createQueryCompiler: compiler,
  })
  const plainCompiler = new Kysely<BenchDB>({ dialect: dialect(() => new MysqlQueryCompiler()) })
  const routingCompiler = new Kysely<BenchDB>({ dialect: dialect(() => new RoutingQueryCompiler()) })
  const key = {}
  let sink = 0
  const compileOnly = (id: number) => {
    const compiled = plainCompiler
      .selectFrom('items')
      .select(['id', 'name', 'price'])
      .where('id', '=', id)
      .compile()
    sink += compiled.sql.length
  }
  const compileAndRoute = (id: number) => {
    const compiled = routingCompiler
      .selectFrom('items')
      .select(['id', 'name', 'price'])
      .where('id', '=', id)
      .compile()
    const scope = currentScope()
    const lastWrite = scope?.writes.get(key)
    const reason = decideRoute(statementKindOf(compiled), {
      onPrimary: false,
      hint: routeHintOf(compiled.query),
      withPrimary: scope?.forcePrimary === true,
      sinceLastWriteMs: lastWrite === undefined ? undefined : performance.now() - lastWrite,
      readYourWritesMs: 2_000,
    })
    sink += reason.length
  }
  const nsPerCall = (fn: (id: number) => void, iterations: number) => {
    const cpu = process.cpuUsage()
    for (let index = 0; index < iterations; index++) fn(index)
    const used = process.cpuUsage(cpu)
    return ((used.user + used.system) * 1_000) / iterations
  }
  for (let warm = 0; warm < 3; warm++) {
    nsPerCall(compileOnly, 50_000)
    nsPerCall(compileAndRoute, 50_000)
  }
  const compileRuns: number[] = []
  const routeRuns: number[] = []
  for (let round = 0; round < 10; round++) {
    compileRuns.push(nsPerCall(compileOnly, 100_000))
    routeRuns.push(nsPerCall(compileAndRoute, 100_000))
  }
  const compileNs = median(compileRuns)
  const routeNs = median(routeRuns)
  const addedNs = median(routeRuns.map((routeRun, index) => routeRun - compileRuns[index]!))
  if (sink === 0) throw new Error('unreachable')

  console.log(
    `server ${redact(serverUrl)}, ${inFlight} in flight, ${rounds} rounds of ${seconds} s, interleaved`,
  )
  console.log(`plain createDatabase     ops/s: ${format(plainOps)}  median ${Math.round(plainMedian)}`)
  console.log(`createReplicatedDatabase ops/s: ${format(routedOps)}  median ${Math.round(routedMedian)}`)
  console.log(
    `plain createDatabase     CPU us/query: ${format(plainCpu, 1)}  median ${median(plainCpu).toFixed(1)}`,
  )
  console.log(
    `createReplicatedDatabase CPU us/query: ${format(routedCpu, 1)}  median ${median(routedCpu).toFixed(1)}`,
  )
  console.log(
    `ratio of medians routed/plain ${ratio.toFixed(4)} (overhead ${((1 - ratio) * 100).toFixed(2)}%); ` +
      `median of paired ratios ${pairedRatio.toFixed(4)} (overhead ${((1 - pairedRatio) * 100).toFixed(2)}%); goal < 2%`,
  )
  console.log(
    `client CPU per query routed/plain (median of paired ratios) ${cpuRatio.toFixed(4)} ` +
      `(overhead ${((cpuRatio - 1) * 100).toFixed(2)}%)`,
  )
  console.log(
    `build+compile a point SELECT, CPU per query (median of 10 runs): ${compileNs.toFixed(0)} ns plain, ` +
      `${routeNs.toFixed(0)} ns with routing; routing adds ${addedNs.toFixed(0)} ns (median of paired differences) ` +
      `of the ${(median(plainCpu) * 1_000).toFixed(0)} ns of client CPU a whole query takes ` +
      `(${((addedNs / (median(plainCpu) * 1_000)) * 100).toFixed(2)}%)`,
  )
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name}`)
  await admin.end()
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function redact(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}
