import { type DatabaseConnection, DummyDriver, Kysely } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import { QueryLogDialect, type ResultLogEvent } from '../../../src/index.js'
import { createCompileOnlyDialect } from '../../helpers/compile-only-db.js'

/** Kysely's DummyDriver, whose connection can be made to throw synchronously from executeQuery. */
function dummyDialect(throwing?: Error) {
  return createCompileOnlyDialect({
    driver: () =>
      new (class extends DummyDriver {
        override async acquireConnection(): Promise<DatabaseConnection> {
          const connection = await super.acquireConnection()
          if (throwing !== undefined) {
            connection.executeQuery = () => {
              throw throwing
            }
          }
          return connection
        }
      })(),
  })
}

describe(QueryLogDialect.name, () => {
  it('logs one query event per query, with the result and a duration', async () => {
    const events: ResultLogEvent[] = []
    const db = new Kysely<DB>({
      dialect: new QueryLogDialect({ dialect: dummyDialect(), log: (event) => void events.push(event) }),
    })
    await db.selectFrom('users').select('id').where('id', '=', 7).execute()
    expect(events).toHaveLength(1)
    const [event] = events
    expect(event).toMatchObject({ level: 'query', isStream: false, query: { parameters: [7] } })
    expect(event?.queryDurationMillis).toBeGreaterThanOrEqual(0)
    expect(event?.result).toEqual({ rows: [] })
  })

  it('logs a driver that throws instead of rejecting as a failure, and the query rejects', async () => {
    const events: ResultLogEvent[] = []
    const failure = new Error('connection lost')
    const db = new Kysely<DB>({
      dialect: new QueryLogDialect({
        dialect: dummyDialect(failure),
        log: (event) => void events.push(event),
      }),
    })
    await expect(db.selectFrom('users').select('id').execute()).rejects.toBe(failure)
    expect(events).toEqual([expect.objectContaining({ level: 'error', error: failure })])
  })

  it("passes savepoints through, and keeps Kysely's message for a driver without them", async () => {
    const db = new Kysely<DB>({ dialect: new QueryLogDialect({ dialect: dummyDialect(), log: () => {} }) })
    const trx = await db.startTransaction().execute()
    await expect(trx.savepoint('a').execute()).resolves.toBeDefined()
    await trx.rollback().execute()
    const plain = dummyDialect()
    const withoutSavepoints = {
      ...plain,
      createDriver: () => {
        const driver = plain.createDriver()
        return {
          init: () => driver.init(),
          acquireConnection: () => driver.acquireConnection(),
          beginTransaction: () => Promise.resolve(),
          commitTransaction: () => Promise.resolve(),
          rollbackTransaction: () => Promise.resolve(),
          releaseConnection: () => Promise.resolve(),
          destroy: () => Promise.resolve(),
        }
      },
    }
    const bare = new Kysely<DB>({
      dialect: new QueryLogDialect({ dialect: withoutSavepoints, log: () => {} }),
    })
    const bareTrx = await bare.startTransaction().execute()
    await expect(bareTrx.savepoint('a').execute()).rejects.toThrow(
      'The `savepoint` method is not supported by this driver',
    )
  })
})
