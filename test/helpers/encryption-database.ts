import { randomBytes } from 'node:crypto'
import { Kysely, type KyselyPlugin, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'

/** The server for integration tests: `TEST_DATABASE_URL`, by default a local MariaDB/MySQL as root. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306'

export interface ThrowAwayDatabase {
  /** The URL of the new database. */
  readonly url: string
  /** A Kysely instance on it, with the given plugins (none by default). */
  connect<DB>(options?: { plugins?: readonly KyselyPlugin[] }): Kysely<DB>
  /** Closes every instance made by `connect` and drops the database. */
  destroy(): Promise<void>
}

/**
 * A fresh database `kt_enc_<random>` (utf8mb4) on the test server, until the shared harness
 * (test/helpers/global-setup.ts) provides one per run.
 */
export async function createThrowAwayDatabase(schema: readonly string[]): Promise<ThrowAwayDatabase> {
  const name = `kt_enc_${randomBytes(6).toString('hex')}`
  const admin = new Kysely<unknown>({ dialect: new MysqlDialect({ pool: createPool(TEST_SERVER_URL) }) })
  await sql`create database ${sql.id(name)} character set utf8mb4`.execute(admin)
  const base = new URL(TEST_SERVER_URL)
  base.pathname = `/${name}`
  const url = base.toString()
  const instances: Kysely<unknown>[] = []
  const connect = <DB>(options: { plugins?: readonly KyselyPlugin[] } = {}) => {
    const db = new Kysely<DB>({
      dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 4 }) }),
      plugins: [...(options.plugins ?? [])],
    })
    instances.push(db as unknown as Kysely<unknown>)
    return db
  }
  const setup = connect<unknown>()
  for (const statement of schema) await sql.raw(statement).execute(setup)
  return {
    url,
    connect,
    async destroy() {
      await Promise.all(instances.map((db) => db.destroy()))
      await sql`drop database if exists ${sql.id(name)}`.execute(admin)
      await admin.destroy()
    },
  }
}
