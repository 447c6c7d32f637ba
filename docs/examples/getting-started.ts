import { fileURLToPath } from 'node:url'
import { createDatabase, databaseOptionsFromEnv } from 'kysely-toolkit'
import { migrate } from 'kysely-toolkit/migration'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)

const migrationsFolder = fileURLToPath(new URL('../../example/migrations', import.meta.url))

/** The getting-started page's example: migrate, insert, query, check health, close. Returns what it saw. */
export async function gettingStarted(env: Record<string, string | undefined> = process.env) {
  // #region usage
  const database = createDatabase<DB>({ ...databaseOptionsFromEnv(env), pool: { max: 10 } })
  const { applied } = await migrate(database.db, { folder: migrationsFolder })

  await database.db
    .insertInto('users')
    .values({ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' })
    .execute()
  const active = await database.db
    .selectFrom('users')
    .select(['id', 'email', 'status'])
    .where('status', '=', 'active')
    .execute()

  const health = await database.health() // { status: 'healthy', latencyMs, serverVersion, pool }
  await database.close() // running queries finish first; new ones get DatabaseClosedError
  // #endregion usage
  return { applied, active, health }
}
