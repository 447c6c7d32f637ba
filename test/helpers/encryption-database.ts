import { Kysely, type KyselyPlugin, MysqlDialect, sql } from 'kysely'
import { createPool } from 'mysql2'
import { inject } from 'vitest'
import { createTestDatabase } from '../../src/testing/index.js'

export interface ThrowAwayDatabase {
  /** The URL of the new database. */
  readonly url: string
  /** A Kysely instance on it, with the given plugins (none by default). */
  connect<DB>(options?: { plugins?: readonly KyselyPlugin[] }): Kysely<DB>
  /** Closes every instance made by `connect` and drops the database. */
  destroy(): Promise<void>
}

/**
 * A fresh utf8mb4 database (`ktenc_...`, from the run's test server) with the given schema. The plugin is tested
 * on plain Kysely instances (`connect`), as it must work on any Kysely, not only on createDatabase's.
 */
export async function createThrowAwayDatabase(schema: readonly string[]): Promise<ThrowAwayDatabase> {
  const test = await createTestDatabase({ serverUrl: inject('serverUrl'), prefix: 'ktenc' })
  const url = test.url
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
      await test.destroy()
    },
  }
}
