/**
 * The overhead of `transaction()` over Kysely's bare `db.transaction().execute()` for a two-update-one-insert
 * transaction, 16 in flight. Rounds of each variant are interleaved so drift (buffer pool, ledger growth, other
 * load on the machine) hits all of them alike; the median round of each is compared.
 *
 * Then the same transactions on an in-memory driver that answers at once: what is left is the JavaScript each
 * variant costs per transaction (CPU µs), free of the server and the network, and steady even on a busy machine.
 *
 *   npx jiti bench/transaction.ts [--rounds 9] [--seconds 3] [--control]   (about 2 minutes with the defaults)
 *
 * `--control` runs the bare call a second time as its own variant: its ratio to the first, which should be 1,
 * shows how far the machine's noise alone moves a ratio.
 *
 * Needs a server at TEST_DATABASE_URL (default mysql://root@127.0.0.1:3306); works in a throw-away database.
 * First it counts the statements each variant sends per transaction (mysql2's `mysql2:query` tracing channel):
 * they must be equal, or the comparison measures the extra statements rather than the helper.
 */
import { tracingChannel } from 'node:diagnostics_channel'
import { Kysely, MysqlDialect, type MysqlPool, type MysqlPoolConnection, type Transaction } from 'kysely'
import type { DB } from '../example/generated/db.js'
import { seedShop } from '../example/seed.js'
import { transaction } from '../src/index.js'
import { createTestDatabase } from '../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../test/helpers/paths.js'
import { formatPairedRatio, pairedRatio } from './src/harness.ts'

const IN_FLIGHT = 16
const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? fallback : Number(process.argv[index + 1])
}
const ROUNDS = argument('rounds', 9)
const SECONDS = argument('seconds', 3)

/** Two updates and one insert; each worker has its own pair of accounts, so workers never wait for each other. */
async function work(trx: Transaction<DB>, from: number, to: number): Promise<void> {
  await trx
    .updateTable('accounts')
    .set((eb) => ({ balance: eb('balance', '-', '0.01') }))
    .where('id', '=', from)
    .execute()
  await trx
    .updateTable('accounts')
    .set((eb) => ({ balance: eb('balance', '+', '0.01') }))
    .where('id', '=', to)
    .execute()
  await trx
    .insertInto('account_transactions')
    .values({ from_account_id: from, to_account_id: to, amount: '0.01', type: 'transfer' })
    .execute()
}

type Variant = (db: Kysely<DB>, from: number, to: number) => Promise<void>

const variants: Record<string, Variant> = {
  'bare db.transaction().execute()': (db, from, to) => db.transaction().execute((trx) => work(trx, from, to)),
  'transaction()': (db, from, to) => transaction(db, (trx) => work(trx, from, to)),
  'transaction() with timeoutMs': (db, from, to) =>
    transaction(db, (trx) => work(trx, from, to), TIMEOUT_OPTIONS),
  // `--control`: the bare call again as its own variant; its ratio to the first shows the noise of a ratio.
  ...(process.argv.includes('--control')
    ? {
        'bare again (A/A control)': (db: Kysely<DB>, from: number, to: number) =>
          db.transaction().execute((trx) => work(trx, from, to)),
      }
    : {}),
}
const TIMEOUT_OPTIONS = { timeoutMs: 10_000 } as const

interface RoundResult {
  readonly opsPerSecond: number
  /** Client CPU (user + system) per transaction, in microseconds: less sensitive to other load on the machine. */
  readonly cpuMicros: number
}

async function round(
  db: Kysely<DB>,
  variant: Variant,
  accounts: number[],
  seconds: number,
): Promise<RoundResult> {
  const deadline = performance.now() + seconds * 1_000
  let done = 0
  const started = performance.now()
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, worker) => {
      const from = accounts[2 * worker]!
      const to = accounts[2 * worker + 1]!
      while (performance.now() < deadline) {
        await variant(db, from, to)
        done++
      }
    }),
  )
  const used = process.cpuUsage(cpu)
  return {
    opsPerSecond: (done * 1_000) / (performance.now() - started),
    cpuMicros: (used.user + used.system) / done,
  }
}

/** Prints the statements each variant sends per transaction, counted by mysql2 itself; tracing is off afterwards. */
async function countStatements(db: Kysely<DB>, accounts: number[]): Promise<void> {
  const channel = tracingChannel<{ query: string }>('mysql2:query')
  const sent: string[] = []
  const handlers = {
    start: (context: { query: string }) => {
      sent.push(context.query.split(' ', 1)[0]!.toLowerCase())
    },
  }
  channel.subscribe(handlers)
  const counts: string[] = []
  try {
    for (const [name, variant] of Object.entries(variants)) {
      sent.length = 0
      const transactions = 20
      for (let index = 0; index < transactions; index++) await variant(db, accounts[0]!, accounts[1]!)
      const kinds = [...new Set(sent)].map(
        (kind) => `${kind} ${sent.filter((k) => k === kind).length / transactions}`,
      )
      counts.push(`${name}: ${sent.length / transactions} (${kinds.join(', ')})`)
    }
  } finally {
    channel.unsubscribe(handlers)
  }
  console.log(`statements per transaction: ${counts.join('; ')}`)
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

await using test = await createTestDatabase<DB>({
  migrations: EXAMPLE_MIGRATIONS,
  seed: (db) => seedShop(db, { users: 2 * IN_FLIGHT, ordersPerUser: 0, openingBalance: '1000000.00' }),
  prefix: 'ktbench',
  databaseOptions: { pool: { max: IN_FLIGHT } },
})
const accounts = (await test.db.selectFrom('accounts').select('id').orderBy('id').execute()).map(
  (row) => row.id,
)

console.log(
  `kysely-toolkit transaction overhead: ${IN_FLIGHT} in flight, ${ROUNDS} interleaved rounds of ${SECONDS} s per variant`,
)
await countStatements(test.db, accounts)
for (const variant of Object.values(variants)) await round(test.db, variant, accounts, 1) // warm-up

const results = new Map<string, RoundResult[]>(Object.keys(variants).map((name) => [name, []]))
for (let index = 0; index < ROUNDS; index++) {
  // Rotate the order each round so no variant always runs first.
  const names = Object.keys(variants)
  const order = names.map((_, offset) => names[(index + offset) % names.length]!)
  const line: string[] = []
  for (const name of order) {
    const result = await round(test.db, variants[name]!, accounts, SECONDS)
    results.get(name)!.push(result)
    line.push(`${name} ${result.opsPerSecond.toFixed(0)}`)
  }
  console.log(`round ${index + 1}: ${line.join(' | ')} ops/s`)
}

const bare = results.get('bare db.transaction().execute()')!
const bareOps = median(bare.map((result) => result.opsPerSecond))
const bareCpu = median(bare.map((result) => result.cpuMicros))
console.log('')
for (const [name, values] of results) {
  const ops = median(values.map((result) => result.opsPerSecond))
  const cpu = median(values.map((result) => result.cpuMicros))
  // Each round's ratio compares runs made seconds apart, under the same load: steadier than the ratio of medians.
  const ratio = pairedRatio(
    bare.map((result) => result.opsPerSecond),
    values.map((result) => result.opsPerSecond),
  )
  console.log(
    `${name.padEnd(30)} median ${ops.toFixed(0).padStart(5)} ops/s, ratio to bare ${formatPairedRatio(ratio)} ` +
      `(median of per-round ratios, ${((ratio.median - 1) * 100).toFixed(1)}%); ` +
      `client CPU ${cpu.toFixed(0)} µs/transaction (${((cpu / bareCpu - 1) * 100).toFixed(1)}% vs bare)`,
  )
}
console.log(
  `(bare median ${bareOps.toFixed(0)} ops/s; load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`,
)

/** A pool whose one connection answers every statement with an OK packet on the next turn of the event loop. */
function createInstantPool(): MysqlPool {
  const ok = { affectedRows: 1, changedRows: 1, insertId: 1 }
  const connection: MysqlPoolConnection = {
    config: {},
    threadId: 1,
    connect: (callback) => callback?.(null),
    destroy: () => {},
    release: () => {},
    query: (_sql, _parameters, callback) => {
      setImmediate(() => callback?.(null, ok))
      return {
        stream: () => {
          throw new Error('not streamed')
        },
      }
    },
  }
  return {
    getConnection: (callback) => setImmediate(() => callback(null, connection)),
    end: (callback) => callback(null),
  }
}

const instant = new Kysely<DB>({ dialect: new MysqlDialect({ pool: createInstantPool() }) })
const cpuResults = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]))
const TRANSACTIONS = 32_000
// Two rounds per server round, the order rotated each time: a variant that leaves garbage behind would otherwise
// bill its collection to the one that always follows it.
const IN_MEMORY_ROUNDS = 2 * ROUNDS + 1
for (let index = 0; index < IN_MEMORY_ROUNDS; index++) {
  const names = Object.keys(variants)
  for (const name of names.map((_, offset) => names[(index + offset) % names.length]!)) {
    const variant = variants[name]!
    const cpu = process.cpuUsage()
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let count = 0; count < TRANSACTIONS / IN_FLIGHT; count++) await variant(instant, 1, 2)
      }),
    )
    const used = process.cpuUsage(cpu)
    if (index > 0) cpuResults.get(name)!.push((used.user + used.system) / TRANSACTIONS) // round 1 warms up
  }
}
const instantBare = cpuResults.get('bare db.transaction().execute()')!
console.log(
  `\nin-memory driver (no server, no network), ${IN_MEMORY_ROUNDS - 1} rotated rounds of ${TRANSACTIONS} transactions:`,
)
for (const [name, values] of cpuResults) {
  const cpu = median(values)
  // Paired with the bare round next to it, so a slow stretch of the machine hits both sides.
  const extra = median(values.map((value, index) => value - instantBare[index]!))
  const sign = extra < 0 ? '-' : '+'
  console.log(
    `${name.padEnd(30)} ${cpu.toFixed(1).padStart(5)} µs CPU/transaction ` +
      `(${sign}${Math.abs(extra).toFixed(1)} µs vs bare, median of per-round differences)`,
  )
}
await instant.destroy()
