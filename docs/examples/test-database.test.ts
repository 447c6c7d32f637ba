// The example of docs/testing.md: a test file with a database of its own, run as part of the integration suite.
// #region per-file
import { fileURLToPath } from 'node:url'
import { createTestDatabase, type TestDatabase } from 'kysely-toolkit/testing'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)

const MIGRATIONS = fileURLToPath(new URL('../../example/migrations', import.meta.url))

let test: TestDatabase<DB>

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    // From a vitest globalSetup (provide/inject). Without it: TEST_DATABASE_URL, a MySQL container when Docker
    // answers, 127.0.0.1:3306 as root, or a private server started from the installed mariadbd/mysqld.
    serverUrl: inject('serverUrl'),
    migrations: MIGRATIONS,
    seed: async (db) => {
      await db
        .insertInto('users')
        .values({ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' })
        .execute()
    },
  })
  // test.db is a Kysely<DB> on `kttest_<pid>_<time>_<random>`, a utf8mb4 database of this file's own
})

afterAll(() => test.destroy())

describe('users', () => {
  it('reads the seeded user', async () => {
    const user = await test.db.selectFrom('users').select(['email', 'status']).executeTakeFirstOrThrow()
    expect(user).toEqual({ email: 'ada@example.com', status: 'active' })
  })
})
// #endregion per-file

describe('a database for one test', () => {
  it('is dropped at the end of its scope', async () => {
    let name = ''
    {
      // #region await-using
      await using scratch = await createTestDatabase<DB>({
        serverUrl: inject('serverUrl'),
        migrations: MIGRATIONS,
      })
      await scratch.db
        .insertInto('users')
        .values({ email: 'b@example.com', first_name: 'B', last_name: 'C' })
        .execute()
      // ...the test; the database is dropped when the block ends, also when the test fails
      // #endregion await-using
      name = scratch.name
      await expect(databaseExists(name)).resolves.toBe(true)
    }
    await expect(databaseExists(name)).resolves.toBe(false)
  })
})

/** Whether the server has a database of that name (asked through this file's test database). */
async function databaseExists(name: string): Promise<boolean> {
  // Not db.introspection.getSchemas(): Kysely 0.29 reads `SCHEMA_NAME` from its result, which MariaDB names
  // `schema_name`, so every name comes back undefined there.
  const found = await test.db
    .withTables<{ 'information_schema.SCHEMATA': { SCHEMA_NAME: string } }>()
    .selectFrom('information_schema.SCHEMATA')
    .select('SCHEMA_NAME')
    .where('SCHEMA_NAME', '=', name)
    .execute()
  return found.length === 1
}
