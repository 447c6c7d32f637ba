import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Kysely } from 'kysely'
import type { DB } from '../../example/generated/db.ts'
import { type ClientContext, INSERTED_SSN } from './client.ts'
import { DEEP_OFFSET, type WorkloadInputs } from './workloads.ts'

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The seeded bench database, what clients need to connect to it, and the workloads' inputs. */
export interface BenchDatabase {
  readonly name: string
  readonly context: ClientContext
  readonly inputs: WorkloadInputs
  /** A Kysely without the encryption plugin, for checking what is stored. */
  readonly plainDb: Kysely<DB>
  readonly serverVersion: string | undefined
  /** Drops the database. */
  destroy(): Promise<void>
}

export interface BenchDatabaseOptions {
  /** A server URL without a database; defaults to BENCH_DATABASE_URL or mysql://root@127.0.0.1:3306. */
  readonly serverUrl?: string
  /** Connections in each client's pool. */
  readonly poolSize: number
  /** Pino level of the clients' query loggers. */
  readonly logLevel: string
  readonly log: (line: string) => void
}

/**
 * Creates, migrates and seeds a throw-away bench database (users.ssn encrypted by the toolkit's plugin with a key
 * made for this run), and works out the workloads' inputs from it.
 *
 * @example
 * const database = await openBenchDatabase({ poolSize: 10, logLevel: 'info', log: console.error })
 * try { ... } finally { await database.destroy() }
 */
export async function openBenchDatabase(options: BenchDatabaseOptions): Promise<BenchDatabase> {
  const { createTestDatabase } = await import('../../dist/testing/index.js')
  const { createKeyring, EncryptionPlugin, generateEncryptionKey } = await import(
    '../../dist/encryption/index.js'
  )
  const encryptionKey = generateEncryptionKey()
  const serverUrl = options.serverUrl ?? process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306'
  options.log(`creating and seeding the bench database on ${serverUrl.replace(/\/\/[^@/]*@/, '//')} ...`)
  const seedStarted = performance.now()
  const { seedBench } = await import('./seed.ts')
  const test = await createTestDatabase<DB>({
    serverUrl,
    prefix: 'ktbench',
    migrations: join(repositoryRoot, 'example', 'migrations'),
    seed: (db) => seedBench(db as unknown as Kysely<DB>),
    databaseOptions: {
      plugins: [
        new EncryptionPlugin<DB>({
          keyring: createKeyring({ keys: { currentKeyId: 'bench', keys: { bench: encryptionKey } } }),
          tables: { users: { ssn: true } },
        }),
      ],
    },
  })
  try {
    options.log(`database ${test.name} ready in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`)
    const health = await test.database.health()
    const url = new URL(test.url)
    const context: ClientContext = {
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: test.name,
      url: test.url,
      poolSize: options.poolSize,
      encryptionKey,
      logLevel: options.logLevel,
    }
    const plainDb = test.db.withoutPlugins() as unknown as Kysely<DB>
    const cursorRow = await plainDb
      .selectFrom('users')
      .select(['created_at', 'id'])
      .orderBy('created_at')
      .orderBy('id')
      .offset(DEEP_OFFSET - 1)
      .limit(1)
      .executeTakeFirstOrThrow()
    const runTag = Date.now().toString(36)
    // INSERTED_SSN encrypted by the plugin, for the clients that do not encrypt (see NewUser.ssn).
    const encryptedSsn = await encryptedValue(
      test.db as unknown as Kysely<DB>,
      plainDb,
      `ssn.${runTag}@bench.example`,
    )
    return {
      name: test.name,
      context,
      inputs: { deepCursor: { createdAt: cursorRow.created_at, id: cursorRow.id }, runTag, encryptedSsn },
      plainDb,
      serverVersion: health.serverVersion,
      destroy: () => test.destroy(),
    }
  } catch (error) {
    await test.destroy()
    throw error
  }
}

/** `INSERTED_SSN` as the encryption plugin of `encrypting` stores it, by writing one user and reading it raw. */
async function encryptedValue(encrypting: Kysely<DB>, plain: Kysely<DB>, email: string): Promise<string> {
  await encrypting
    .insertInto('users')
    .values({ email, first_name: 'Encrypted', last_name: 'Value', ssn: INSERTED_SSN })
    .execute()
  const row = await plain
    .selectFrom('users')
    .select('ssn')
    .where('email', '=', email)
    .executeTakeFirstOrThrow()
  if (row.ssn === null || row.ssn === INSERTED_SSN)
    throw new Error('the seed database does not encrypt users.ssn')
  return row.ssn
}
