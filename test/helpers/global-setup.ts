import { createConnection } from 'mysql2/promise'
import type { TestProject } from 'vitest/node'
import type { DB } from '../../example/generated/db.js'
import { seedShop } from '../../example/seed.js'
import { findTestServer } from '../../src/testing/server-source.js'
import { createTestDatabase } from '../../src/testing/test-database.js'
import { EXAMPLE_MIGRATIONS } from './paths.js'
import type { TestServerInfo } from './test-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of this run's throw-away database: the example schema, migrated and seeded. */
    databaseUrl: string
    /** URL of the server, without a database, for tests that make databases of their own. */
    serverUrl: string
    /** Which server it is (see test/helpers/test-server.ts). */
    testServer: TestServerInfo
  }
}

/**
 * Gives the integration run one throw-away database, migrated with the example schema and seeded, and drops it
 * at the end (also when tests fail; when the run is interrupted the database is dropped by the signal handler,
 * or by the next run's sweep).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await findTestServer()
  console.log(`integration tests run against ${server.description}`)
  const serverUrl = server.url
  const info = await describeServer(serverUrl)
  console.log(`integration tests run on ${info.name} (${info.flavor} ${info.version})`)
  const test = await createTestDatabase<DB>({
    serverUrl,
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db),
  })
  await test.database.close()
  project.provide('databaseUrl', test.url)
  project.provide('serverUrl', serverUrl)
  project.provide('testServer', info)
  return async () => {
    await test.destroy()
    await server.stop()
  }
}

async function describeServer(url: string): Promise<TestServerInfo> {
  const connection = await createConnection(url)
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version')
    const full = String((rows as { version: unknown }[])[0]?.version)
    const flavor = /mariadb/i.test(full) ? 'mariadb' : 'mysql'
    const version = /^\d+\.\d+\.\d+/.exec(full)?.[0] ?? full
    const name =
      process.env.KYSELY_TOOLKIT_SERVER_NAME ?? `${flavor}-${version.split('.').slice(0, 2).join('.')}`
    return { flavor, version, name }
  } finally {
    await connection.end()
  }
}
