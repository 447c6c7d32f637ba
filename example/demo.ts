/**
 * The demo a new user starts with: `npm run demo`.
 *
 * Against the server the tests find (TEST_DATABASE_URL, Docker, 127.0.0.1:3306, or a private server started from
 * the installed mariadbd/mysqld), it creates its own database, migrates it, generates the types, stores users with
 * an encrypted SSN, lists them with an untrusted sort string, refuses a malicious one, loads users with their
 * orders without N+1, moves money concurrently with deadlock retries, prints metrics and health, backs the
 * database up, restores and verifies the copy, and cleans up after itself.
 */
import { randomBytes, randomInt } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { generateCode } from '../codegen/index.js'
import { createBackup, restoreBackup, verifyBackup } from '../src/backup/index.js'
import {
  createDatabase,
  createQueryMetrics,
  createRepository,
  InvalidSortError,
  NO_TABLE_LABEL,
  type QueryMetricsSnapshot,
  transaction,
} from '../src/index.js'
import { createKeyring, EncryptionPlugin, generateEncryptionKey } from '../src/plugin/encryption/index.js'
import { createTestDatabase, findTestServer, NoTestServerError } from '../src/testing/index.js'
import type { DB } from './generated/db.js'
import { seedShop } from './seed.js'
import { shop } from './shop-schema.js'

const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url))
const say = (text = '') => console.log(text)
/** Bold step titles on a terminal only, and never with NO_COLOR set (https://no-color.org). */
const bold = process.stdout.isTTY === true && !process.env.NO_COLOR
const step = (title: string) => say(bold ? `\n\u001b[1m▸ ${title}\u001b[0m` : `\n▸ ${title}`)

async function main(): Promise<void> {
  step('Finding a MySQL-compatible server')
  const server = await findTestServer()
  say(`  ${server.description}`)
  const test = await createTestDatabase<DB>({
    serverUrl: server.url,
    prefix: 'ktdemo',
    migrations: MIGRATIONS,
  })
  const backupDirectory = await mkdtemp(join(tmpdir(), 'kysely-toolkit-demo-'))
  const copyName = `${test.name}_copy`
  try {
    say(`  created database ${test.name} (utf8mb4) and ran the example migrations`)
    await demo(test.url, test.name, copyName, backupDirectory, test.db)
  } finally {
    await sql`drop database if exists ${sql.id(copyName)}`.execute(test.db)
    await test.destroy()
    await server.stop()
    await rm(backupDirectory, { recursive: true, force: true })
    say(`\n✓ cleaned up: dropped ${test.name} and ${copyName}, removed the backup files`)
  }
}

async function demo(
  url: string,
  name: string,
  copyName: string,
  backupDirectory: string,
  plainDb: ReturnType<typeof createDatabase<DB>>['db'],
): Promise<void> {
  step('Codegen: types, runtime metadata and zod schemas from the live schema')
  const generated = await generateCode(plainDb, {})
  const tables = Object.values(generated.schema.tables)
  const users = generated.schema.tables.users
  say(`  ${tables.length} tables; users has ${Object.keys(users?.columns ?? {}).length} columns, e.g.`)
  for (const column of Object.values(users?.columns ?? {}).slice(0, 4)) {
    say(
      `    ${column.name.padEnd(12)} ${column.columnType.padEnd(16)} → ${column.jsType}, insert ${column.insert}`,
    )
  }

  // A fresh key for this run only: keys come from the environment or a KMS, never from the code.
  const encryption = new EncryptionPlugin<DB>({
    keyring: createKeyring({ keys: { currentKeyId: 'demo', keys: { demo: generateEncryptionKey() } } }),
    tables: { users: { ssn: { maxPlaintextBytes: 11 } } },
  })
  const metrics = createQueryMetrics({ slowQueryMs: 200 })
  const database = createDatabase<DB>({ url, plugins: [encryption], log: metrics.log, pool: { max: 10 } })
  const retries: string[] = []
  try {
    await seedShop(database.db, { users: 50, ordersPerUser: 3 })
    const userRepository = createRepository(database.db, shop, 'users', {
      sortable: { createdAt: 'created_at', email: 'email', lastName: 'last_name' },
      defaultSort: '-createdAt',
      cursorSecret: randomBytes(32).toString('base64'),
    })

    step('Users with an encrypted SSN (AES-256-GCM, transparent to the code)')
    const ada = await userRepository.create({
      email: 'ada@example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
      ssn: '078-05-1120',
    })
    const readBack = await database.db
      .selectFrom('users')
      .select('ssn')
      .where('id', '=', ada.id)
      .executeTakeFirstOrThrow()
    const stored = await sql<{ ssn: string }>`select ssn from users where id = ${ada.id}`.execute(plainDb)
    say(`  the app reads:      ${readBack.ssn}`)
    say(`  the table holds:    ${stored.rows[0]?.ssn.slice(0, 60)}…`)

    step('Listing users sorted by an untrusted query string: ?sort=-createdAt,email')
    const listed = await userRepository.findMany({
      sort: '-createdAt,email',
      limit: 3,
      select: ['id', 'email', 'created_at'],
    })
    for (const user of listed) say(`  #${user.id} ${user.email} ${user.created_at.toISOString()}`)

    step('A malicious sort string: ?sort=email;DROP TABLE users-- is refused by the whitelist')
    try {
      await userRepository.findMany({ sort: 'email;DROP TABLE users--', limit: 3 })
      say('  (unexpectedly accepted)')
    } catch (error) {
      if (!InvalidSortError.is(error)) throw error
      say(`  InvalidSortError: ${error.message}`)
    }

    step('50 users with their orders and items, without N+1')
    const before = metrics.snapshot().queries
    const withOrders = await userRepository.findMany({
      limit: 50,
      sort: 'email',
      with: { orders: { with: { items: true } } },
    })
    const queries = metrics.snapshot().queries - before
    const orderCount = withOrders.reduce((sum, user) => sum + user.orders.length, 0)
    const itemCount = withOrders.reduce(
      (sum, user) => sum + user.orders.reduce((n, order) => n + order.items.length, 0),
      0,
    )
    say(`  ${withOrders.length} users, ${orderCount} orders, ${itemCount} items in ${queries} queries`)

    step('400 transfers between 6 accounts by 16 concurrent workers, in random order (deadlocks happen)')
    // Six busy accounts, so that transfers collide.
    const accounts = await database.db.selectFrom('accounts').select('id').orderBy('id').limit(6).execute()
    const totalBefore = await totalBalance(database.db)
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let index = 0; index < 25; index++) {
          const first = randomInt(accounts.length)
          const from = accounts[first]!.id
          const to = accounts[(first + 1 + randomInt(accounts.length - 1)) % accounts.length]!.id
          await transaction(
            database.db,
            async (trx) => {
              // Debit then credit in the order given: two opposite transfers can deadlock; the helper retries.
              await trx
                .updateTable('accounts')
                .set((eb) => ({ balance: eb('balance', '-', '1.00') }))
                .where('id', '=', from)
                .execute()
              await trx
                .updateTable('accounts')
                .set((eb) => ({ balance: eb('balance', '+', '1.00') }))
                .where('id', '=', to)
                .execute()
              await trx
                .insertInto('account_transactions')
                .values({ from_account_id: from, to_account_id: to, amount: '1.00', type: 'transfer' })
                .execute()
            },
            {
              maxAttempts: 10,
              onRetry: (event) => {
                retries.push(event.reason)
                metrics.recordTransactionRetry(event.reason)
              },
            },
          )
        }
      }),
    )
    const totalAfter = await totalBalance(database.db)
    const ledger = await database.db
      .selectFrom('account_transactions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
    say(`  ${ledger.n} ledger rows; ${retries.length} attempts retried (${summarize(retries)})`)
    say(
      `  total balance before ${totalBefore}, after ${totalAfter}: ${totalBefore === totalAfter ? 'unchanged ✓' : 'CHANGED ✗'}`,
    )

    step('Metrics and health')
    printMetrics(metrics.snapshot())
    const health = await database.health()
    say(
      `  health: ${health.status}, ${health.serverVersion}, ${health.latencyMs} ms, pool ${JSON.stringify(health.pool)}`,
    )

    step('Backup, restore into a new database, verify')
    const backup = await createBackup(database, { directory: backupDirectory })
    say(
      `  backup: ${backup.manifest.rows} rows of ${backup.manifest.tables.length} tables, ${backup.manifest.archive.bytes} bytes gzip, sha256 ${backup.manifest.archive.sha256.slice(0, 16)}…`,
    )
    await restoreBackup(database, { manifest: backup.manifestPath, target: copyName })
    const report = await verifyBackup(database, { manifest: backup.manifestPath, against: copyName })
    say(
      `  restored into ${copyName}; verify: ${report.ok ? 'row counts and CHECKSUM TABLE equal ✓' : 'DIFFERENT ✗'}`,
    )
    void name
  } finally {
    await database.close()
  }
}

async function totalBalance(db: ReturnType<typeof createDatabase<DB>>['db']): Promise<string> {
  const row = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.sum<string>('balance').as('total'))
    .executeTakeFirstOrThrow()
  return String(row.total)
}

function summarize(values: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return [...counts].map(([value, count]) => `${count} ${value}`).join(', ') || 'none needed this time'
}

function printMetrics(snapshot: QueryMetricsSnapshot): void {
  const { latency } = snapshot
  // The failed statements are the bank's deadlocks, which transaction() retried: say so, by error code.
  const byCode = new Map<string, number>()
  for (const entry of snapshot.byError) byCode.set(entry.code, (byCode.get(entry.code) ?? 0) + entry.count)
  const failures = [...byCode].map(([code, count]) => `${count} ${code}`).join(', ')
  say(
    `  ${snapshot.queries} queries; ${snapshot.errors} failed${failures === '' ? '' : ` (${failures}: the bank's deadlocks, each retried)`}`,
  )
  say(
    `  latency p50 ${latency.p50Ms.toFixed(2)} ms, p95 ${latency.p95Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms, max ${latency.maxMs.toFixed(2)} ms`,
  )
  say('  busiest statements (kind, table, count; "no table" is BEGIN, COMMIT, SELECT 1 and the like):')
  for (const entry of snapshot.byQuery.slice(0, 4)) {
    const table = entry.table === NO_TABLE_LABEL ? 'no table' : String(entry.table)
    say(`    ${entry.kind.padEnd(7)} ${table.padEnd(22)} ${entry.count}`)
  }
  say(`  transaction retries counted: ${snapshot.transactionRetries}`)
}

main().catch((error: unknown) => {
  const code = (error as { code?: unknown }).code
  if (NoTestServerError.is(error)) {
    console.error(`\nNo MySQL-compatible server found.\n${error.message}`)
  } else if (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|ER_ACCESS_DENIED_ERROR)$/.test(code)
  ) {
    console.error(
      `\nThe server could not be used (${code}: ${(error as Error).message}).\n` +
        'Set TEST_DATABASE_URL=mysql://user:password@host:3306 to a MySQL 8.4+ or MariaDB 10.6+ server whose user may ' +
        'create databases, or unset it to let the demo find one (Docker, 127.0.0.1:3306, or an installed mariadbd).',
    )
  } else {
    console.error('\nThe demo failed:', error)
  }
  process.exitCode = 1
})
