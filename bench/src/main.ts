/**
 * `npm run bench`: kysely-toolkit against raw mysql2, bare Kysely and peer ORMs, side by side in one run.
 * See `--help`, and docs/benchmarks.md for the method.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem, type } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { Kysely } from 'kysely'
import type { DB } from '../../example/generated/db.ts'
import { openBenchDatabase } from './bench-database.ts'
import {
  type BenchClient,
  CLIENT_IDS,
  type ClientContext,
  type ClientId,
  DEFAULT_CLIENT_IDS,
  DIAGNOSTIC_CLIENT_IDS,
  EAGER_USERS,
  INSERTED_SSN,
} from './client.ts'
import { createClient } from './clients/create-client.ts'
import { collectGarbage, runRound } from './harness.ts'
import { ensurePrismaGenerated, ensureToolkitBuilt } from './prepare.ts'
import {
  type Cell,
  checkGoals,
  describeError,
  type Environment,
  formatConsole,
  formatMarkdown,
  SHORT_LABELS,
  summarize,
} from './report.ts'
import { countMysql2Statements } from './statements.ts'
import {
  createWorkloads,
  DEEP_OFFSET,
  ssnFor,
  WORKLOAD_IDS,
  type Workload,
  type WorkloadId,
  type WorkloadInputs,
} from './workloads.ts'

const benchRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const repositoryRoot = resolve(benchRoot, '..')

const CONCURRENCY = 16
const POOL_SIZE = 10
/** Calls a timed round starts at the least (two per call slot). */
const MIN_CALLS = 2 * CONCURRENCY
const HELP = `Usage: npm run bench [-- options]

Measures kysely-toolkit against raw mysql2, bare Kysely, Drizzle, Sequelize, TypeORM and Prisma on one server,
interleaving the clients round by round. Writes docs/benchmarks.md after a full run.

Options:
  --quick              a short smoke run (3 runs of 100 ms rounds); does not write docs/benchmarks.md
  --runs N             runs per workload (default 10; at least 3 for the docs)
  --round-ms N         length of one client's round in a run (default 400; a round also starts at least
                       ${MIN_CALLS} calls, which makes slow workloads' rounds longer)
  --warmup-ms N        warm-up round per client and workload (default 500)
  --clients a,b        only these clients (mysql2 is always included): ${CLIENT_IDS.join(', ')}
                       (default: all but ${DIAGNOSTIC_CLIENT_IDS.join(', ')}: the toolkit without
                       repositories, and with one plugin at a time, for diagnosis)
  --workloads a,b      only these workloads: ${WORKLOAD_IDS.join(', ')}
  --log-level LEVEL    pino level of the query logger in the plugins client (default debug: every query written)
  --write / --no-write write docs/benchmarks.md and bench/results/benchmarks.json or not (default: write
                       after a full run only)
  --render FILE        no run: print (and with --write, write the docs page of) saved results, e.g.
                       bench/results/last-run.json (every run saves there) or bench/results/benchmarks.json
  --help

Environment: BENCH_DATABASE_URL=mysql://user:password@host:port (default mysql://root@127.0.0.1:3306).`

function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      'round-ms': { type: 'string' },
      'warmup-ms': { type: 'string' },
      clients: { type: 'string' },
      workloads: { type: 'string' },
      'log-level': { type: 'string', default: 'debug' },
      render: { type: 'string' },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(HELP)
    process.exit(0)
  }
  const positive = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback
    const value = Number(text)
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`--${name} must be a positive whole number (got ${text})`)
    return value
  }
  const pick = <T extends string>(name: string, text: string | undefined, all: readonly T[]): T[] => {
    if (text === undefined) return [...all]
    const chosen = text.split(',').map((part) => part.trim())
    const unknown = chosen.filter((part) => !all.includes(part as T))
    if (unknown.length > 0)
      throw new Error(`--${name}: unknown ${unknown.join(', ')} (known: ${all.join(', ')})`)
    return all.filter((item) => chosen.includes(item))
  }
  const quick = values.quick
  const clients =
    values.clients === undefined ? [...DEFAULT_CLIENT_IDS] : pick('clients', values.clients, CLIENT_IDS)
  if (!clients.includes('mysql2')) clients.unshift('mysql2')
  return {
    quick,
    runs: positive('runs', values.runs, quick ? 3 : 10),
    roundMs: positive('round-ms', values['round-ms'], quick ? 100 : 400),
    warmupMs: positive('warmup-ms', values['warmup-ms'], quick ? 30 : 500),
    clients,
    workloads: pick('workloads', values.workloads, WORKLOAD_IDS),
    logLevel: values['log-level'],
    write: values['no-write'] ? false : (values.write ?? !quick),
    writeRequested: values.write === true,
    render: values.render,
  }
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

function versionOf(packageJson: string): string {
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
  } catch {
    return 'not installed'
  }
}

const idsOf = (rows: readonly { id: unknown }[]): string => rows.map((row) => String(row.id)).join(',')

class CheckError extends Error {}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new CheckError(message)
}

async function main(): Promise<void> {
  const options = parseOptions()
  if (options.render !== undefined) {
    report(JSON.parse(readFileSync(options.render, 'utf8')) as BenchResult, options.writeRequested)
    return
  }
  const started = performance.now()
  const loadBefore = loadavg()
  ensureToolkitBuilt(log)
  const unavailableClients = new Map<ClientId, string>()
  if (options.clients.includes('prisma')) {
    const generated = ensurePrismaGenerated(log)
    if (!generated.ok) unavailableClients.set('prisma', `prisma generate failed: ${generated.reason}`)
  }

  const database = await openBenchDatabase({ poolSize: POOL_SIZE, logLevel: options.logLevel, log })
  const { context, inputs, plainDb } = database
  const clients = new Map<ClientId, BenchClient>()
  try {
    const workloads = createWorkloads(inputs)
    const selectedWorkloads = workloads.filter((workload) => options.workloads.includes(workload.id))

    let phase = performance.now()
    const phaseDone = (what: string) => {
      log(`${what} in ${((performance.now() - phase) / 1000).toFixed(1)} s`)
      phase = performance.now()
    }
    for (const id of options.clients) {
      if (unavailableClients.has(id)) continue
      try {
        clients.set(id, await createClient(id, context))
      } catch (error) {
        unavailableClients.set(id, `could not start: ${describeError(error)}`)
        log(`${SHORT_LABELS[id]}: could not start: ${describeError(error)}`)
      }
    }
    phaseDone(`started ${clients.size} clients`)
    const reference = clients.get('mysql2')
    if (reference === undefined)
      throw new Error(`raw mysql2 did not start: ${unavailableClients.get('mysql2')}`)

    // Check every client's answers against raw mysql2's, and count its statements per call.
    const cells: Cell[] = []
    const prismaCounter = clients.has('prisma') ? await createPrismaCounter(context) : undefined
    let transferAccount = 1
    for (const workload of selectedWorkloads) {
      for (const [id, client] of clients) {
        const cell: Cell = { client: id, workload: workload.id, status: 'ok', rounds: [] }
        transferAccount += 2
        try {
          await checkClient(workload, client, reference, plainDb, transferAccount, inputs)
          const counted = id === 'prisma' ? prismaCounter : undefined
          if (counted) {
            const { statements, prepares } = await counted.count(workload)
            cell.statementsPerCall = statements
            if (prepares > 0) cell.preparesPerCall = prepares
          } else {
            // An uncounted burst first: pools open their connections (and set them up) outside the count.
            await runCalls(workload, client)
            const statements = await countMysql2Statements(() => runCalls(workload, client))
            cell.statementsPerCall = statements / COUNTED_CALLS
          }
        } catch (error) {
          const reason =
            error instanceof CheckError ? `wrong answer: ${error.message}` : `fails: ${describeError(error)}`
          Object.assign(cell, { status: 'unavailable', reason })
          log(`${SHORT_LABELS[id]} on ${workload.id}: ${reason}`)
        }
        cells.push(cell)
      }
    }
    await prismaCounter?.close()
    phaseDone('checked answers and counted statements')

    // Timed rounds, interleaved.
    const order = [...clients.keys()]
    for (const workload of selectedWorkloads) {
      const active = order.filter(
        (id) => cells.find((cell) => cell.client === id && cell.workload === workload.id)?.status === 'ok',
      )
      const workloadStarted = performance.now()
      for (const id of active) {
        collectGarbage()
        await runRound((i) => workload.call(clients.get(id)!, i), {
          concurrency: CONCURRENCY,
          durationMs: options.warmupMs,
        })
      }
      for (let run = 0; run < options.runs; run++) {
        const rotated = [...active.slice(run % active.length), ...active.slice(0, run % active.length)]
        for (const id of rotated) {
          collectGarbage()
          const result = await runRound((i) => workload.call(clients.get(id)!, i), {
            concurrency: CONCURRENCY,
            durationMs: options.roundMs,
            minCalls: options.quick ? 0 : MIN_CALLS,
          })
          cells.find((cell) => cell.client === id && cell.workload === workload.id)!.rounds.push(result)
          if (process.env.BENCH_DEBUG)
            log(
              `  ${workload.id} run ${run + 1} ${id}: ${result.calls} calls in ${result.elapsedMs.toFixed(0)} ms`,
            )
        }
      }
      log(`${workload.id}: done in ${((performance.now() - workloadStarted) / 1000).toFixed(1)} s`)
    }

    const versions: Record<string, string> = {
      'kysely-toolkit': versionOf(join(repositoryRoot, 'package.json')),
    }
    for (const name of [
      'kysely',
      'mysql2',
      'drizzle-orm',
      'sequelize',
      'typeorm',
      'prisma',
      '@prisma/adapter-mariadb',
      'mariadb',
      'pino',
    ]) {
      versions[name] = versionOf(join(benchRoot, 'node_modules', name, 'package.json'))
    }
    const environment: Environment = {
      date: new Date().toISOString().slice(0, 10),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadBefore,
      loadAfter: loadavg(),
      os: `${type()} ${release()}`,
      node: process.versions.node,
      server: database.serverVersion ?? 'unknown',
      versions,
      runs: options.runs,
      roundMs: options.roundMs,
      warmupMs: options.warmupMs,
      concurrency: CONCURRENCY,
      poolSize: POOL_SIZE,
      durationS: (performance.now() - started) / 1000,
      quick: options.quick,
    }
    const notes: Partial<Record<ClientId, readonly string[]>> = {}
    for (const [id, client] of clients) notes[id] = [...client.notes, ...((await client.probe?.()) ?? [])]
    const result: BenchResult = {
      cells: cells.map((cell) => ({
        ...cell,
        rounds: cell.rounds.map((round) => ({
          ...round,
          firstError: describeError(round.firstError) || undefined,
        })),
      })),
      workloads: selectedWorkloads.map(({ id, title }) => ({ id, title })),
      clients: options.clients.filter((id) => clients.has(id)),
      notes,
      unavailableClients: Object.fromEntries(unavailableClients),
      environment,
    }
    mkdirSync(resultsFolder, { recursive: true })
    writeFileSync(join(resultsFolder, 'last-run.json'), `${JSON.stringify(result, null, 1)}\n`)
    report(result, options.write)
    log(`total ${Math.round(environment.durationS)} s`)
  } finally {
    for (const client of clients.values()) await client.close().catch(() => {})
    await database.destroy()
  }
}

/** Everything a run measured, as saved in bench/results/ and re-rendered by `--render`. */
interface BenchResult {
  readonly cells: Cell[]
  readonly workloads: readonly { id: WorkloadId; title: string }[]
  readonly clients: readonly ClientId[]
  readonly notes: Partial<Record<ClientId, readonly string[]>>
  readonly unavailableClients: Partial<Record<ClientId, string>>
  readonly environment: Environment
}

const resultsFolder = join(benchRoot, 'results')

/** Prints the tables and, when asked, writes docs/benchmarks.md and the raw results beside it. */
function report(result: BenchResult, write: boolean): void {
  const summaries = summarize(result.cells)
  const goals = checkGoals(result.cells, summaries, result.workloads)
  console.log(formatConsole(summaries, result.workloads, result.clients, goals))
  if (!write) return
  const analysisFile = join(benchRoot, 'analysis.md')
  const analysis = existsSync(analysisFile) ? readFileSync(analysisFile, 'utf8').trim().split('\n') : []
  const markdown = formatMarkdown({
    summaries,
    workloads: result.workloads,
    clients: result.clients,
    goals,
    notes: new Map(Object.entries(result.notes) as [ClientId, readonly string[]][]),
    unavailableClients: new Map(Object.entries(result.unavailableClients) as [ClientId, string][]),
    environment: result.environment,
    goalNotes: analysis,
  })
  writeFileSync(join(repositoryRoot, 'docs', 'benchmarks.md'), markdown)
  mkdirSync(resultsFolder, { recursive: true })
  writeFileSync(join(resultsFolder, 'benchmarks.json'), `${JSON.stringify(result, null, 1)}\n`)
  log('wrote docs/benchmarks.md and bench/results/benchmarks.json')
}

/** Calls per client and workload whose statements are counted, made with all call slots in flight. */
const COUNTED_CALLS = 2 * CONCURRENCY

/** {@link COUNTED_CALLS} calls, {@link CONCURRENCY} in flight (as in the timed rounds: Prisma batches under load). */
async function runCalls(workload: Workload, client: BenchClient): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < COUNTED_CALLS) await workload.call(client, next++)
    }),
  )
}

/** Checks one client's answer on one workload against raw mysql2's; throws a CheckError when they differ. */
async function checkClient(
  workload: Workload,
  client: BenchClient,
  reference: BenchClient,
  db: Kysely<DB>,
  account: number,
  inputs: WorkloadInputs,
): Promise<void> {
  switch (workload.id as WorkloadId) {
    case 'find-by-id': {
      const user = await client.findUser(42)
      expect(Number(user?.id) === 42, `findUser(42) gave ${JSON.stringify(user?.id)}`)
      return
    }
    case 'list-page':
    case 'deep-offset': {
      const offset = workload.id === 'list-page' ? 300 : DEEP_OFFSET
      const [mine, theirs] = [await client.listUsers(offset), await reference.listUsers(offset)]
      expect(
        mine.length === 100 && idsOf(mine) === idsOf(theirs),
        `listUsers(${offset}) gave other rows than mysql2`,
      )
      return
    }
    case 'deep-keyset': {
      const offsetPage = await reference.listUsers(DEEP_OFFSET)
      const page = (await workload.call(client, 0)) as { id: unknown }[]
      expect(
        page.length === 100 && idsOf(page) === idsOf(offsetPage),
        `the keyset page (${page.length} rows from ${String(page[0]?.id)}) is not the offset page`,
      )
      return
    }
    case 'users-with-orders': {
      const users = await client.usersWithOrders(101)
      const orders = users.reduce((sum, user) => sum + user.orders.length, 0)
      expect(
        users.length === EAGER_USERS && Number(users[0]?.id) === 101 && orders === EAGER_USERS * 5,
        `usersWithOrders(101) gave ${users.length} users and ${orders} orders`,
      )
      expect(
        users.every((user) => user.orders.length === 5),
        'every user should have 5 orders',
      )
      return
    }
    case 'insert': {
      const email = `check.${client.id}.${inputs.runTag}@bench.example`
      await client.insertUser({ email, firstName: 'Check', lastName: 'Insert', ssn: ssnFor(client, inputs) })
      const row = await db.selectFrom('users').select('ssn').where('email', '=', email).executeTakeFirst()
      expect(row !== undefined, `insertUser did not insert ${email}`)
      expect(
        row?.ssn?.startsWith(inputs.encryptedSsn.slice(0, 4)) === true && row.ssn !== INSERTED_SSN,
        'the stored ssn is not ciphertext',
      )
      return
    }
    case 'transfer': {
      const balances = async () =>
        db
          .selectFrom('accounts')
          .select(['id', 'balance'])
          .where('id', 'in', [account, account + 1])
          .orderBy('id')
          .execute()
      const before = await balances()
      await client.transfer(account, account + 1, '1.00')
      const after = await balances()
      const delta = (index: number) =>
        Math.round((Number(after[index]!.balance) - Number(before[index]!.balance)) * 100)
      expect(delta(0) === -100 && delta(1) === 100, `transfer moved ${delta(0)} / ${delta(1)} cents`)
      return
    }
  }
}

/** A second Prisma client whose mariadb driver reports each command, for counting (the timed one has no logger). */
async function createPrismaCounter(context: ClientContext) {
  const { createPrismaClient } = await import('./clients/prisma-client.ts')
  let counts = new Map<string, number>()
  const client = createPrismaClient(context, (kind) => counts.set(kind, (counts.get(kind) ?? 0) + 1))
  return {
    async count(workload: Workload) {
      await runCalls(workload, client)
      counts = new Map()
      await runCalls(workload, client)
      return {
        statements: ((counts.get('QUERY') ?? 0) + (counts.get('EXECUTE') ?? 0)) / COUNTED_CALLS,
        prepares: (counts.get('PREPARE') ?? 0) / COUNTED_CALLS,
      }
    },
    close: () => client.close(),
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
