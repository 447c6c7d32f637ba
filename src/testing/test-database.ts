import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { createConnection } from 'mysql2/promise'
import { createDatabase, type Database } from '../database/create-database.js'
import type { DatabaseOptions } from '../database/database-options.js'
import { migrate } from '../migration/migrate.js'
import { findTestServer } from './server-source.js'

const PREFIX_PATTERN = /^[a-z][a-z0-9]{0,15}$/
const NAME_PATTERN = /^([a-z][a-z0-9]{0,15})_(\d+)_[a-z0-9]+_[a-z0-9]+$/

/** Options of {@link createTestDatabase}. */
export interface TestDatabaseOptions<DB> {
  /**
   * The server, as a URL without a database (`mysql://root@127.0.0.1:3306`). Defaults to the server
   * {@link findTestServer} finds: `TEST_DATABASE_URL`, a MySQL container when Docker answers, 127.0.0.1:3306 as
   * root, or a private server started from the installed `mariadbd`/`mysqld` (stopped again by `destroy()`).
   */
  readonly serverUrl?: string
  /** A folder of migrations to run on the new database. */
  readonly migrations?: string
  /** Fills the migrated database. */
  readonly seed?: (db: Kysely<DB>) => Promise<void>
  /** Start of the database name (letters and digits). Defaults to `'kttest'`. */
  readonly prefix?: string
  /** Extra options for the database's pool (plugins, pool size, log...). */
  readonly databaseOptions?: Omit<
    DatabaseOptions,
    'url' | 'host' | 'port' | 'user' | 'password' | 'database' | 'socketPath'
  >
}

/**
 * A throw-away utf8mb4 database: created, migrated and seeded by {@link createTestDatabase}, dropped by
 * `destroy()`, by `await using`, or, when the process is interrupted (SIGINT/SIGTERM) or dies, by the next run's
 * sweep of databases whose process is gone.
 */
export interface TestDatabase<DB> {
  /** The database's name, e.g. `kttest_4711_m1x2y3_9f8e7d6c`. */
  readonly name: string
  /** A URL of the database, for code that makes its own connections. */
  readonly url: string
  /** The toolkit database (health, close, pool stats) on it. */
  readonly database: Database<DB>
  /** The query builder on it. */
  readonly db: Kysely<DB>
  /** Closes the pool and drops the database. Safe to call more than once. */
  destroy(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Creates a uniquely named utf8mb4 database on a server, runs migrations and a seed on it, and gives back a
 * toolkit database on it. Databases left by processes that no longer exist (a run that was killed) are
 * dropped first.
 *
 * @example
 * ```ts
 * import { createTestDatabase } from 'kysely-toolkit/testing'
 *
 * await using test = await createTestDatabase<DB>({
 *   migrations: './migrations',
 *   seed: async (db) => {
 *     await db.insertInto('users').values({ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' }).execute()
 *   },
 * })
 * const users = await test.db.selectFrom('users').selectAll().execute()
 * ```
 */
export async function createTestDatabase<DB>(
  options: TestDatabaseOptions<DB> = {},
): Promise<TestDatabase<DB>> {
  const prefix = options.prefix ?? 'kttest'
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(
      `prefix must be 1 to 16 lower-case letters and digits, starting with a letter (got ${JSON.stringify(prefix)})`,
    )
  }
  const server = options.serverUrl === undefined ? await findTestServer() : undefined
  const serverUrl = options.serverUrl ?? server!.url
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
  await sweepAbandonedDatabases(serverUrl, prefix)
  await withAdminConnection(serverUrl, (admin) =>
    admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`),
  )
  liveDatabases.set(name, serverUrl)
  installInterruptCleanup()
  const url = databaseUrl(serverUrl, name)
  const database = createDatabase<DB>({ ...options.databaseOptions, url })
  let destroyed: Promise<void> | undefined
  const destroy = (): Promise<void> => {
    destroyed ??= (async () => {
      await database.close({ timeoutMs: 5_000 }).catch(() => {})
      await dropDatabase(serverUrl, name)
      await server?.stop()
    })()
    return destroyed
  }
  try {
    if (options.migrations !== undefined) {
      await migrate(database.db, { folder: options.migrations })
    }
    await options.seed?.(database.db)
  } catch (error) {
    await destroy()
    throw error
  }
  return { name, url, database, db: database.db, destroy, [Symbol.asyncDispose]: destroy }
}

/**
 * Drops the databases named `<prefix>_<pid>_...` whose process no longer runs on this machine, left by runs that
 * were killed. Returns the names dropped.
 *
 * @example
 * ```ts
 * import { sweepAbandonedDatabases } from 'kysely-toolkit/testing'
 *
 * await sweepAbandonedDatabases('mysql://root@127.0.0.1:3306', 'kttest')
 * ```
 */
export async function sweepAbandonedDatabases(serverUrl: string, prefix = 'kttest'): Promise<string[]> {
  const dropped: string[] = []
  await withAdminConnection(serverUrl, async (admin) => {
    const [rows] = await admin.query(
      'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?',
      [`${prefix}\\_%`],
    )
    for (const row of rows as { name: string }[]) {
      const match = NAME_PATTERN.exec(row.name)
      if (!match || match[1] !== prefix) continue
      const pid = Number(match[2])
      if (pid === process.pid || isProcessAlive(pid)) continue
      await admin.query(`DROP DATABASE IF EXISTS \`${row.name}\``)
      dropped.push(row.name)
    }
  })
  return dropped
}

/** Databases made by this process and not dropped yet, with their server URL. */
const liveDatabases = new Map<string, string>()
let interruptCleanupInstalled = false

function installInterruptCleanup(): void {
  if (interruptCleanupInstalled) return
  interruptCleanupInstalled = true
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.allSettled([...liveDatabases].map(([name, url]) => dropDatabase(url, name))).then(() => {
        process.kill(process.pid, signal)
      })
    })
  }
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdminConnection(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS \`${name}\``))
  liveDatabases.delete(name)
}

async function withAdminConnection<T>(
  serverUrl: string,
  work: (admin: Awaited<ReturnType<typeof createConnection>>) => Promise<T>,
): Promise<T> {
  const admin = await createConnection({ uri: serverUrl, connectTimeout: 5_000, multipleStatements: false })
  try {
    return await work(admin)
  } finally {
    await admin.end().catch(() => {})
  }
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
