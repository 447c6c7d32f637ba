/**
 * Repository overhead: the same reads and writes through a repository, through bare Kysely and through raw mysql2
 * (`pool.execute`, prepared statements), 16 requests in flight. Many short rounds of the variants of a scenario are
 * interleaved in a random order each round (so no variant always follows another, and drift and other load on the
 * machine hit all alike). Each round gives a ratio to bare Kysely; the median of those ratios is printed with a
 * 95% bootstrap interval, which says whether a gap is larger than the machine's noise. With `--expose-gc` the heap
 * is collected between rounds, so one variant's garbage is not collected on another's time.
 *
 * Scenarios: findById; findMany of 100 rows; a keyset page of 100 rows after a cursor; create three ways, each against
 * the same statements by hand: the row back from one `INSERT ... RETURNING` (what `create` does on MariaDB 10.5+;
 * skipped on MySQL, which has no RETURNING), the key only (`create(row, { returning: false })` against a bare
 * INSERT), and an INSERT then a read of the stored row (what `create` does on MySQL; forced here with `with: {}`);
 * 50 users with their orders (repository `with`, bare Kysely and mysql2 with two queries, and one correlated
 * JSON_ARRAYAGG query whose JSON text is parsed and re-typed).
 *
 * Then the repository and bare Kysely variants again on an in-memory driver that answers at once with canned rows:
 * what is left is the JavaScript each costs per call (CPU µs, best of interleaved rounds), steady even on a busy
 * machine where the throughput ratios above move by several percent from run to run.
 *
 *   NODE_OPTIONS=--expose-gc npx jiti bench/repository.ts [--rounds 30] [--seconds 0.5] [--only orders] [--control]
 *
 * `--control` runs bare Kysely twice per round as two variants: their ratio, which should be 1, shows how far the
 * machine's noise alone moves a ratio.
 *
 * Needs a server at TEST_DATABASE_URL (default mysql://root@127.0.0.1:3306); works in a throw-away database.
 */
import { Kysely, MysqlDialect, type MysqlPool, type MysqlPoolConnection, sql } from 'kysely'
import { createPool, type RowDataPacket } from 'mysql2/promise'
import type { DB } from '../example/generated/db.js'
import { seedShop } from '../example/seed.js'
import { shop } from '../example/shop-schema.js'
import { createDatabase, createRepository } from '../src/index.js'
import { hasInsertReturning } from '../src/repository/insert-returning.js'
import { createTestDatabase } from '../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../test/helpers/paths.js'
import { attachOrders, ORDER_COLUMNS, USER_COLUMNS, usersWithOrdersByHand } from './src/attach-orders.ts'
import { formatPairedRatio, pairedRatio } from './src/harness.ts'
import { keysetPageByHand, keysetStarts } from './src/keyset-pages.ts'

const IN_FLIGHT = 16
const USERS = 1_000
const ORDERS_PER_USER = 5
const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? fallback : process.argv[index + 1]!
}
const ROUNDS = Number(argument('rounds', '30'))
const SECONDS = Number(argument('seconds', '0.5'))
const ONLY = argument('only', '')
/** `--control`: bare Kysely runs a second time as its own variant, so the printed ratio of the two is the noise. */
const CONTROL = process.argv.includes('--control')

await using test = await createTestDatabase<DB>({
  migrations: EXAMPLE_MIGRATIONS,
  seed: (db) => seedShop(db, { users: USERS, ordersPerUser: ORDERS_PER_USER }),
  prefix: 'ktrepobench',
  databaseOptions: { pool: { max: IN_FLIGHT } },
})
const db: Kysely<DB> = test.db
const raw = createPool({
  uri: test.url,
  connectionLimit: IN_FLIGHT,
  supportBigNumbers: true,
  bigNumberStrings: true,
  timezone: 'Z',
  charset: 'utf8mb4_unicode_ci',
})
await raw.query("SET SESSION time_zone = '+00:00'")

const users = createRepository(db, shop, 'users', { maxLimit: 100 })
const serverVersion = (await sql<{ v: string }>`select version() as v`.execute(db)).rows[0]!.v
const RETURNING = hasInsertReturning(serverVersion)
const VISIBLE = USER_COLUMNS
const VISIBLE_SQL = VISIBLE.map((column) => `\`${column}\``).join(', ')
const ORDER_SQL = ORDER_COLUMNS.map((column) => `\`${column}\``).join(', ')

let sequence = 0
const randomId = (upTo = USERS): number => 1 + Math.floor(Math.random() * upTo)
const nextEmail = (): string => `bench${process.pid}-${++sequence}@example.com`
const newUser = () => ({ email: nextEmail(), first_name: 'Bench', last_name: 'Mark' })
const INSERT_SQL = 'insert into `users` (`email`, `first_name`, `last_name`) values (?, ?, ?)'

// Keyset pages: ten signed cursors spread over the table, with the sort values they stand for.
const KEYSET_SORT = 'created_at'
const starts = await keysetStarts((after) =>
  users.paginate({ sort: KEYSET_SORT, limit: 90, after, select: ['id', 'created_at'] }),
)
const keysetStart = () => starts[Math.floor(Math.random() * starts.length)]!

type Variant = () => Promise<unknown>
interface Scenario {
  readonly name: string
  readonly variants: Readonly<Record<string, Variant>>
}

interface OrderRow {
  id: string
  user_id: number
  status: string
  total: string
  created_at: Date
}

const scenarios: Scenario[] = [
  {
    name: 'findById',
    variants: {
      repository: () => users.findById(randomId()),
      'bare Kysely': () =>
        db.selectFrom('users').select(VISIBLE).where('id', '=', randomId()).executeTakeFirst(),
      'mysql2 execute': () =>
        raw.execute(`select ${VISIBLE_SQL} from \`users\` where \`id\` = ?`, [randomId()]),
    },
  },
  {
    name: 'findMany 100 rows',
    variants: {
      repository: () => {
        const from = randomId(USERS - 100)
        return users.findMany({ where: (eb) => eb('id', '>=', from), limit: 100 })
      },
      'bare Kysely': () =>
        db
          .selectFrom('users')
          .select(VISIBLE)
          .where('id', '>=', randomId(USERS - 100))
          .orderBy('id', 'asc')
          .limit(100)
          .execute(),
      'mysql2 execute': () =>
        raw.execute(`select ${VISIBLE_SQL} from \`users\` where \`id\` >= ? order by \`id\` asc limit ?`, [
          randomId(USERS - 100),
          100,
        ]),
    },
  },
  {
    name: 'keyset page of 100 after a cursor',
    variants: {
      repository: () => users.paginate({ sort: KEYSET_SORT, limit: 100, after: keysetStart().cursor }),
      'bare Kysely': () => keysetPageByHand(db, VISIBLE, keysetStart()),
      'mysql2 execute': () => {
        const { createdAt, id } = keysetStart()
        return raw.execute(
          `select ${VISIBLE_SQL} from \`users\` where \`created_at\` >= ? and (\`created_at\` > ? or (\`created_at\` = ? and \`id\` > ?)) order by \`created_at\`, \`id\` limit ?`,
          [createdAt, createdAt, createdAt, id, 101],
        )
      },
    },
  },
  ...(RETURNING
    ? [
        {
          name: 'create: the stored row from one INSERT ... RETURNING (MariaDB 10.5+)',
          variants: {
            repository: () => users.create(newUser()),
            'bare Kysely': () => db.executeQuery(db.insertInto('users').values(newUser()).returning(VISIBLE)),
            'mysql2 execute': () => {
              const { email, first_name, last_name } = newUser()
              return raw.execute(`${INSERT_SQL} returning ${VISIBLE_SQL}`, [email, first_name, last_name])
            },
          },
        },
      ]
    : []),
  {
    name: 'create: the key only, one INSERT (returning: false)',
    variants: {
      repository: () => users.create(newUser(), { returning: false }),
      'bare Kysely': () => db.insertInto('users').values(newUser()).executeTakeFirstOrThrow(),
      'mysql2 execute': () => {
        const { email, first_name, last_name } = newUser()
        return raw.execute(INSERT_SQL, [email, first_name, last_name])
      },
    },
  },
  {
    name: 'create: INSERT, then the stored row read back (the MySQL path)',
    variants: {
      // `with` reads the row back after the INSERT on every server: what create does on MySQL.
      repository: () => users.create(newUser(), { with: {} }),
      'bare Kysely': async () => {
        const result = await db.insertInto('users').values(newUser()).executeTakeFirstOrThrow()
        return db
          .selectFrom('users')
          .select(VISIBLE)
          .where('id', '=', Number(result.insertId))
          .executeTakeFirst()
      },
      'mysql2 execute': async () => {
        const { email, first_name, last_name } = newUser()
        const [result] = await raw.execute(INSERT_SQL, [email, first_name, last_name])
        const id = (result as { insertId: number }).insertId
        return raw.execute(`select ${VISIBLE_SQL} from \`users\` where \`id\` = ?`, [id])
      },
    },
  },
  {
    name: '50 users with their orders',
    variants: {
      'repository (2 queries)': () => {
        const from = randomId(USERS - 50)
        return users.findMany({ where: (eb) => eb('id', '>=', from), limit: 50, with: { orders: true } })
      },
      'bare Kysely (2 queries)': () => usersWithOrdersByHand(db, randomId(USERS - 50)),
      'mysql2 execute (2 queries)': async () => {
        const [rows] = await raw.execute<RowDataPacket[]>(
          `select ${VISIBLE_SQL} from \`users\` where \`id\` >= ? order by \`id\` limit ?`,
          [randomId(USERS - 50), 50],
        )
        const ids = rows.map((row) => row.id as number)
        const [orders] = await raw.execute<RowDataPacket[]>(
          `select ${ORDER_SQL} from \`orders\` where \`user_id\` in (${ids.map(() => '?').join(', ')}) order by \`id\``,
          ids,
        )
        return attachOrders(rows as { id: number }[], orders as OrderRow[])
      },
      'Kysely JSON_ARRAYAGG (1 query)': async () => {
        const { rows } = await sql<{
          id: number
          email: string
          first_name: string
          last_name: string
          status: string
          created_at: Date
          updated_at: Date
          orders: string | null
        }>`select u.id, u.email, u.first_name, u.last_name, u.status, u.created_at, u.updated_at,
            (select json_arrayagg(json_object('id', cast(o.id as char), 'user_id', o.user_id, 'status', o.status,
                'total', cast(o.total as char), 'created_at', o.created_at) order by o.id)
             from orders o where o.user_id = u.id) as orders
           from users u where u.id >= ${randomId(USERS - 50)} order by u.id limit 50`.execute(db)
        // MariaDB returns JSON as text; dates come back as 'YYYY-MM-DD HH:MM:SS.fff' text and must be re-typed.
        return rows.map((row) => ({
          ...row,
          orders: (JSON.parse(row.orders ?? '[]') as OrderRow[]).map((order) => ({
            ...order,
            created_at: new Date(`${String(order.created_at).replace(' ', 'T')}Z`),
          })),
        }))
      },
    },
  },
]

interface RoundResult {
  readonly opsPerSecond: number
  readonly cpuMicros: number
}

async function round(variant: Variant, seconds: number): Promise<RoundResult> {
  const deadline = performance.now() + seconds * 1_000
  let done = 0
  const started = performance.now()
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < deadline) {
        await variant()
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

/** A random order (Fisher-Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items]
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1))
    ;[copy[index], copy[other]] = [copy[other]!, copy[index]!]
  }
  return copy
}

/** Collects the heap between rounds when node runs with --expose-gc. */
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.()

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

// Round trips of the relation load, counted once.
{
  let queries = 0
  const logged = createDatabase<DB>({ url: test.url, log: () => void queries++ })
  await createRepository(logged.db, shop, 'users').findMany({ limit: 50, with: { orders: true } })
  console.log(`round trips for 50 users with their orders: repository ${queries}, JSON_ARRAYAGG 1`)
  await logged.close()
}

console.log(
  `kysely-toolkit repository bench: ${IN_FLIGHT} in flight, ${ROUNDS} shuffled rounds of ${SECONDS} s per variant, ` +
    `gc between rounds ${(globalThis as { gc?: unknown }).gc === undefined ? 'off' : 'on'}, ` +
    `${USERS} users × ${ORDERS_PER_USER} orders, ${serverVersion}`,
)
for (const scenario of scenarios) {
  if (ONLY !== '' && !scenario.name.includes(ONLY)) continue
  const baselineName = Object.keys(scenario.variants)[1]!
  const variants: Record<string, Variant> = CONTROL
    ? { ...scenario.variants, [`${baselineName}, A/A control`]: scenario.variants[baselineName]! }
    : scenario.variants
  const names = Object.keys(variants)
  for (const name of names) await round(variants[name]!, 0.5) // warm-up
  const results = new Map<string, RoundResult[]>(names.map((name) => [name, []]))
  for (let index = 0; index < ROUNDS; index++) {
    for (const name of shuffled(names)) {
      collectGarbage()
      results.get(name)!.push(await round(variants[name]!, SECONDS))
    }
  }
  const baseline = results.get(names[1]!)!.map((result) => result.opsPerSecond)
  console.log(`\n${scenario.name}`)
  for (const name of names) {
    const runs = results.get(name)!
    const ops = median(runs.map((result) => result.opsPerSecond))
    const cpu = median(runs.map((result) => result.cpuMicros))
    // The ratio is taken within each round (the variants ran seconds apart, under the same load), then its median
    // over rounds with a bootstrap interval: steadier than the ratio of two medians on a noisy machine.
    const ratio = pairedRatio(
      baseline,
      runs.map((result) => result.opsPerSecond),
    )
    console.log(
      `  ${name.padEnd(32)} ${ops.toFixed(0).padStart(7)} ops/s  ${name === names[1] ? '1.000 (baseline)'.padEnd(36) : formatPairedRatio(ratio)} × ${names[1]}  ` +
        `${cpu.toFixed(0).padStart(5)} µs CPU/op`,
    )
  }
}
await raw.end()

// The same calls on an in-memory driver: the JavaScript cost per call, without the server.
{
  const now = new Date()
  const userRows = Array.from({ length: 101 }, (_, index) => ({
    id: index + 1,
    email: `user${index + 1}@example.com`,
    first_name: 'Ada',
    last_name: 'Lovelace',
    status: 'active',
    created_at: now,
    updated_at: now,
  }))
  const orderRows = Array.from({ length: 250 }, (_, index) => ({
    id: String(index + 1),
    user_id: (index % 50) + 1,
    status: 'completed',
    total: '12.50',
    created_at: now,
  }))
  const answer = (statement: string): unknown => {
    if (statement.startsWith('select version()')) return [{ version: serverVersion }]
    if (statement.startsWith('insert')) {
      return statement.includes(' returning ') ? [{ ...userRows[0] }] : { insertId: 7, affectedRows: 1 }
    }
    if (statement.includes('from `orders`')) return orderRows.map((row) => ({ ...row }))
    // The keyset page asks for 101 rows (a page and one more), so a full page comes back with a next cursor.
    const limit = statement.includes('`id` = ?')
      ? 1
      : statement.includes('in (')
        ? 50
        : statement.includes('order by `created_at`')
          ? 101
          : 100
    return userRows.slice(0, limit).map((row) => ({ ...row }))
  }
  const connection = {
    query(
      statement: string,
      _parameters: readonly unknown[],
      callback?: (error: unknown, result: unknown) => void,
    ) {
      if (callback) queueMicrotask(() => callback(null, answer(statement)))
      return { stream: () => (async function* () {})() }
    },
    release() {},
  } as unknown as MysqlPoolConnection
  const pool: MysqlPool = {
    getConnection: (callback) => queueMicrotask(() => callback(null, connection)),
    end: (callback) => callback(null),
  }
  const memory = new Kysely<DB>({ dialect: new MysqlDialect({ pool }) })
  const memoryUsers = createRepository(memory, shop, 'users', { maxLimit: 100 })
  const memoryCursor = (await memoryUsers.paginate({ sort: KEYSET_SORT, limit: 20 })).nextCursor!
  const row = { email: 'bench@example.com', first_name: 'Bench', last_name: 'Mark' }
  const pairs: Record<string, Record<string, Variant>> = {
    findById: {
      repository: () => memoryUsers.findById(1),
      'bare Kysely': () => memory.selectFrom('users').select(VISIBLE).where('id', '=', 1).executeTakeFirst(),
    },
    'findMany 100 rows': {
      repository: () => memoryUsers.findMany({ where: (eb) => eb('id', '>=', 1), limit: 100 }),
      'bare Kysely': () =>
        memory
          .selectFrom('users')
          .select(VISIBLE)
          .where('id', '>=', 1)
          .orderBy('id', 'asc')
          .limit(100)
          .execute(),
    },
    'keyset page after a cursor': {
      repository: () => memoryUsers.paginate({ sort: KEYSET_SORT, limit: 100, after: memoryCursor }),
      'bare Kysely': () => keysetPageByHand(memory, VISIBLE, { createdAt: now, id: 20 }),
    },
    ...(RETURNING
      ? {
          'create, INSERT ... RETURNING': {
            repository: () => memoryUsers.create(row),
            'bare Kysely': () =>
              memory.executeQuery(memory.insertInto('users').values(row).returning(VISIBLE)),
          },
        }
      : {}),
    'create, key only': {
      repository: () => memoryUsers.create(row, { returning: false }),
      'bare Kysely': () => memory.insertInto('users').values(row).executeTakeFirstOrThrow(),
    },
    'create, INSERT + read back': {
      repository: () => memoryUsers.create(row, { with: {} }),
      'bare Kysely': async () => {
        const result = await memory.insertInto('users').values(row).executeTakeFirstOrThrow()
        return memory
          .selectFrom('users')
          .select(VISIBLE)
          .where('id', '=', Number(result.insertId))
          .executeTakeFirst()
      },
    },
    '50 users with their orders': {
      repository: () =>
        memoryUsers.findMany({ where: (eb) => eb('id', '>=', 1), limit: 50, with: { orders: true } }),
      'bare Kysely': () => usersWithOrdersByHand(memory, 1),
    },
  }
  const cpuPerCall = async (variant: Variant, calls: number): Promise<number> => {
    const cpu = process.cpuUsage()
    for (let index = 0; index < calls; index++) await variant()
    const used = process.cpuUsage(cpu)
    return (used.user + used.system) / calls
  }
  console.log('\nJavaScript per call on an in-memory driver (best of 15 interleaved rounds of 2,000 calls)')
  for (const [scenario, variants] of Object.entries(pairs)) {
    if (ONLY !== '' && !scenario.includes(ONLY)) continue
    const best = new Map<string, number>()
    for (const variant of Object.values(variants)) await cpuPerCall(variant, 2_000)
    for (let index = 0; index < 15; index++) {
      for (const [name, variant] of Object.entries(variants)) {
        best.set(name, Math.min(best.get(name) ?? Number.POSITIVE_INFINITY, await cpuPerCall(variant, 2_000)))
      }
    }
    const repository = best.get('repository')!
    const bare = best.get('bare Kysely')!
    console.log(
      `  ${scenario.padEnd(28)} repository ${repository.toFixed(1).padStart(6)} µs  bare Kysely ${bare.toFixed(1).padStart(6)} µs  ` +
        `(+${(repository - bare).toFixed(1)} µs)`,
    )
  }
  await memory.destroy()
}
